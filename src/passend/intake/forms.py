"""Forms of the application-form screens. Rule checks (BSN guard with the field's label,
uploads, rate limit) live in the services; these forms only shape the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from passend.bsn_guard import BsnGuardFormMixin
from passend.intake.models import Audience, FieldKind, IntakeForm, IntakeSubmission
from passend.intake.services import (
    ACCEPT_KINDS,
    LINK_DAYS_MAX,
    LONG_TEXT_MAX,
    TEXT_MAX,
    attachment_name,
    field_name,
    link_days,
)
from passend.privacy.categories import DataCategory

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class FilterForm(forms.Form):
    hide_optional_marker = True
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Alle")), *IntakeSubmission.Status.choices],
    )


class IntakeFormForm(BsnGuardFormMixin, forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200)
    intro = forms.CharField(
        label=_("Inleiding"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    audience = forms.ChoiceField(label=_("Voor wie"), choices=Audience.choices)
    consent_text = forms.CharField(
        label=_("Toestemmingstekst"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("De indiener moet deze tekst accepteren voordat hij kan versturen (CON-02)."),
    )


class FieldForm(BsnGuardFormMixin, forms.Form):
    label = forms.CharField(label=_("Vraag"), max_length=200)
    kind = forms.ChoiceField(label=_("Soort"), choices=FieldKind.choices)
    required = forms.BooleanField(label=_("Verplicht"), required=False)
    help_text = forms.CharField(label=_("Toelichting"), required=False, max_length=300)
    choices = forms.CharField(
        label=_("Keuzes (één per regel)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    order = forms.IntegerField(label=_("Volgorde"), required=False, min_value=0)


class AttachmentRuleForm(BsnGuardFormMixin, forms.Form):
    label = forms.CharField(label=_("Omschrijving"), max_length=200)
    category = forms.ChoiceField(label=_("Gegevenscategorie"), choices=DataCategory.choices)
    required = forms.BooleanField(label=_("Verplicht"), required=False, initial=True)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=IntakeForm.Status.choices)


class AcceptForm(forms.Form):
    kind = forms.ChoiceField(label=_("Soort traject"), choices=ACCEPT_KINDS)


class RejectForm(BsnGuardFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reden"), widget=forms.Textarea(attrs={"rows": 4}))


class LinkForm(BsnGuardFormMixin, forms.Form):
    party = forms.TypedChoiceField(label=_("Aanleverende partij"), coerce=int)
    category = forms.ChoiceField(label=_("Gegevenscategorie"), choices=DataCategory.choices)
    reference = forms.CharField(
        label=_("Kenmerk"),
        max_length=100,
        help_text=_(
            "Een neutraal kenmerk dat de ontvanger ziet, bijvoorbeeld het eigen dossiernummer "
            "van de partij. Geen naam of geboortedatum van de leerling."
        ),
    )
    days = forms.IntegerField(
        label=_("Geldig (dagen)"), min_value=1, max_value=LINK_DAYS_MAX, required=False
    )

    def __init__(self, *args: Any, parties: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parties = {p.pk: p for p in parties}
        self.fields["party"].choices = [(p.pk, p.name) for p in parties]  # type: ignore[attr-defined]
        self.fields["days"].initial = link_days()


class DeliveryForm(forms.Form):
    """The outside party's form: nothing of the case, only what they deliver."""

    title = forms.CharField(label=_("Onderwerp"), max_length=200)
    body = forms.CharField(
        label=_("Informatie"),
        max_length=LONG_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    file = forms.FileField(label=_("Bijlage"), required=False)


class PublicForm(forms.Form):
    """The public application form, built from the SWV's configuration."""

    submitter_name = forms.CharField(label=_("Uw naam"), max_length=200)
    submitter_email = forms.EmailField(label=_("Uw e-mailadres"), required=False)
    submitter_phone = forms.CharField(label=_("Uw telefoonnummer"), required=False, max_length=30)
    pupil_first_name = forms.CharField(label=_("Voornaam van de leerling"), max_length=100)
    pupil_name_prefix = forms.CharField(label=_("Tussenvoegsel"), required=False, max_length=30)
    pupil_last_name = forms.CharField(label=_("Achternaam van de leerling"), max_length=100)
    pupil_birth_date = forms.DateField(label=_("Geboortedatum van de leerling"), widget=DATE)

    def __init__(self, *args: Any, intake_form: IntakeForm, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.intake_form = intake_form
        configured = intake_form.pk is not None  # an unsaved form has only the fixed fields
        for field in intake_form.fields.all() if configured else []:
            self.fields[field_name(field)] = self._field_for(field)
        for rule in intake_form.attachment_rules.all() if configured else []:
            self.fields[attachment_name(rule)] = forms.FileField(
                label=rule.label,
                required=rule.required,
                help_text=_("PDF, Word, OpenDocument, tekst, JPEG of PNG."),
            )
        self.fields["consent"] = forms.BooleanField(
            label=_("Ik heb de toestemmingstekst gelezen en ga akkoord"), required=True
        )

    @staticmethod
    def _field_for(field: Any) -> forms.Field:
        common = {"label": field.label, "required": field.required, "help_text": field.help_text}
        if field.kind == FieldKind.LONG_TEXT:
            return forms.CharField(
                max_length=LONG_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5}), **common
            )
        if field.kind == FieldKind.DATE:
            return forms.DateField(widget=DATE, **common)
        if field.kind == FieldKind.CHOICE:
            options = [("", "—")] + [(c, c) for c in field.choice_list]
            return forms.ChoiceField(choices=options, **common)
        if field.kind == FieldKind.YES_NO:
            return forms.ChoiceField(
                choices=[("ja", _("Ja")), ("nee", _("Nee"))],
                widget=forms.RadioSelect,
                **common,
            )
        return forms.CharField(max_length=TEXT_MAX, **common)

    def answers(self) -> dict[str, Any]:
        return {n: v for n, v in self.cleaned_data.items() if n.startswith("field_")}

    def uploads(self) -> dict[str, Any]:
        return {n: v for n, v in self.cleaned_data.items() if n.startswith("attachment_") and v}
