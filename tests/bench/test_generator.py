"""The region generator (issue 10): valid data, a valid access-log chain, deterministic."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Q

from passend.access.policy import decide_case
from passend.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from passend.cases import generator
from passend.cases.models import Case, CaseKind, Participant, Phase
from passend.consent.models import Consent
from passend.privacy.models import AccessLogEntry, AccessLogSeal
from passend.privacy.selectors import verify_chain
from passend.pupils.models import Pupil
from passend.tlv import report_figures
from passend.tlv.models import ApplicationFigures, TlvApplication

pytestmark = pytest.mark.django_db


def _generate(seed: int = 7) -> generator.Generator:
    g = generator.Generator(generator.SCALES["tiny"], seed=seed)
    g.run()
    return g


def test_tiny_region_has_every_part_and_a_valid_chain() -> None:
    scale = generator.SCALES["tiny"]
    g = _generate()
    # The TLV part adds a receiving special school where the region has none of a type, and
    # older TLV cases of its own (tests/bench/test_generator_modules.py).
    schools = Organisation.objects.filter(kind=OrganisationKind.SCHOOL)
    assert schools.filter(pk__in=[s.pk for s in g.schools]).count() == scale.schools
    assert Pupil.objects.count() == scale.pupils
    assert Case.objects.count() == scale.cases + g.counts.get("tlv historical cases", 0)
    assert set(Case.objects.values_list("kind", flat=True)) == set(CaseKind.values)
    assert set(Case.objects.values_list("phase", flat=True)) == set(Phase.values)
    assert Consent.objects.filter(parties__isnull=False).exists()
    assert AccessLogEntry.objects.count() == scale.access_log
    # Every participation carries its case's opening time ("my cases" is ordered on it).
    assert not Participant.objects.exclude(case_opened_at=F("case__opened_at")).exists()
    # And is marked where its case's TLV application is decided or withdrawn, as the decision
    # marks it (issue 10: the start page's TLV work reads the others only).
    ended = Q(case__tlv_application__status__in=["decided", "withdrawn"])
    assert Participant.objects.filter(ended).exists()
    assert not Participant.objects.filter(ended, case_tlv_ended_at__isnull=True).exists()
    assert not Participant.objects.filter(~ended, case_tlv_ended_at__isnull=False).exists()
    # The TLV report's figures of every submitted application, as the services keep them.
    submitted = TlvApplication.objects.filter(submitted_on__isnull=False)
    assert submitted.exists()
    stored = {
        row["application_id"]: row
        for row in ApplicationFigures.objects.values(
            *[f.attname for f in ApplicationFigures._meta.concrete_fields]
        )
    }
    assert stored == {
        row["application_id"]: row
        for row in report_figures.compute(submitted.values_list("pk", flat=True))
    }
    # The chain computed in bulk must be the chain record_access would have written (PRV).
    assert list(verify_chain()) == []
    # Every role is held by somebody, with a confirmed TOTP device (PRV-08).
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert TOTPDevice.objects.filter(confirmed=True).count() == User.objects.count()
    roles = set(Membership.objects.values_list("role", flat=True))
    assert {Role.SUPPORT_COORDINATOR, Role.CVA_SECRETARY, Role.ATTENDANCE_OFFICER} <= roles


def _index_definitions(model: Any) -> dict[str, tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name: (tuple(c["columns"]), c["unique"], c["index"])
        for name, c in found.items()
        if c["index"] or c["unique"]
    }


def test_bulk_loaded_tables_get_every_index_back() -> None:
    """The generator drops a table's indexes while it loads millions of rows, on PostgreSQL and
    on SQLite (issue 10); the region it leaves has each of them again, unchanged."""
    from passend.attendance.models import AbsenceRecord
    from passend.documents.models import Document

    models = (AccessLogEntry, AbsenceRecord, Document)
    before = {m: _index_definitions(m) for m in models}
    assert all(before.values())
    g = _generate()
    for model in models:
        assert _index_definitions(model) == before[model], model
        assert f"{model._meta.db_table} indexes" in g.timings  # the deferral did run


def test_generated_ids_leave_sequences_usable() -> None:
    """Explicit ids + sequence reset: the next ordinary insert does not collide."""
    _generate()
    org = Organisation.objects.create(name="Na de generator", kind=OrganisationKind.OTHER)
    assert org.pk > Organisation.objects.exclude(pk=org.pk).order_by("-pk").first().pk  # type: ignore[union-attr]


def test_participants_see_their_cases_through_the_policy() -> None:
    """Generated cases are real to the access policy: the process director sees the case."""
    _generate()
    participant = Participant.objects.filter(case__restricted_since__isnull=True).select_related(
        "case", "user"
    )[0]
    case = participant.case
    membership = Membership.objects.get(user=case.process_director)
    assert decide_case(case.process_director, membership, case).allowed


def _snapshot() -> tuple[Any, ...]:
    from passend.attendance.models import AbsenceRecord, ReportableAbsence
    from passend.consultations.models import AgendaInvitee, AgendaItem, Meeting
    from passend.documents.models import Document
    from passend.terms.models import Term
    from passend.tlv.models import Advice, Tlv, TlvApplication

    return (
        list(
            Case.objects.order_by("pk").values_list("pk", "pseudonym", "kind", "phase", "opened_at")
        ),
        list(Participant.objects.order_by("pk").values_list("case_id", "user_id", "joined_phase")),
        AccessLogSeal.objects.order_by("-last_entry_id").values_list("block_hash", flat=True)[0],
        # The module parts (issue 10): same seed, same rows, same ciphertext.
        list(
            Document.objects.order_by("pk").values_list(
                "pk", "case_id", "storage_name", "sha256", "wrapped_key", "nonce", "uploaded_at"
            )
        ),
        list(
            TlvApplication.objects.order_by("pk").values_list("pk", "case_id", "status", "triage")
        ),
        list(Advice.objects.order_by("pk").values_list("application_id", "status", "by_gavel")),
        list(Tlv.objects.order_by("pk").values_list("number", "start_date", "end_date")),
        list(Meeting.objects.order_by("pk").values_list("kind_id", "convener_id", "starts_at")),
        list(AgendaItem.objects.order_by("pk").values_list("meeting_id", "case_id")),
        list(AgendaInvitee.objects.order_by("pk").values_list("item_id", "user_id")),
        list(
            AbsenceRecord.objects.order_by("pk").values_list(
                "pupil_id", "date", "hours", "kind", "record_key"
            )
        ),
        list(
            ReportableAbsence.objects.order_by("pk").values_list(
                "pupil_id", "reason", "trigger_date", "detected_at"
            )
        ),
        list(Term.objects.order_by("pk").values_list("rule_id", "object_id", "due_date")),
    )


class _Rollback(Exception):
    pass


def test_deterministic_per_seed() -> None:
    from django.db import transaction

    try:
        with transaction.atomic():
            _generate(seed=11)
            first = _snapshot()
            raise _Rollback
    except _Rollback:
        pass
    assert not Case.objects.exists()
    _generate(seed=11)
    assert _snapshot() == first
    # Another seed, another region.
    assert _snapshot()[0] != []


def test_canonical_matches_compute_hash() -> None:
    from datetime import UTC, datetime

    entry = AccessLogEntry(
        id=77,
        occurred_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        actor_id=5,
        actor_username="ib-0001",
        organisation_id=9,
        role="support_coordinator",
        action="view",
        subject_pseudonym="pup-abc",
        object_type="cases.case",
        object_id="12",
        data_categories="family,ordinary",
        activity="case_management",
        legal_ground="consent",
        trace_id="ab" * 16,
        outcome="allowed",
        reason="",
        ip_address="10.1.2.3",
    )
    import hashlib

    payload = generator.canonical(
        entry_id=77,
        occurred_at="2026-01-02T03:04:05.000006+00:00",
        actor_id=5,
        actor_username="ib-0001",
        organisation_id=9,
        role="support_coordinator",
        action="view",
        subject="pup-abc",
        object_type="cases.case",
        object_id="12",
        data_categories="family,ordinary",
        activity="case_management",
        legal_ground="consent",
        trace_id="ab" * 16,
        outcome="allowed",
        reason="",
        ip_address="10.1.2.3",
    )
    assert hashlib.sha256(payload.encode()).hexdigest() == entry.digest()


def test_command_refuses_a_database_with_data(capsys: Any) -> None:
    Organisation.objects.create(name="Bestaand", kind=OrganisationKind.OTHER)
    with pytest.raises(CommandError, match="empty"):
        call_command("generate_region", "--scale", "tiny")


def test_parts_can_be_added_by_other_modules() -> None:
    calls: list[str] = []

    @generator.register_part("bench_test_extra", after="cases")
    def extra(g: generator.Generator) -> None:
        calls.append(g.scale.name)
        assert g.cases, "later parts see the generated cases"

    try:
        names = [p.name for p in generator.ordered_parts()]
        assert names.index("bench_test_extra") > names.index("cases")
        _generate()
        assert calls == ["tiny"]
    finally:
        generator._PARTS[:] = [p for p in generator._PARTS if p.name != "bench_test_extra"]
