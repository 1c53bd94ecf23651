"""Page and API latency/throughput under load: ``python -m bench.web --database-url ...``.

Starts gunicorn (bench.settings, DEBUG off) on loopback against the given database (a region
made by ``manage.py generate_region``), logs in N users of different schools with password and
TOTP, and measures each scenario with 1 and with N concurrent users. Prints one JSON object
(scenario -> figures) on stdout, or writes it to ``--out``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load import LoadResult, Session, Target, VirtualUser, run_load
from bench.server import ROOT, Server

# Scenarios of the school's support coordinators (one person per virtual user).
COORDINATOR_SCENARIOS = (
    "case_list",
    "case_list_deep",
    "case_detail",
    "dashboard",
    "case_list_api",
    "case_detail_api",
)
# Scenarios of one role each -> that role. Few people hold these roles (one CvA serves the
# region, five SWV directors), so N concurrent users are N browser sessions of the role's
# holders: each signs in once, further sessions are second tabs of the same sign-in.
ROLE_SCENARIOS = {
    "term_overview": "cva_secretary",  # the CvA secretary's TLV overview with every term
    "tlv_report": "swv_director",  # the TLV management report of one school year
    "access_bundle": "privacy_officer",  # the FG compiles a pupil's access bundle (JSON)
}
SCENARIOS = COORDINATOR_SCENARIOS + tuple(ROLE_SCENARIOS)
# Not in ``make bench``; for ``bench.versus``: a coordinator's pages mixed on the same
# connections, as in production. A change to a statement that several pages share (the
# policy input's one case or fifty) can win on one page's run and lose on the mix (session 45).
MIXED_SCENARIOS = ("coordinator_mix",)
# The case pages of the mix per page kind; each of the other pages counts once.
MIX_CASE_PAGES = 3
# The generator anchors its region on 1 June 2026: the school year 2025-2026 holds its data.
REPORT_SCHOOL_YEAR = 2025
# The subject request the access-bundle scenario answers; made once per FG and reused.
BUNDLE_DESCRIPTION = "Benchmark (issue 10): inzage in alle gegevens van de leerling."


@dataclass
class BenchUser:
    user_id: int
    username: str
    membership_id: int
    list_first: str = ""
    list_deep: str = ""
    details: list[int] = field(default_factory=list)
    api_token: str = ""
    # Role scenarios: the page, and for a POST the page whose form gives the CSRF token.
    role_path: str = ""
    csrf_page: str = ""


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passend.settings")
    for path in (str(ROOT / "src"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()


def pick_users(count: int) -> list[BenchUser]:
    """Support coordinators of different schools, the busiest first, with their URLs."""
    from django.db.models import Count, Q

    from passend.access.selectors import involved_cases
    from passend.accounts.models import Membership, Role
    from passend.cases.selectors import encode_cursor

    memberships = (
        Membership.objects.filter(role=Role.SUPPORT_COORDINATOR, is_active=True)
        .select_related("user", "organisation")
        .annotate(
            n=Count(
                "user__participations",
                filter=Q(user__participations__ended_at__isnull=True),
            )
        )
        .order_by("-n", "pk")
    )
    chosen: list[BenchUser] = []
    schools: set[int] = set()
    for membership in memberships.iterator():
        if membership.organisation_id in schools:
            continue
        cases = list(
            involved_cases(membership.user, membership)
            .order_by("-opened_at", "-id")
            .only("id", "opened_at")
        )
        if len(cases) < 2:
            continue
        # Keyset pagination: the deep page is the last full page, reached by its cursor.
        deep_anchor = cases[max(0, len(cases) - 51)]
        chosen.append(
            BenchUser(
                user_id=membership.user_id,
                username=membership.user.username,
                membership_id=membership.pk,
                list_first="/trajecten/",
                list_deep=f"/trajecten/?na={encode_cursor(deep_anchor)}",
                details=[c.pk for c in cases[:: max(1, len(cases) // 25)]][:25],
            )
        )
        schools.add(membership.organisation_id)
        if len(chosen) == count:
            break
    if not chosen:
        raise RuntimeError("no support coordinator with cases: generate a region first")
    return chosen


def bundle_request(membership: Any) -> int | None:
    """The benchmark's access request at the FG's organisation (an SWV), identity verified,
    about the pupil with the most cases at its schools; made once, then reused."""
    from django.db.models import Count

    from passend.cases.models import Case
    from passend.privacy.context import AccessContext
    from passend.privacy.models import SubjectRequest
    from passend.privacy.services import submit_subject_request
    from passend.pupils.models import Pupil

    existing = (
        SubjectRequest.objects.filter(
            organisation_id=membership.organisation_id,
            description=BUNDLE_DESCRIPTION,
            identity_verified_on__isnull=False,
        )
        .values_list("pk", flat=True)
        .first()
    )
    if existing is not None:
        return int(existing)
    pupil_id = (
        Case.objects.filter(
            pupil__enrolments__end_date__isnull=True,
            pupil__enrolments__school__swv_id=membership.organisation_id,
        )
        .values("pupil_id")
        .annotate(n=Count("id"))
        .order_by("-n", "pupil_id")
        .values_list("pupil_id", flat=True)
        .first()
    )
    if pupil_id is None:
        return None
    request = submit_subject_request(
        pupil=Pupil.objects.get(pk=pupil_id),
        kind="access",
        description=BUNDLE_DESCRIPTION,
        requester_name="Benchmark",
        requester_relation="parent",
        channel="staff",
        organisation_id=membership.organisation_id,
        identity_verified=True,
        identity_note="Benchmark: identiteit niet van toepassing (fictieve regio).",
        registered_by=membership.user,
        context=AccessContext.system("bench"),
    )
    return int(request.pk)


def pick_role_users(scenario: str, count: int) -> list[BenchUser]:
    """Up to ``count`` holders of the scenario's role, with the page they request."""
    from passend.accounts.models import Membership, OrganisationKind

    memberships = (
        Membership.objects.filter(role=ROLE_SCENARIOS[scenario], is_active=True)
        .select_related("user", "organisation")
        .order_by("pk")
    )
    chosen: list[BenchUser] = []
    for membership in memberships:
        if any(u.user_id == membership.user_id for u in chosen):
            continue
        user = BenchUser(
            user_id=membership.user_id,
            username=membership.user.username,
            membership_id=membership.pk,
        )
        if scenario == "term_overview":
            user.role_path = "/tlv/"
        elif scenario == "tlv_report":
            user.role_path = f"/rapportages/tlv/?school_year={REPORT_SCHOOL_YEAR}"
        else:
            if membership.organisation.kind != OrganisationKind.SWV:
                continue
            request_id = bundle_request(membership)
            if request_id is None:
                continue
            user.role_path = f"/privacy/verzoeken/{request_id}/inzage.json"
            user.csrf_page = f"/privacy/verzoeken/{request_id}/"
        chosen.append(user)
        if len(chosen) == count:
            break
    if not chosen:
        raise RuntimeError(f"no user for {scenario}: generate a region first")
    return chosen


