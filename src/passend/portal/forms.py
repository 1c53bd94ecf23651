"""Forms of the portal: few fields, large targets, plain Dutch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from passend.bsn_guard import BsnGuardFormMixin
from passend.portal.services import MAX_STATEMENT_LENGTH


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Uw e-mailadres"),
        max_length=254,
        help_text=_("Het adres dat de school van u of uw kind heeft."),
        widget=forms.EmailInput(
            attrs={"class": "utrecht-textbox", "autocomplete": "email", "inputmode": "email"}
        ),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Controlecode"),
        max_length=12,
        help_text=_("De zes cijfers die op het scherm stonden toen u de link aanvroeg."),
        widget=forms.TextInput(
            attrs={
                "class": "utrecht-textbox",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
            }
        ),
    )


class StatementForm(BsnGuardFormMixin, forms.Form):
    case = forms.TypedChoiceField(label=_("Over welk traject"), coerce=int)
    text = forms.CharField(
        label=_("Uw zienswijze"),
        max_length=MAX_STATEMENT_LENGTH,
        help_text=_("Hoe kijkt u zelf naar de situatie en de aanpak? Noem geen BSN."),
        widget=forms.Textarea(attrs={"class": "utrecht-textarea", "rows": 6}),
    )

    def __init__(self, *args: Any, cases: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [  # type: ignore[attr-defined]
            (c.pk, f"{c.get_kind_display()} — {c.title or c.pseudonym}") for c in cases
        ]
        self.fields["case"].widget.attrs["class"] = "utrecht-select"


class RequestForm(BsnGuardFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Wat wilt u vragen?"))
    description = forms.CharField(
        label=_("Toelichting"),
        max_length=4000,
        help_text=_("Bijvoorbeeld welk gegeven niet klopt en wat het moet zijn. Noem geen BSN."),
        widget=forms.Textarea(attrs={"class": "utrecht-textarea", "rows": 5}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = request_kinds()  # type: ignore[attr-defined]
        self.fields["kind"].widget.attrs["class"] = "utrecht-select"


def request_kinds() -> list[tuple[str, str]]:
    """The kinds of subject requests (PRV-01), from the privacy app when it has them."""
    try:
        from passend.privacy.models import RequestKind
    except ImportError:
        return [
            ("access", str(_("Inzage"))),
            ("rectification", str(_("Rectificatie (correctie)"))),
            ("erasure", str(_("Verwijdering (vergetelheid)"))),
            ("restriction", str(_("Beperking van de verwerking"))),
            ("objection", str(_("Bezwaar (verzet)"))),
            ("complaint", str(_("Klacht"))),
            ("human_review", str(_("Menselijke blik op een besluit"))),
        ]
    return [(value, str(label)) for value, label in RequestKind.choices]
