"""The intake queue of an SWV: reads scoped to the SWV's staff and logged, accept opens a case
in one transaction (pupil, case, entry, documents), reject with a reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from passend.accounts.models import OrganisationKind, Role, Sector
from passend.cases.models import Case, CaseEntry, CaseKind
from passend.documents.models import Document
from passend.intake import services
from passend.intake.models import IntakeFile, IntakeForm, IntakeSubmission
from passend.privacy.context import AccessContext
from passend.privacy.models import AccessLogEntry
from passend.pupils.models import Pupil
from tests.conftest import make_professional, verified_client
from tests.factories import OrganisationFactory
from tests.intake.conftest import actor_for, attachment_field, good_pdf, upload

pytestmark = pytest.mark.django_db


def make_submission(intake_form: IntakeForm, *, ip: str = "10.0.0.1", last: str = "Jansen"):
    fields = {f.label: services.field_name(f) for f in intake_form.fields.all()}
    return services.submit(
        AccessContext(ip_address=ip),
        intake_form,
        submitter_name="Petra Jansen",
        pupil_first_name="Lotte",
        pupil_last_name=last,
        pupil_birth_date=dt.date(2013, 5, 17),
        answers={fields["Uw vraag"]: "Loopt vast.", fields["Naar school"]: "nee"},
        files={attachment_field(intake_form): upload(good_pdf())},
        consent_accepted=True,
    )


@pytest.fixture
def other_swv_staff(db: Any) -> Any:
    other = OrganisationFactory(name="SWV Elders", kind=OrganisationKind.SWV, sector=Sector.PO)
    return make_professional(other, Role.INFORMATION_DESK, username="h9b-elders")


def test_queue_shows_own_swv_only_and_logs_each_row(
    intake_form: IntakeForm, desk_h9b: Any, other_swv_staff: Any, region: dict[str, Any]
) -> None:
    submission = make_submission(intake_form)
    response = verified_client(desk_h9b).get(reverse("intake:queue"))
    assert response.status_code == 200
    assert "Lotte Jansen" in response.content.decode()
    assert AccessLogEntry.objects.filter(
        action="list", object_id=str(submission.pk), actor=desk_h9b
    ).exists()
    # Another SWV's staff: an empty queue and a logged 404 on the detail.
    elsewhere = verified_client(other_swv_staff)
    assert "Lotte" not in elsewhere.get(reverse("intake:queue")).content.decode()
    assert elsewhere.get(reverse("intake:detail", args=[submission.pk])).status_code == 404
    assert AccessLogEntry.objects.filter(
        outcome="denied", object_id=str(submission.pk), actor=other_swv_staff
    ).exists()
    # A school's coordinator and the SWV's functional administrator see no queue at all.
    coordinator = make_professional(region["school_a"], Role.SUPPORT_COORDINATOR)
    assert verified_client(coordinator).get(reverse("intake:queue")).status_code == 404
    admin = make_professional(region["swv"], Role.FUNCTIONAL_ADMIN)
    assert (
        verified_client(admin).get(reverse("intake:detail", args=[submission.pk])).status_code
        == 404
    )


def test_detail_and_download_are_logged(intake_form: IntakeForm, desk_h9b: Any) -> None:
    submission = make_submission(intake_form)
    client = verified_client(desk_h9b)
    response = client.get(reverse("intake:detail", args=[submission.pk]))
    assert response.status_code == 200
    assert "Loopt vast." in response.content.decode()
    assert AccessLogEntry.objects.filter(
        action="view", object_id=str(submission.pk), actor=desk_h9b, outcome="allowed"
    ).exists()
    intake_file = IntakeFile.objects.get()
    download = client.get(reverse("intake:download", args=[submission.pk, intake_file.pk]))
    assert download.status_code == 200
    assert download.content == good_pdf()
    assert "Lotte" not in download["Content-Disposition"]
    assert AccessLogEntry.objects.filter(
        action="download", object_id=str(intake_file.pk), actor=desk_h9b
    ).exists()


def test_queue_query_count_is_constant(
    intake_form: IntakeForm, desk_h9b: Any, django_assert_max_num_queries: Any
) -> None:
    client = verified_client(desk_h9b)
    make_submission(intake_form, ip="10.0.0.1")
    client.get(reverse("intake:queue"))  # warm the session and membership
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("intake:queue")).status_code == 200
    for n in range(8):
        make_submission(intake_form, ip=f"10.0.1.{n}", last=f"Jansen{n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("intake:queue"))
    assert response.content.decode().count("Jansen") >= 9


def test_accept_creates_pupil_case_entry_and_documents(
    intake_form: IntakeForm, desk_h9b: Any, media_root: Path
) -> None:
    submission = make_submission(intake_form)
    response = verified_client(desk_h9b).post(
        reverse("intake:decide", args=[submission.pk, "aannemen"]), {"kind": CaseKind.SUPPORT}
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    case = submission.case
    assert submission.status == IntakeSubmission.Status.ACCEPTED and case is not None
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.owner_id == intake_form.swv_id and case.pupil.last_name == "Jansen"
    entry = CaseEntry.objects.get(case=case)
    assert "Loopt vast." in entry.body and entry.supplied_by_id == intake_form.swv_id
    document = Document.objects.get(case=case)
    assert document.category == "diagnostics" and document.title == "Verslag"
    # The intake copy is gone: the file now lives only as the case's document.
    assert IntakeFile.objects.count() == 0
    assert AccessLogEntry.objects.filter(action="accept", object_id=str(submission.pk)).exists()


def test_accept_matches_an_existing_pupil(intake_form: IntakeForm, desk_h9b: Any) -> None:
    existing = Pupil.objects.create(
        first_name="Lotte", last_name="Jansen", birth_date=dt.date(2013, 5, 17)
    )
    case = services.accept(actor_for(desk_h9b), make_submission(intake_form), kind=CaseKind.SUPPORT)
    assert case.pupil_id == existing.pk
    assert Pupil.objects.count() == 1


def test_accept_failure_leaves_nothing(
    intake_form: IntakeForm, desk_h9b: Any, monkeypatch: Any
) -> None:
    """One transaction: when the last step fails, no pupil, case, entry or document remains."""
    submission = make_submission(intake_form)
    before = (Pupil.objects.count(), Case.objects.count(), CaseEntry.objects.count())

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("storage down")

    monkeypatch.setattr(services.document_services, "upload_document", boom)
    with pytest.raises(RuntimeError):
        services.accept(actor_for(desk_h9b), submission, kind=CaseKind.SUPPORT)
    assert (Pupil.objects.count(), Case.objects.count(), CaseEntry.objects.count()) == before
    assert Document.objects.count() == 0
    submission.refresh_from_db()
    assert submission.status == IntakeSubmission.Status.NEW
    assert IntakeFile.objects.filter(submission=submission).count() == 1
    assert services.read_file(IntakeFile.objects.get()) == good_pdf()


def test_reject_needs_a_reason_and_deletes_attachments(
    intake_form: IntakeForm, desk_h9b: Any, media_root: Path
) -> None:
    submission = make_submission(intake_form)
    client = verified_client(desk_h9b)
    url = reverse("intake:decide", args=[submission.pk, "afwijzen"])
    assert client.post(url, {"reason": ""}).status_code == 200
    assert "AGE-02" in client.post(url, {"reason": "BSN 123456782"}).content.decode()
    response = client.post(url, {"reason": "Hoort bij een ander samenwerkingsverband."})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == IntakeSubmission.Status.REJECTED
    assert IntakeFile.objects.count() == 0
    with pytest.raises(ValidationError):
        services.reject(actor_for(desk_h9b), submission, reason="nog eens")


def test_other_swv_cannot_accept(intake_form: IntakeForm, other_swv_staff: Any) -> None:
    submission = make_submission(intake_form)
    with pytest.raises(PermissionDenied):
        services.accept(actor_for(other_swv_staff), submission, kind=CaseKind.SUPPORT)
    response = verified_client(other_swv_staff).post(
        reverse("intake:decide", args=[submission.pk, "aannemen"]), {"kind": CaseKind.SUPPORT}
    )
    assert response.status_code == 404
    assert Case.objects.count() == 0


def test_anonymous_gets_login_redirect_for_professional_pages(intake_form: IntakeForm) -> None:
    response = Client().get(reverse("intake:form_list"))
    assert response.status_code == 302


def test_prv06_decided_submissions_are_purged_after_the_retention_period(
    intake_form: IntakeForm, desk_h9b: Any, media_root: Path, settings: Any
) -> None:
    from django.core.management import call_command

    settings.PASSEND_INTAKE_RETENTION_DAYS = 30
    rejected = services.reject(
        actor_for(desk_h9b), make_submission(intake_form), reason="Niet voor ons."
    )
    waiting = make_submission(intake_form, ip="10.9.9.9")
    IntakeSubmission.objects.filter(pk=rejected.pk).update(
        decided_at=rejected.decided_at - dt.timedelta(days=31)
    )
    orphan = media_root / "intake" / "orphan.bin"
    orphan.write_bytes(b"x")
    import os

    os.utime(orphan, (0, 0))
    call_command("intake_purge")
    assert list(IntakeSubmission.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert not orphan.exists()
    assert IntakeFile.objects.filter(submission=waiting).count() == 1
    entry = AccessLogEntry.objects.get(action="delete_expired")
    assert entry.object_id == str(rejected.pk) and "Lotte" not in entry.reason