def issue_tokens(users: list[BenchUser]) -> None:
    from datetime import timedelta

    from passend.accounts.models import Membership
    from passend.accounts.services import issue_api_token
    from passend.privacy.context import AccessContext

    for user in users:
        membership = Membership.objects.select_related("user", "organisation").get(
            pk=user.membership_id
        )
        _token, raw = issue_api_token(
            AccessContext.system("bench"), membership, name="benchmark", lifetime=timedelta(hours=2)
        )
        user.api_token = raw


def revoke_tokens() -> None:
    from passend.accounts.models import ApiToken
    from passend.accounts.services import revoke_api_token
    from passend.privacy.context import AccessContext

    for token in ApiToken.objects.filter(name="benchmark", revoked_at__isnull=True):
        revoke_api_token(AccessContext.system("bench"), token)


def totp_code(user_id: int) -> str:
    """The current TOTP code of the user's device, never one that was already used."""
    from django_otp.oath import hotp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user_id=user_id, confirmed=True)
    for _ in range(120):
        # The device accepts steps around now + drift (django-otp moves drift after a code
        # from the next step): without it, a second sign-in could send a rejected code. The
        # current step, not the one before: that one is refused when the clock passes a step
        # boundary before the server checks it (a first sign-in failed that way), and each
        # such code also moved the drift one step further back.
        now_t = int(time.time() - device.t0) // device.step + device.drift
        candidate = max(now_t, (device.last_t or -1) + 1)
        if candidate <= now_t + 1:
            return f"{hotp(device.bin_key, candidate, device.digits):0{device.digits}d}"
        time.sleep(1)
    raise RuntimeError("no unused TOTP step available")


def login_all(base_url: str, users: list[BenchUser], password: str) -> list[Session]:
    from django.db import connections

    def one(user: BenchUser) -> Session:
        session = Session(base_url, api_token=user.api_token)
        try:
            session.login(user.username, password, lambda: totp_code(user.user_id))
        finally:
            connections.close_all()
        return session

    if not users:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(users))) as pool:
        return list(pool.map(one, users))


def targets(scenario: str, user: BenchUser, csrf_token: str = "") -> list[Target]:
    if scenario == "access_bundle":
        return [Target(user.role_path, form=(("csrfmiddlewaretoken", csrf_token),))]
    if scenario in ROLE_SCENARIOS:
        return [Target(user.role_path)]
    if scenario == "case_list":
        return [Target(user.list_first)]
    if scenario == "case_list_deep":
        return [Target(user.list_deep)]
    if scenario == "case_detail":
        return [Target(f"/trajecten/{pk}/") for pk in user.details]
    if scenario == "dashboard":
        return [Target("/")]
    if scenario == "case_list_api":
        return [Target("/api/v1/cases/", api=True)]
    if scenario == "case_detail_api":
        return [Target(f"/api/v1/cases/{pk}/", api=True) for pk in user.details]
    if scenario == "coordinator_mix":
        return [
            Target(user.list_first),
            Target(user.list_deep),
            Target("/"),
            Target("/api/v1/cases/", api=True),
            *(Target(f"/trajecten/{pk}/") for pk in user.details[:MIX_CASE_PAGES]),
            *(Target(f"/api/v1/cases/{pk}/", api=True) for pk in user.details[:MIX_CASE_PAGES]),
        ]
    raise ValueError(scenario)


