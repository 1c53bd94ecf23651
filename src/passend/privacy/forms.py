"""Forms of the subject-request screens. Rule checks live in privacy.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from passend.bsn_guard import BsnGuardFormMixin
from passend.privacy.models import DecisionOutcome, RequesterRelation, RequestKind, SubjectRequest

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
        choices=[("", _("Alle")), *SubjectRequest.Status.choices],
    )
    kind = forms.ChoiceField(
        label=_("Soort"), required=False, choices=[("", _("Alle")), *RequestKind.choices]
    )
    overdue = forms.BooleanField(label=_("Alleen termijn verstreken"), required=False)


class SubjectRequestForm(BsnGuardFormMixin, forms.Form):
    q = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)
    pupil = forms.TypedChoiceField(label=_("Leerling"), coerce=int)
    kind = forms.ChoiceField(label=_("Soort verzoek"), choices=RequestKind.choices)
    description = forms.CharField(
        label=_("Omschrijving van het verzoek"), widget=forms.Textarea(attrs={"rows": 4})
    )
    requester_name = forms.CharField(label=_("Naam verzoeker"), max_length=200)
    requester_relation = forms.ChoiceField(
        label=_("Relatie tot de leerling"), choices=RequesterRelation.choices
    )
    received_on = forms.DateField(label=_("Ontvangen op"), required=False, widget=DATE)
    identity_verified = forms.BooleanField(
        label=_("Identiteit bij de intake vastgesteld"),
        required=False,
        help_text=_("Zo niet, dan staat de termijn stil tot de identiteit vaststaat (PRV-02)."),
    )
    identity_note = forms.CharField(label=_("Hoe vastgesteld"), required=False, max_length=300)

    def __init__(self, *args: Any, pupils: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pupils = {p.pk: p for p in pupils}
        self.fields["pupil"].choices = [  # type: ignore[attr-defined]
            (p.pk, f"{p.full_name} ({p.birth_date:%d-%m-%Y})") for p in pupils
        ]


class IdentityForm(BsnGuardFormMixin, forms.Form):
    on = forms.DateField(label=_("Vastgesteld op"), widget=DATE)
    note = forms.CharField(label=_("Hoe vastgesteld"), max_length=300)


class AssignForm(forms.Form):
    user = forms.TypedChoiceField(label=_("Behandelaar"), coerce=int)

    def __init__(self, *args: Any, users: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.users = {u.pk: u for u in users}
        self.fields["user"].choices = [  # type: ignore[attr-defined]
            (u.pk, u.get_full_name() or u.get_username()) for u in users
        ]


class ExtendForm(BsnGuardFormMixin, forms.Form):
    weeks = forms.IntegerField(label=_("Verlengen met (weken)"), min_value=1, max_value=8)
    reason = forms.CharField(
        label=_("Reden (de verzoeker krijgt die te horen)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecideForm(BsnGuardFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Besluit"), choices=DecisionOutcome.choices)
    reasons = forms.CharField(label=_("Motivering"), widget=forms.Textarea(attrs={"rows": 5}))


class ExecuteForm(BsnGuardFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Uitvoering: wat is gedaan, wat niet en waarom"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class LiftForm(BsnGuardFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reden van opheffen"), widget=forms.Textarea(attrs={"rows": 3})
    )
