"""Form configuration by SWV staff (seed 000 §5 module a): in the UI, audited, BSN-guarded,
scoped to the own SWV; the functional administrator configures but reads no submissions."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from passend.accounts.models import OrganisationKind, Role, Sector
from passend.intake.models import IntakeAttachmentRule, IntakeField, IntakeForm
from passend.privacy.models import AccessLogEntry
from tests.conftest import make_professional, verified_client
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_swv_staff_configure_a_form_in_the_ui_with_audit(admin_h9b: Any) -> None:
    client = verified_client(admin_h9b)
    assert client.get(reverse("intake:form_list")).status_code == 200
    response = client.post(
        reverse("intake:form_create"),
        {
            "title": "Aanmelding professionals",
            "intro": "",
            "audience": "professionals",
            "consent_text": "Akkoord met verwerking.",
        },
    )
    form = IntakeForm.objects.get()
    assert response["Location"] == reverse("intake:form_edit", args=[form.pk])
    assert form.status == IntakeForm.Status.DRAFT and form.swv.kind == OrganisationKind.SWV
    client.post(
        reverse("intake:field_create", args=[form.pk]),
        {"label": "Hulpvraag", "kind": "choice", "required": "on", "choices": "A\nB"},
    )
    client.post(
        reverse("intake:rule_create", args=[form.pk]),
        {"label": "Onderwijskundig rapport", "category": "ordinary", "required": "on"},
    )
    client.post(reverse("intake:form_status", args=[form.pk]), {"status": "published"})
    form.refresh_from_db()
    assert form.is_published and form.version >= 3
    assert IntakeField.objects.get().required and IntakeAttachmentRule.objects.count() == 1
    page = client.get(reverse("intake:form_edit", args=[form.pk])).content.decode()
    assert f"/formulier/{form.public_id}/" in page
    actions = set(
        AccessLogEntry.objects.filter(
            activity="intake_form_administration", actor=admin_h9b, object_id=str(form.pk)
        ).values_list("action", flat=True)
    )
    assert {"create", "add_field", "add_attachment_rule", "set_status"} <= actions
    # Delete a question: audited too.
    field = IntakeField.objects.get()
    client.post(reverse("intake:field_delete", args=[form.pk, field.pk]))
    assert not IntakeField.objects.exists()
    assert AccessLogEntry.objects.filter(action="delete_field", object_id=str(form.pk)).exists()


def test_age02_bsn_refused_in_configuration(admin_h9b: Any, intake_form: IntakeForm) -> None:
    client = verified_client(admin_h9b)
    response = client.post(
        reverse("intake:field_create", args=[intake_form.pk]),
        {"label": "Vraag", "kind": "text", "help_text": "Bijv. 123456782"},
    )
    assert "AGE-02" in response.content.decode()
    assert not intake_form.fields.filter(label="Vraag").exists()


def test_choice_needs_two_options(admin_h9b: Any, intake_form: IntakeForm) -> None:
    response = verified_client(admin_h9b).post(
        reverse("intake:field_create", args=[intake_form.pk]),
        {"label": "Keuze", "kind": "choice", "choices": "alleen"},
    )
    assert "minstens twee" in response.content.decode()


def test_other_swv_and_other_roles_cannot_configure(
    intake_form: IntakeForm, region: dict[str, Any]
) -> None:
    other = OrganisationFactory(name="SWV Ander", kind=OrganisationKind.SWV, sector=Sector.PO)
    elsewhere = verified_client(make_professional(other, Role.FUNCTIONAL_ADMIN))
    assert elsewhere.get(reverse("intake:form_edit", args=[intake_form.pk])).status_code == 404
    before = intake_form.version
    assert (
        elsewhere.post(
            reverse("intake:form_status", args=[intake_form.pk]), {"status": "closed"}
        ).status_code
        == 404
    )
    ect = verified_client(make_professional(region["swv"], Role.ECT_MEMBER))
    assert ect.get(reverse("intake:form_list")).status_code == 404
    intake_form.refresh_from_db()
    assert intake_form.version == before and intake_form.is_published
    assert AccessLogEntry.objects.filter(
        activity="intake_form_administration", outcome="denied"
    ).exists()


def test_demo_part_loads_a_published_form_and_an_example_submission(db: Any) -> None:
    from passend.accounts.demo import load_demo
    from passend.intake.demo import DEMO_PUBLIC_ID
    from passend.intake.models import IntakeSubmission

    region = load_demo()
    form = IntakeForm.objects.get(public_id=DEMO_PUBLIC_ID)
    assert form.is_published and form.swv == region.org("swv_vo")
    assert IntakeSubmission.objects.filter(form=form).count() == 1
    changes_before = IntakeSubmission.objects.count(), IntakeField.objects.count()
    load_demo()  # idempotent
    assert (IntakeSubmission.objects.count(), IntakeField.objects.count()) == changes_before
