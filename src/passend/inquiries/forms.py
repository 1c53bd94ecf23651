"""Forms of the informatiepunt screens. Rule checks live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation
from passend.bsn_guard import BsnGuardFormMixin
from passend.inquiries.models import Channel, ContactRole, Inquiry, InquiryKind

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
        label=_("Status"), required=False, choices=[("", _("Alle")), *Inquiry.Status.choices]
    )
    kind = forms.ChoiceField(
        label=_("Soort"), required=False, choices=[("", _("Alle")), *InquiryKind.choices]
    )
    overdue = forms.BooleanField(label=_("Alleen termijn verstreken"), required=False)


class InquiryForm(BsnGuardFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Soort"), choices=InquiryKind.choices)
    channel = forms.ChoiceField(label=_("Kanaal"), choices=Channel.choices)
    topic = forms.CharField(label=_("Onderwerp"), max_length=200)
    question = forms.CharField(label=_("Vraag of klacht"), widget=forms.Textarea(attrs={"rows": 5}))
    received_on = forms.DateField(label=_("Ontvangen op"), required=False, widget=DATE)
    contact_role = forms.ChoiceField(label=_("Afzender"), choices=ContactRole.choices)
    contact_name = forms.CharField(label=_("Naam contactpersoon"), max_length=200)
    contact_email = forms.EmailField(label=_("E-mailadres"), required=False)
    contact_phone = forms.CharField(label=_("Telefoonnummer"), required=False, max_length=30)
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Betrokken organisatie"),
        required=False,
    )
    case_reference = forms.CharField(
        label=_("Pseudoniem van het traject"),
        required=False,
        max_length=20,
        help_text=_(
            "Bijvoorbeeld T2026-ABCDE. Het traject wordt alleen gekoppeld als u er zelf "
            "toegang toe hebt; anders bewaren we alleen het pseudoniem."
        ),
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class AssignForm(BsnGuardFormMixin, forms.Form):
    user = forms.TypedChoiceField(label=_("Toewijzen aan"), coerce=int)
    note = forms.CharField(label=_("Toelichting"), required=False, max_length=500)

    def __init__(self, *args: Any, users: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.users = {u.pk: u for u in users}
        self.fields["user"].choices = [  # type: ignore[attr-defined]
            (u.pk, u.get_full_name() or u.get_username()) for u in users
        ]


class AnswerForm(BsnGuardFormMixin, forms.Form):
    text = forms.CharField(label=_("Antwoord"), widget=forms.Textarea(attrs={"rows": 6}))


class ReferForm(BsnGuardFormMixin, forms.Form):
    referred_to = forms.CharField(label=_("Doorverwezen naar"), max_length=200)
    note = forms.CharField(
        label=_("Toelichting"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseForm(BsnGuardFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Toelichting"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
