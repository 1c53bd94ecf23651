"""The public application form (seed 000 §5 module a): no login, no personal data in the URL,
BSN guard on every field (AGE-02), upload safety, rate limit, the right SWV's queue only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passend.accounts.middleware import TWO_FACTOR_EXEMPT_PREFIXES
from passend.intake import services
from passend.intake.models import IntakeFile, IntakeForm, IntakeSubmission
from passend.privacy.models import AccessLogEntry
from tests.documents.fixtures import (
    VALID_BSN,
    exe_as_pdf,
    onderwijsnummer,
    pdf,
    pdf_with_javascript,
    zip_bomb,
)
from tests.intake.conftest import attachment_field, good_pdf, post_data, upload

pytestmark = pytest.mark.django_db


def form_url(intake_form: IntakeForm) -> str:
    return reverse("intake_public:form", args=[intake_form.public_id])


def submit(client: Client, intake_form: IntakeForm, data: dict[str, Any], data_file: bytes | None):
    payload = dict(data)
    if data_file is not None:
        payload[attachment_field(intake_form)] = upload(data_file)
    return client.post(form_url(intake_form), payload)


def blobs(media_root: Path) -> list[Path]:
    folder = media_root / "intake"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_prv08_public_form_needs_no_login_and_the_exemption_is_narrow(
    intake_form: IntakeForm,
) -> None:
    response = Client().get(form_url(intake_form))
    assert response.status_code == 200
    assert intake_form.title in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    # Only /formulier/ is exempt; the professional intake pages are not.
    assert "/formulier/" in TWO_FACTOR_EXEMPT_PREFIXES
    assert not any(p.startswith("/aanmeldingen") for p in TWO_FACTOR_EXEMPT_PREFIXES)
    queue = Client().get(reverse("intake:queue"))
    assert queue.status_code == 302
    assert queue["Location"].startswith(reverse("accounts:login"))


def test_public_link_carries_no_personal_data_and_only_published_forms_open(
    intake_form: IntakeForm, admin_h9b: Any
) -> None:
    assert intake_form.public_id.isalpha() and len(intake_form.public_id) >= 20
    assert str(intake_form.pk) not in form_url(intake_form).split("/")
    from tests.intake.conftest import actor_for

    services.set_status(actor_for(admin_h9b), intake_form, IntakeForm.Status.DRAFT)
    assert Client().get(form_url(intake_form)).status_code == 404
    assert Client().get("/formulier/onbekend/").status_code == 404


def test_submission_lands_in_the_queue_of_the_forms_swv_only(
    intake_form: IntakeForm, media_root: Path
) -> None:
    response = submit(Client(), intake_form, post_data(intake_form), good_pdf())
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "Dank u wel" in response.content.decode()
    submission = IntakeSubmission.objects.get()
    assert submission.swv_id == intake_form.swv_id
    assert submission.pupil_last_name == "Jansen"
    assert submission.consent_text == "Ik geef toestemming."
    assert submission.form_version == intake_form.version
    answers = {a["label"]: a["value"] for a in submission.answers}
    assert answers["Naar school"] == "ja" and answers["Sinds wanneer"] == "2026-09-01"
    # The attachment is stored encrypted: the blob is not the plaintext.
    stored = IntakeFile.objects.get()
    blob = (media_root / stored.storage_name).read_bytes()
    assert b"jeugdhulp" not in blob and stored.size == len(good_pdf())
    assert services.read_file(stored) == good_pdf()
    # The source address is kept only as a keyed hash.
    assert "127.0.0.1" not in submission.source_key
    assert AccessLogEntry.objects.filter(
        action="submit", object_type="intake.intakesubmission", object_id=str(submission.pk)
    ).exists()


@pytest.mark.parametrize(
    "field",
    [
        "submitter_name",
        "submitter_email",
        "submitter_phone",
        "pupil_first_name",
        "pupil_name_prefix",
        "pupil_last_name",
        "Uw vraag",
        "Huidige school",
    ],
)
def test_age02_bsn_refused_in_every_text_field(
    intake_form: IntakeForm, media_root: Path, field: str
) -> None:
    """AGE-02: a BSN in any field is refused with a Dutch message naming the field."""
    names = {f.label: services.field_name(f) for f in intake_form.fields.all()}
    name = names.get(field, field)
    value = f"{VALID_BSN}@example.invalid" if field == "submitter_email" else f"bsn {VALID_BSN}"
    response = submit(Client(), intake_form, post_data(intake_form, **{name: value}), good_pdf())
    assert response.status_code == 200
    errors = response.context["form"].errors[name]
    assert any("AGE-02" in e for e in errors), errors
    assert all(VALID_BSN not in e for e in errors)  # the message never echoes the number
    if name.startswith("field_"):
        assert any(f"„{field}”" in e for e in errors)  # names the configured question
    assert IntakeSubmission.objects.count() == 0
    assert blobs(media_root) == []


def test_age02_every_field_kind_and_label_is_named_by_the_service(intake_form: IntakeForm) -> None:
    """The service checks every value (also a choice or a date given as text) and names the
    field's own label, so the message says where the number is."""
    from django.core.exceptions import ValidationError

    from passend.privacy.context import AccessContext

    fields = {f.label: services.field_name(f) for f in intake_form.fields.all()}
    with pytest.raises(ValidationError) as error:
        services.submit(
            AccessContext(ip_address="10.0.0.1"),
            intake_form,
            submitter_name="Petra",
            pupil_first_name="Lotte",
            pupil_last_name="Jansen",
            pupil_birth_date=__import__("datetime").date(2013, 5, 17),
            answers={fields["Uw vraag"]: f"Nummer {onderwijsnummer()}"},
            files={attachment_field(intake_form): upload(good_pdf())},
            consent_accepted=True,
        )
    messages = error.value.message_dict[fields["Uw vraag"]]
    assert any("„Uw vraag”" in m and "AGE-02" in m for m in messages)


