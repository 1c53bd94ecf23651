"""The benchmark harness's overhead switches (bench/gunicorn_conf.py, issue 10).

They exist only in benchmark servers; here they are applied for one test and undone."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import gunicorn_conf
from passend.access import policy, selectors
from passend.accounts.models import Membership
from passend.cases.models import Case
from passend.privacy.categories import DataCategory
from tests.access.helpers import make_case
from tests.cases.screens import api_client
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def test_plain_superuser_switch_drops_the_policy_and_its_input(
    monkeypatch: pytest.MonkeyPatch, coordinator_a: Any, coordinator_b: Any
) -> None:
    """'A plain superuser query of the same page': every case decided visible in full, no policy
    input fetched for a list. Without the switch the other school's coordinator sees nothing."""
    own = Membership.objects.get(user=coordinator_a)
    other = Membership.objects.get(user=coordinator_b)
    case = make_case(own)
    loaded = selectors.with_policy_data(Case.objects.filter(pk=case.pk)).get()
    assert not policy.decide_case(coordinator_b, other, loaded).allowed
    for module, name in (
        (policy, "decide_case"),
        (selectors, "decide_case"),
        (selectors, "with_row_policy_data"),
        (selectors, "attach_row_policy_data"),
    ):
        monkeypatch.setattr(module, name, getattr(module, name))  # restored after the test

    gunicorn_conf._plain_superuser_reads()

    decision = selectors.decide_case(coordinator_b, other, loaded)
    assert decision.allowed
    assert decision.categories == frozenset(DataCategory.values)
    with CaptureQueriesContext(connection) as queries:
        (row,) = selectors.with_row_policy_data(
            Case.objects.filter(pk=case.pk), coordinator_b, other
        )
        selectors.attach_row_policy_data([row], coordinator_b, other)
    # The case with what a list shows; no participants, consents or grounds.
    assert len(queries.captured_queries) == 1
    assert row.pupil_id == case.pupil_id
    assert not hasattr(row, "policy_participants")
    # The pages' own calls (session 10: a new argument of the list path made the switched
    # benchmark server answer its case list with errors).
    (listed,) = selectors.cases_for_rows(
        [case.pk], coordinator_b, other, participations=[case.participants.get().pk]
    )
    assert listed.pk == case.pk
    assert verified_client(coordinator_a).get("/trajecten/").status_code == 200
    assert api_client(coordinator_a).get("/api/v1/cases/").status_code == 200


def test_benchmark_server_runs_the_deployments_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 10: the benchmark measures the server as docs/deployment.md runs it: sync workers
    (no ``--threads``), as many as the unit starts. Threads only on request, for comparison."""
    import importlib
    import re
    from pathlib import Path

    unit = (Path(__file__).resolve().parents[2] / "docs" / "deployment.md").read_text()
    [start] = re.findall(r"ExecStart=\S+/gunicorn passend\.wsgi:application[^\n]*\n[^\n]*", unit)
    assert "--threads" not in start
    [deployed_workers] = re.findall(r"--workers (\d+)", start)
    for name in ("BENCH_THREADS", "BENCH_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    try:
        conf = importlib.reload(gunicorn_conf)
        assert (conf.worker_class, conf.threads) == ("sync", 1)
        assert conf.workers == int(deployed_workers)
        monkeypatch.setenv("BENCH_THREADS", "4")
        conf = importlib.reload(gunicorn_conf)
        assert (conf.worker_class, conf.threads) == ("gthread", 4)
    finally:
        monkeypatch.undo()
        importlib.reload(gunicorn_conf)
