"""PRV-06: closing starts the clock; the daily purge deletes exactly what expired (rows and
encrypted files), skips legal holds, keeps a deletion record without personal data, and never
touches the access log."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from passend.accounts.models import Role
from passend.cases import services as case_services
from passend.cases.models import Case, CaseEntry, CaseKind, Participant, Phase, PhaseChange
from passend.consultations import services as consultation_services
from passend.consultations.models import AgendaItem, Minutes, Plan
from passend.correspondence import services as correspondence_services
from passend.correspondence.models import Message
from passend.documents import services as document_services
from passend.documents.models import Document
from passend.privacy.models import AccessLogEntry
from passend.privacy.selectors import verify_chain
from passend.retention import services
from passend.retention.models import DeletionRecord, LegalHold, PurgeRun, RetentionPolicy
from passend.retention.selectors import expiry_of
from passend.retention.tasks import purge_expired_cases
from passend.terms import services as term_services
from passend.terms.models import Term, TermRule
from tests.access.helpers import make_pupil
from tests.cases.screens import actor, open_case
from tests.conftest import make_professional
from tests.consultations.builders import meeting

pytestmark = pytest.mark.django_db

TODAY = dt.date(2030, 6, 1)


def blobs(media_root: Path) -> set[str]:
    folder = media_root / "documents"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def closed_case(owner: Any, school: Any, *, closed_on: dt.date, first: str) -> Case:
    """A case with an entry, a document (encrypted blob), a message, a term, minutes and a
    plan, closed through the service and then dated back to ``closed_on``."""
    pupil = make_pupil(school, first_name=first, last_name="Bewaartermijn")
    case = open_case(owner, pupil, title="Traject")
    who = actor(owner)
    case_services.add_entry(who, case, category="behaviour", title="Observatie", body="Tekst")
    document_services.upload_document(
        who,
        case,
        upload=SimpleUploadedFile("verslag.txt", b"Verslag zonder nummers.", "text/plain"),
        title="Verslag",
        category="ordinary",
    )
    correspondence_services.send_message(who, case, subject="Bericht", body="Inhoud")
    item = AgendaItem.objects.create(
        meeting=meeting(owner), case=case, position=1, created_by=owner
    )
    Minutes.objects.create(item=item, body="Verslag", written_by=owner, supplied_by=school)
    case_services.assign_directors(who, case, process_director=owner, case_director=owner)
    for phase in (Phase.ASSESSMENT, Phase.PLAN):
        case_services.change_phase(who, Case.objects.get(pk=case.pk), to_phase=phase)
    consultation_services.create_plan(
        who, Case.objects.get(pk=case.pk), starts_on=TODAY, ends_on=TODAY + dt.timedelta(days=90)
    )
    term_services.start_term(
        TermRule.objects.order_by("code").first().code,  # type: ignore[union-attr]
        object_type="cases.case",
        object_id=case.pk,
        start_date=TODAY,
    )
    case_services.change_phase(who, Case.objects.get(pk=case.pk), to_phase=Phase.CLOSED)
    closed_at = timezone.make_aware(dt.datetime.combine(closed_on, dt.time(12)))
    Case.objects.filter(pk=case.pk).update(closed_at=closed_at)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def owner(region: dict[str, Any]) -> Any:
    return make_professional(region["school_a"], Role.SUPPORT_COORDINATOR, username="ib-bewaar")


@pytest.fixture
def fb(region: dict[str, Any]) -> Any:
    return make_professional(region["swv"], Role.FUNCTIONAL_ADMIN, username="fb-bewaar")


def test_prv06_defaults_keep_every_kind_three_years_after_closing() -> None:
    defaults = RetentionPolicy.objects.filter(organisation__isnull=True)
    assert {p.case_kind for p in defaults} == set(CaseKind.values)
    assert all(p.years == 3 and p.months == 0 for p in defaults)


def test_prv06_closing_sets_afgemeld_and_starts_the_clock(
    region: dict[str, Any], owner: Any
) -> None:
    case = open_case(owner, make_pupil(region["school_a"]), title="Traject")
    assert expiry_of(case) is None  # open: no clock
    case = case_services.change_phase(actor(owner), case, to_phase=Phase.CLOSED)
    case = Case.objects.get(pk=case.pk)
    assert case.status == Case.Status.CLOSED and str(case.get_status_display()) == "Afgemeld"
    assert case.closed_at is not None
    policy, expires_on = expiry_of(case)  # type: ignore[misc]
    closed_on = timezone.localdate(case.closed_at)
    assert expires_on == closed_on.replace(year=closed_on.year + 3)
    # An owner's own policy (a school with its own term) wins over the default.
    RetentionPolicy.objects.create(
        case_kind=case.kind, organisation=region["school_a"], years=5, basis="Eigen termijn school"
    )
    policy, expires_on = expiry_of(case)  # type: ignore[misc]
    assert policy.years == 5 and expires_on == closed_on.replace(year=closed_on.year + 5)


def test_prv06_purge_deletes_exactly_what_expired_rows_and_files(
    region: dict[str, Any],
    owner: Any,
    fb: Any,
    media_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    school = region["school_a"]
    expired = closed_case(owner, school, closed_on=dt.date(2027, 5, 31), first="Verlopen")
    recent = closed_case(owner, school, closed_on=dt.date(2028, 1, 1), first="Recent")
    held = closed_case(owner, school, closed_on=dt.date(2026, 1, 1), first="Vastgehouden")
    open_one = open_case(owner, make_pupil(school), title="Lopend")
    services.place_hold(
        actor(fb), held, reason="Bezwaarprocedure loopt nog bij de rechter", until=None
    )
    # A hold that has ended protects nothing.
    LegalHold.objects.create(
        case=expired, reason="Oude procedure", placed_by=fb, until=dt.date(2029, 1, 1)
    )
    expired_blob = Document.objects.get(case=expired).storage_name.split("/")[-1]
    assert expired_blob in blobs(media_root) and len(blobs(media_root)) == 3
    log_before = AccessLogEntry.objects.count()
    expired_log = AccessLogEntry.objects.filter(object_type="cases.case", object_id=str(expired.pk))
    expired_log_before = expired_log.count()
    assert expired_log_before > 0

    with django_capture_on_commit_callbacks(execute=True):
        report = services.purge_expired(today=TODAY)

    assert not Case.objects.filter(pk=expired.pk).exists()
    for model in (CaseEntry, Document, Message, Participant, PhaseChange, AgendaItem, Plan):
        assert not model.objects.filter(case_id=expired.pk).exists(), model
    assert not Minutes.objects.filter(item__case_id=expired.pk).exists()
    assert not Term.objects.filter(object_type="cases.case", object_id=str(expired.pk)).exists()
    assert not LegalHold.objects.filter(case_id=expired.pk).exists()
    assert expired_blob not in blobs(media_root)  # the encrypted file is gone too
    assert len(blobs(media_root)) == 2
    for kept in (recent, held, open_one):
        assert Case.objects.filter(pk=kept.pk).exists()
    for kept in (recent, held):
        assert CaseEntry.objects.filter(case=kept).exists()
        assert Document.objects.filter(case=kept).exists()
        assert Minutes.objects.filter(item__case=kept).exists()
        assert Term.objects.filter(object_type="cases.case", object_id=str(kept.pk)).exists()
    # The pupil's own record belongs to the pupils app and stays.
    assert expired.pupil is not None

    run = report.run
    assert (run.cases_deleted, run.cases_held, run.cases_failed) == (1, 1, 0)
    assert run.files_deleted == 1 and run.rows_deleted > 10

    # The access log is kept: nothing removed, chain intact, and the deletion itself logged.
    assert expired_log.count() == expired_log_before + 1
    assert AccessLogEntry.objects.count() > log_before
    assert expired_log.filter(action="retention_delete", activity="retention").exists()
    assert list(verify_chain()) == []


def test_prv06_deletion_record_holds_no_personal_data(
    region: dict[str, Any], owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = closed_case(owner, region["school_a"], closed_on=dt.date(2027, 1, 2), first="Zeldzaam")
    pupil = case.pupil
    with django_capture_on_commit_callbacks(execute=True):
        report = services.purge_expired(today=TODAY)
    assert report.run.cases_deleted == 1, report.run.failures
    record = DeletionRecord.objects.get()
    assert record.case_kind == CaseKind.SUPPORT and record.owner == region["school_a"]
    assert record.closed_on == dt.date(2027, 1, 2) and record.expired_on == dt.date(2030, 1, 2)
    assert record.counts["cases.case"] == 1 and record.counts["documents.document"] == 1
    assert record.counts["consultations.minutes"] == 1 and record.files_deleted == 1
    text = " ".join(
        str(v) for v in [record.policy_label, *record.counts.keys(), record.run.failures]
    )
    field_names = {f.name for f in DeletionRecord._meta.get_fields()}
    assert not field_names & {"case", "case_id", "pupil", "pseudonym", "subject_pseudonym"}
    for secret in (pupil.first_name, pupil.last_name, case.pseudonym):  # type: ignore[union-attr]
        assert secret not in text


def test_prv06_dry_run_deletes_nothing(region: dict[str, Any], owner: Any) -> None:
    case = closed_case(owner, region["school_a"], closed_on=dt.date(2020, 1, 1), first="Proef")
    report = services.purge_expired(today=TODAY, dry_run=True)
    assert Case.objects.filter(pk=case.pk).exists()
    assert report.run.dry_run and report.counts["cases.case"] == 1
    assert not DeletionRecord.objects.exists()


def test_prv06_command_reports_what_it_did(
    region: dict[str, Any], owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    closed_case(owner, region["school_a"], closed_on=dt.date(2020, 1, 1), first="Commando")
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_expired", "--today", TODAY.isoformat(), stdout=out)
    output = out.getvalue()
    assert "Vernietigd: 1 trajecten" in output and "cases.case: 1" in output
    assert "Commando" not in output
    assert PurgeRun.objects.get().trigger == "command"


def test_prv06_daily_task_wrapper_runs_the_purge(region: dict[str, Any], owner: Any) -> None:
    result = purge_expired_cases.enqueue()
    assert result.return_value["cases_deleted"] == 0
    assert PurgeRun.objects.get().trigger == "task"


def test_prv06_legal_hold_needs_a_role_and_a_reason(region: dict[str, Any], owner: Any) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    case = open_case(owner, make_pupil(region["school_a"]), title="Traject")
    with pytest.raises(PermissionDenied):
        services.place_hold(actor(owner), case, reason="Een reden die lang genoeg is")
    officer = make_professional(region["swv"], Role.PRIVACY_OFFICER, username="fg-hold")
    with pytest.raises(ValidationError):
        services.place_hold(actor(officer), case, reason="kort")
    hold = services.place_hold(actor(officer), case, reason="Klacht bij de AP in behandeling")
    assert AccessLogEntry.objects.filter(action="legal_hold_placed", object_id=str(hold.pk))
    services.lift_hold(actor(officer), hold)
    hold.refresh_from_db()
    assert not hold.is_active()


def test_prv06_policy_change_in_the_admin_is_audited(region: dict[str, Any], fb: Any) -> None:
    from django.urls import reverse

    from passend.accounts.services import sync_admin_access
    from tests.conftest import verified_client

    sync_admin_access(fb)
    fb.refresh_from_db()
    policy = RetentionPolicy.objects.get(case_kind=CaseKind.TLV, organisation__isnull=True)
    client = verified_client(fb)
    url = reverse("admin:retention_retentionpolicy_change", args=[policy.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"case_kind": "tlv", "organisation": "", "years": "4", "months": "0", "basis": "X"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    assert policy.years == 4
    assert AccessLogEntry.objects.filter(
        action="config_change", object_type="retention.retentionpolicy", object_id=str(policy.pk)
    ).exists()