def summarise(result: LoadResult) -> dict[str, Any]:
    return {
        "p50_ms": result.percentile(50),
        "p95_ms": result.percentile(95),
        "rps": result.rps,
        "requests": result.count,
        "errors": result.errors,
        "statuses": {str(k): v for k, v in result.statuses.items()},
    }


def measure(
    database_url: str,
    *,
    users: int = 16,
    duration: float = 15.0,
    warmup: float = 2.0,
    scenarios: tuple[str, ...] = SCENARIOS,
    concurrency: tuple[int, ...] = (1, 16),
    access_log: bool = True,
    access_policy: bool = True,
    port: int = 8765,
    workers: int = 4,
    threads: int = 1,
    server_python: Path | None = None,
    log: Callable[[str], None] = lambda m: None,
) -> dict[str, Any]:
    """Runs the scenarios against a fresh gunicorn; returns figures per scenario/concurrency."""
    from passend.cases.generator import PASSWORD

    coordinator_scenarios = [s for s in scenarios if s not in ROLE_SCENARIOS]
    bench_users = pick_users(users) if coordinator_scenarios else []
    role_users = {s: pick_role_users(s, users) for s in scenarios if s in ROLE_SCENARIOS}
    issue_tokens(bench_users)
    out: dict[str, Any] = {"users": len(bench_users), "scenarios": {}, "role_holders": {}}
    try:
        with Server(
            database_url,
            port=port,
            workers=workers,
            threads=threads,
            access_log=access_log,
            access_policy=access_policy,
            python=server_python,
        ) as server:
            started = time.perf_counter()
            sessions = login_all(server.url, bench_users, PASSWORD)
            holders = {u.user_id: u for group in role_users.values() for u in group}
            role_sessions = dict(
                zip(holders, login_all(server.url, list(holders.values()), PASSWORD), strict=True)
            )
            out["login_s"] = time.perf_counter() - started
            # Every scenario with one user first, then every scenario with N: a one-user
            # figure is not taken while the server still digests the previous N-user run
            # (its access-log backlog, PostgreSQL's checkpoint of its writes).
            for n, scenario in itertools.product(concurrency, scenarios):
                if scenario in ROLE_SCENARIOS:
                    group = role_users[scenario]
                    out["role_holders"][scenario] = len(group)
                    load_users = []
                    for i in range(n):
                        holder = group[i % len(group)]
                        tab = role_sessions[holder.user_id].clone()
                        token = tab.csrf_token(holder.csrf_page) if holder.csrf_page else ""
                        load_users.append(VirtualUser(tab, targets(scenario, holder, token)))
                else:
                    n = min(n, len(sessions))
                    load_users = [
                        VirtualUser(sessions[i], targets(scenario, bench_users[i]))
                        for i in range(n)
                    ]
                result = run_load(load_users, duration_s=duration, warmup_s=warmup)
                if scenario in ROLE_SCENARIOS:
                    for load_user in load_users:
                        load_user.session.close()
                figures = summarise(result)
                out["scenarios"][f"{scenario}@{n}"] = figures
                log(
                    f"  {scenario:<16} {n:>2}u  p50 {figures['p50_ms']:7.1f} ms  "
                    f"p95 {figures['p95_ms']:7.1f} ms  {figures['rps']:6.1f} req/s  "
                    f"errors {figures['errors']}"
                )
            peaks = server.worker_peak_rss_mb()
            out["worker_rss_mb"] = max(peaks) if peaks else float("nan")
            for session in [*sessions, *role_sessions.values()]:
                session.close()
    finally:
        revoke_tokens()
    return out


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--access-log", choices=["on", "off"], default="on")
    parser.add_argument("--access-policy", choices=["on", "off"], default="on")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="above 1: gthread workers")
    parser.add_argument(
        "--server-python",
        type=Path,
        help="the interpreter of the environment whose gunicorn serves (default: this one); "
        "the load driver stays on this one",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    result = measure(
        args.database_url,
        users=args.users,
        duration=args.duration,
        warmup=args.warmup,
        scenarios=tuple(s for s in args.scenarios.split(",") if s),
        concurrency=tuple(int(c) for c in args.concurrency.split(",")),
        access_log=args.access_log == "on",
        access_policy=args.access_policy == "on",
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        server_python=args.server_python,
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    cli()