@pytest.mark.parametrize(
    "data",
    [exe_as_pdf(), pdf_with_javascript(), zip_bomb(), pdf(f"BSN: {VALID_BSN}")],
    ids=["executable", "pdf-javascript", "zip-bomb", "pdf-with-bsn"],
)
def test_unsafe_upload_refused_and_nothing_stored(
    intake_form: IntakeForm, media_root: Path, data: bytes
) -> None:
    response = submit(Client(), intake_form, post_data(intake_form), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Verslag" in body
    assert IntakeSubmission.objects.count() == 0
    assert IntakeFile.objects.count() == 0
    assert blobs(media_root) == []
    refused = AccessLogEntry.objects.get(action="submit_refused")
    assert refused.outcome == "denied" and refused.reason.startswith("upload_refused:")


def test_required_attachment_and_consent_are_enforced(intake_form: IntakeForm) -> None:
    data = post_data(intake_form)
    data.pop("consent")
    response = submit(Client(), intake_form, data, None)
    assert response.status_code == 200
    assert IntakeSubmission.objects.count() == 0


def test_rate_limit_per_sender(intake_form: IntakeForm, settings: Any) -> None:
    settings.PASSEND_INTAKE_RATE_PER_SOURCE = 2
    client = Client()
    for _ in range(2):
        assert (
            "Dank u wel"
            in submit(client, intake_form, post_data(intake_form), good_pdf()).content.decode()
        )
    third = submit(client, intake_form, post_data(intake_form), good_pdf())
    assert "te veel aanmeldingen" in third.content.decode()
    assert IntakeSubmission.objects.count() == 2
    assert AccessLogEntry.objects.filter(action="submit_refused", reason="rate_limited").exists()
    # Another sender is not blocked.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert (
        "Dank u wel"
        in submit(other, intake_form, post_data(intake_form), good_pdf()).content.decode()
    )


def test_oversized_request_refused_before_reading(intake_form: IntakeForm, settings: Any) -> None:
    settings.PASSEND_INTAKE_MAX_TOTAL_BYTES = 10
    response = Client().post(
        form_url(intake_form),
        post_data(intake_form),
        CONTENT_LENGTH=str(5 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert IntakeSubmission.objects.count() == 0


def test_rate_limit_counts_refused_attempts(intake_form: IntakeForm, settings: Any) -> None:
    """A script flooding bad uploads is stopped too (each refused attempt costs a scan)."""
    settings.PASSEND_INTAKE_RATE_PER_SOURCE = 1
    client = Client()
    for _ in range(services.REFUSED_ATTEMPTS_FACTOR):
        response = submit(client, intake_form, post_data(intake_form), exe_as_pdf())
        assert "te veel" not in response.content.decode()
    blocked = submit(client, intake_form, post_data(intake_form), good_pdf())
    assert "te veel aanmeldingen" in blocked.content.decode()
    assert IntakeSubmission.objects.count() == 0
