"""Fixtures of the application-form tests: an SWV with staff, a published form with a field
of every kind and one required attachment; encrypted blobs go to a temporary MEDIA_ROOT."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from passend.access.actor import Actor
from passend.accounts.models import Membership, Role
from passend.intake import services
from passend.intake.models import Audience, FieldKind, IntakeForm
from passend.privacy.categories import DataCategory
from tests.conftest import make_professional
from tests.documents.fixtures import pdf


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSEND_CLAMD_SOCKET = ""
    return settings.MEDIA_ROOT


def actor_for(user: Any) -> Actor:
    return Actor.for_membership(Membership.objects.get(user=user))


@pytest.fixture
def admin_h9b(region: dict[str, Any]) -> Any:
    return make_professional(region["swv"], Role.FUNCTIONAL_ADMIN, username="h9b-beheer")


@pytest.fixture
def desk_h9b(region: dict[str, Any]) -> Any:
    return make_professional(region["swv"], Role.INFORMATION_DESK, username="h9b-desk")


@pytest.fixture
def intake_form(admin_h9b: Any) -> IntakeForm:
    actor = actor_for(admin_h9b)
    form = services.create_form(
        actor,
        title="Aanmelden door ouders",
        intro="Welkom.",
        audience=Audience.PARENTS,
        consent_text="Ik geef toestemming.",
    )
    services.add_field(actor, form, label="Uw vraag", kind=FieldKind.LONG_TEXT, required=True)
    services.add_field(actor, form, label="Huidige school", kind=FieldKind.TEXT, required=False)
    services.add_field(actor, form, label="Sinds wanneer", kind=FieldKind.DATE, required=False)
    services.add_field(
        actor,
        form,
        label="Hulp betrokken",
        kind=FieldKind.CHOICE,
        required=False,
        choices="Nee\nJa",
    )
    services.add_field(actor, form, label="Naar school", kind=FieldKind.YES_NO, required=False)
    services.add_attachment_rule(
        actor, form, label="Verslag", category=DataCategory.DIAGNOSTICS, required=True
    )
    return services.set_status(actor, form, IntakeForm.Status.PUBLISHED)


def upload(data: bytes, name: str = "verslag.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@cache
def good_pdf() -> bytes:
    return pdf("Verslag van de jeugdhulp.\nGeen bijzonderheden.")


def post_data(intake_form: IntakeForm, **overrides: Any) -> dict[str, Any]:
    """A complete, valid POST of the public form (files separate)."""
    fields = {f.label: services.field_name(f) for f in intake_form.fields.all()}
    data: dict[str, Any] = {
        "submitter_name": "Petra Jansen",
        "submitter_email": "petra@example.invalid",
        "submitter_phone": "06-12345678",
        "pupil_first_name": "Lotte",
        "pupil_name_prefix": "",
        "pupil_last_name": "Jansen",
        "pupil_birth_date": "2013-05-17",
        fields["Uw vraag"]: "Onze dochter loopt vast.",
        fields["Huidige school"]: "Stadslyceum",
        fields["Sinds wanneer"]: "2026-09-01",
        fields["Hulp betrokken"]: "Ja",
        fields["Naar school"]: "ja",
        "consent": "on",
    }
    data.update(overrides)
    return data


def attachment_field(intake_form: IntakeForm) -> str:
    return services.attachment_name(intake_form.attachment_rules.get())
