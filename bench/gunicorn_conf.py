"""gunicorn configuration of the benchmark server (loopback only).

``BENCH_ACCESS_LOG=off`` replaces the access-log writer by a no-op in the workers, for the
on/off overhead ratio only. ``BENCH_ACCESS_POLICY=off`` replaces the access policy by "a plain
superuser query of the same page" (issue 10): the same rows, selected by the same scoped query,
shown in full without a decision; a list loads only the relations it displays (no policy
input), a case page the relations it displays anyway (participants, consents, grounds). The
access log is still written. These switches live here, in the benchmark
harness, never in the application's settings.

The workers are gunicorn's sync workers, as docs/deployment.md runs them behind nginx: a worker
takes a connection only when it is free, so under load the requests wait in one queue (the
listening socket's) in order of arrival. ``BENCH_THREADS`` above 1 gives threaded (gthread)
workers instead, for comparison: each of those keeps the keep-alive connections it accepted,
also while its threads are busy, and the requests on them wait behind that worker's work
while another worker may be idle; their 16-user p95 was twice the sync workers' (issue 10,
docs/performance.md "Session 26").
"""

import os

bind = os.environ.get("BENCH_BIND", "127.0.0.1:8765")
workers = int(os.environ.get("BENCH_WORKERS", "4"))
threads = int(os.environ.get("BENCH_THREADS", "1"))
worker_class = "sync" if threads == 1 else "gthread"
preload_app = True
keepalive = 30
timeout = 120
accesslog = None
errorlog = "-"
loglevel = "warning"


def _plain_superuser_reads() -> None:
    from typing import Any

    from passend.access import policy, selectors
    from passend.privacy.categories import DataCategory

    everything = frozenset(DataCategory.values)

    def see_all(user: Any, membership: Any, case: Any, **_kwargs: Any) -> policy.CaseAccess:
        organisation_id = membership.organisation_id if membership is not None else None
        return policy.CaseAccess(
            case=case, allowed=True, categories=everything, organisation_id=organisation_id
        )

    def plain_rows(
        queryset: Any, user: Any, membership: Any, participations: Any = None, **options: Any
    ) -> Any:
        return list(selectors.row_cases(queryset, **options))  # what the list shows, no more

    def no_policy_input(cases: Any, *_args: Any, **_kwargs: Any) -> None:
        return None

    # Every module that calls the policy by name (the read paths of bench.web's pages).
    for module in (policy, selectors):
        setattr(module, "decide_case", see_all)  # noqa: B010 - patching a module attribute
    selectors.with_row_policy_data = plain_rows
    selectors.attach_row_policy_data = no_policy_input


def post_fork(server: object, worker: object) -> None:
    if os.environ.get("BENCH_ACCESS_LOG", "on") == "off":
        from passend.privacy import services

        services._append = lambda entries: None
        services._append_rows = lambda rows: None
    if os.environ.get("BENCH_ACCESS_POLICY", "on") == "off":
        _plain_superuser_reads()
