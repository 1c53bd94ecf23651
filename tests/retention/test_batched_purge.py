"""Issue 10 / PRV-06: the purge deletes expired cases in batches with set-based deletes, so its
number of queries is bounded per batch, not per case; every case still gets its own deletion
record with its own counts, and the guarantees of test_purge.py hold for a batch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from passend.accounts.models import Role
from passend.cases.models import Case
from passend.privacy.models import AccessLogEntry
from passend.privacy.selectors import verify_chain
from passend.retention import services
from passend.retention.models import DeletionRecord, PurgeRun
from passend.retention.selectors import expiry_of
from tests.conftest import make_professional
from tests.retention.test_purge import TODAY, blobs, closed_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(region: dict[str, Any]) -> Any:
    return make_professional(region["school_a"], Role.SUPPORT_COORDINATOR, username="ib-batch")


def expired_cases(coordinator: Any, school: Any, count: int, first: str) -> list[Case]:
    return [
        closed_case(
            coordinator, school, closed_on=dt.date(2026, 1, 1), first=f"{first}{chr(65 + n)}"
        )
        for n in range(count)
    ]


def purge_queries(capture: Any, **kwargs: Any) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        report = services.purge_expired(today=TODAY, **kwargs)
    return len(queries), report


def test_prv06_batched_purge_has_a_bounded_query_count_per_batch(
    region: dict[str, Any],
    owner: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    school = region["school_a"]
    expired_cases(owner, school, 2, "Twee")
    few, report = purge_queries(django_capture_on_commit_callbacks)
    assert report.run.cases_deleted == 2
    expired_cases(owner, school, 6, "Zes")
    many, report = purge_queries(django_capture_on_commit_callbacks)
    assert report.run.cases_deleted == 6
    # Three times the cases in one batch: the same queries (per related model, not per case).
    assert many == few, (few, many)
    assert few < 120  # ~95 today: one SELECT and one DELETE per model of the cascade
    # Two batches of three: one batch's worth more (not three cases' worth).
    expired_cases(owner, school, 6, "Twee")
    two_batches, report = purge_queries(django_capture_on_commit_callbacks, batch_size=3)
    assert report.run.cases_deleted == 6
    assert two_batches < 2 * few


def test_prv06_each_case_of_a_batch_gets_its_own_exact_record(
    region: dict[str, Any],
    owner: Any,
    media_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    school = region["school_a"]
    cases = expired_cases(owner, school, 3, "Batch")
    # One case as the single-case path deletes it, for comparison.
    policy, expires_on = expiry_of(cases[0])  # type: ignore[misc]
    run = PurgeRun.objects.create(started_at=dt.datetime(2030, 6, 1, tzinfo=dt.UTC), trigger="t")
    with django_capture_on_commit_callbacks(execute=True):
        single = services.purge_case(cases[0], policy, expires_on, run)
    log_before = AccessLogEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.purge_expired(today=TODAY)
    assert report.run.cases_deleted == 2 and report.run.files_deleted == 2
    assert not Case.objects.filter(pk__in=[c.pk for c in cases]).exists()
    assert blobs(media_root) == set()  # the encrypted files are gone after the commit
    records = list(DeletionRecord.objects.filter(run=report.run))
    assert len(records) == 2
    for record in records:
        assert record.counts == single.counts  # the same rows per case as one by one
        assert record.files_deleted == 1
    assert report.run.rows_deleted == 2 * sum(single.counts.values())
    # One retention_delete entry per case plus the run; the chain stays intact.
    deletes = AccessLogEntry.objects.filter(action="retention_delete", activity="retention")
    assert set(deletes.values_list("object_id", flat=True)) == {str(c.pk) for c in cases}
    assert AccessLogEntry.objects.count() == log_before + 3
    assert list(verify_chain()) == []


def test_prv06_a_protected_case_fails_alone_and_the_rest_of_its_batch_goes(
    region: dict[str, Any],
    owner: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Something outside the cases protects one of them: its batch is halved until that case
    is alone, it is counted as failed (by model, no id), and every other case is deleted."""
    cases = expired_cases(owner, region["school_a"], 5, "Blok")
    blocked = cases[2].pk
    real_batch, real_case = services.purge_batch, services.purge_case
    attempts: list[int] = []
    singles: list[int] = []

    def guarded_batch(items: list[Any], *args: Any) -> Any:
        attempts.append(len(items))
        if any(case.pk == blocked for case, _policy, _expires in items):
            raise ProtectedError("beschermd", {region["school_a"]})
        return real_batch(items, *args)

    def guarded_case(case: Any, *args: Any) -> Any:
        singles.append(case.pk)
        if case.pk == blocked:
            raise ProtectedError("beschermd", {region["school_a"]})
        return real_case(case, *args)

    monkeypatch.setattr(services, "purge_batch", guarded_batch)
    monkeypatch.setattr(services, "purge_case", guarded_case)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.purge_expired(today=TODAY, batch_size=5)
    assert (report.run.cases_deleted, report.run.cases_failed) == (4, 1)
    assert report.run.failures == {"protected by accounts.organisation": 1}
    assert list(Case.objects.values_list("pk", flat=True)) == [blocked]
    assert DeletionRecord.objects.filter(run=report.run).count() == 4
    assert attempts[0] == 5 and len(attempts) <= 7  # halving, not case by case
    assert singles == [blocked]  # only the protected case goes the slow single-case way
