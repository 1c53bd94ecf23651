"""Check 8 of issue 11: concurrent writers.

* Two professionals save the same case: the second gets a clear conflict message and the
  first one's change stays (optimistic locking with ``Case.version``; no lost update).
* N writers in parallel threads, each with its own database connection, never fork or break
  the hash chain of the access log (PostgreSQL: ``pg_advisory_xact_lock`` in
  ``privacy.services._append``). SQLite serialises writers itself (IMMEDIATE transactions);
  its in-memory test database cannot host parallel connections, so that half runs on
  PostgreSQL (``make test-postgres``, CI).
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.db.models import Sum

from passend.accounts.models import Membership, Role
from passend.cases import services as case_services
from passend.cases.models import Case, Phase
from passend.privacy import services
from passend.privacy.context import AccessContext
from passend.privacy.models import AccessLogEntry, AccessLogSeal
from passend.privacy.selectors import unsealed_entries, verify_chain
from passend.privacy.services import (
    LogItem,
    record_access,
    record_access_many,
    seal_access_log,
)
from tests.cases.screens import actor, add_partner, build_world
from tests.conftest import make_professional, verified_client

CONFLICT = "Iemand anders heeft dit traject intussen gewijzigd"


def _version_in(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "the form carries no hidden version field (optimistic locking)"
    return match.group(1)


@pytest.mark.django_db
def test_two_users_saving_the_same_case_second_gets_a_conflict_not_a_lost_update(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    world = build_world(region, coordinator_a, first_name="Jozefien")
    colleague = make_professional(region["school_a"], Role.SUPPORT_COORDINATOR, username="ib-a2")
    add_partner(coordinator_a, world.case, colleague, region["school_a"])
    case_services.assign_directors(
        actor(coordinator_a),
        Case.objects.get(pk=world.case.pk),
        process_director=coordinator_a,
        case_director=colleague,
    )
    first, second = verified_client(coordinator_a), verified_client(colleague)
    url = f"/trajecten/{world.case.pk}/fase/"
    version_first = _version_in(first.get(url).content.decode())
    version_second = _version_in(second.get(url).content.decode())
    assert version_first == version_second

    saved = first.post(
        url, {"to_phase": Phase.ASSESSMENT, "reason": "Eerste", "version": version_first}
    )
    assert saved.status_code == 302, saved.content.decode()[:500]
    stale = second.post(
        url, {"to_phase": Phase.CLOSED, "reason": "Tweede", "version": version_second}
    )
    assert stale.status_code in (200, 400, 409), stale.status_code
    assert CONFLICT in stale.content.decode(), "no clear conflict message for the second save"
    case = Case.objects.get(pk=world.case.pk)
    assert case.phase == Phase.ASSESSMENT, "the second save overwrote the first (lost update)"
    assert case.version == int(version_first) + 1


@pytest.mark.django_db
def test_stale_version_is_refused_by_the_service_too(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    from django.core.exceptions import ValidationError

    world = build_world(region, coordinator_a, first_name="Gerolf")
    case = Case.objects.get(pk=world.case.pk)
    stale = case.version
    case_services.change_phase(actor(coordinator_a), case, to_phase=Phase.ASSESSMENT)
    with pytest.raises(ValidationError, match="intussen gewijzigd"):
        case_services.change_phase(
            actor(coordinator_a),
            Case.objects.get(pk=world.case.pk),
            to_phase=Phase.PLAN,
            expected_version=stale,
        )


WRITERS = 8
ENTRIES_PER_WRITER = 15


def _listed(writer: int) -> int:
    """Entries per write of a writer: one, a list page's three, or five by COPY."""
    return {2: 5, 3: 3}.get(writer % 4, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_writers_never_break_the_access_log_chain(
    region: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writers append without waiting for each other while sealers run (issue 10); a writer
    that keeps its transaction open holds a low id that commits late. Every way of writing
    takes part: one entry in and outside a transaction, a list page's entries as one statement
    outside a transaction (session 15), and many entries by ``COPY`` in a transaction (above
    ``_COPY_ABOVE``, here four). Every entry ends up sealed exactly once, in id order, and the
    chain verifies."""
    if connection.vendor != "postgresql":
        pytest.skip("parallel connections need PostgreSQL (runs in make test-postgres and CI)")
    monkeypatch.setattr(services, "_COPY_ABOVE", 4)
    owner = make_professional(region["school_a"], Role.SUPPORT_COORDINATOR, username="ib-par")
    membership = Membership.objects.get(user=owner)
    before = AccessLogEntry.objects.count()
    barrier = threading.Barrier(WRITERS + 1)
    errors: list[BaseException] = []
    writing = threading.Event()
    writing.set()

    def writer(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            context = AccessContext(
                user=owner, organisation_id=membership.organisation_id, role=membership.role
            )

            def view(i: int) -> None:
                record_access(
                    context,
                    action="view",
                    activity="case_management",
                    object_type="test.parallel",
                    object_id=f"{number}-{i}",
                )

            def listed(i: int) -> None:
                record_access_many(
                    context,
                    [
                        LogItem("", "test.parallel", f"{number}-{i}-{n}")
                        for n in range(_listed(number))
                    ],
                    action="list",
                    activity="case_management",
                )

            for i in range(ENTRIES_PER_WRITER):
                if number % 4 == 1:
                    # A page that only reads: the entry is one statement outside a
                    # transaction, taking the fence lock and its id together (session 9).
                    view(i)
                    continue
                if number % 4 == 3:  # a list page that only reads: one statement too
                    listed(i)
                    continue
                with transaction.atomic():
                    if number % 4 == 2:  # an import's entries: COPY after the fence lock
                        listed(i)
                    else:
                        view(i)
                    if number == 0 and i % 5 == 0:
                        time.sleep(0.05)  # a slow transaction: its id commits after later ones
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    def sealer() -> None:
        try:
            barrier.wait(timeout=30)
            while writing.is_set():
                seal_access_log(block_size=7)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    seal_thread = threading.Thread(target=sealer)
    seal_thread.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    writing.clear()
    seal_thread.join(timeout=60)
    assert not errors, f"a writer or the sealer failed: {errors[0]!r}"
    seal_access_log()
    written = sum(_listed(n) for n in range(WRITERS)) * ENTRIES_PER_WRITER
    assert AccessLogEntry.objects.count() == before + written, "entries lost"
    assert not unsealed_entries().exists()
    sealed = AccessLogSeal.objects.aggregate(total=Sum("entry_count"))["total"]
    assert sealed == AccessLogEntry.objects.count(), "an entry was sealed twice or not at all"
    broken = list(verify_chain())
    assert not broken, f"chain broken at entry {broken[0].entry_id}: {broken[0].problem}"
