from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Verificatiecode"),
        help_text=_("De zescijferige code uit uw authenticator-app, of een van uw reservecodes."),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
        error_messages={"required": _("Vul de verificatiecode in (tweede factor).")},
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split())


class SetupTokenForm(TokenForm):
    """The first code from a newly scanned authenticator app."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["token"].help_text = _(
            "De zescijferige code die uw authenticator-app nu toont."
        )
        self.fields["token"].widget.attrs["inputmode"] = "numeric"


class ConfirmPasswordForm(forms.Form):
    """Changes to the second factor are confirmed with the current password (PRV-08)."""

    password = forms.CharField(
        label=_("Uw huidige wachtwoord"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Vul uw huidige wachtwoord in ter bevestiging.")},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _(
                    "Het wachtwoord klopt niet. Wijzigingen aan de tweede factor vragen uw wachtwoord."
                )
            )
        return password


class ReplaceAuthenticatorForm(ConfirmPasswordForm):
    token = forms.CharField(
        label=_("Code uit de nieuwe app"),
        help_text=_("De zescijferige code die de nieuwe authenticator-app nu toont."),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("Vul de code uit de nieuwe app in.")},
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split())


class ChooseMembershipForm(forms.Form):
    membership = forms.TypedChoiceField(
        label=_("Namens welke organisatie en in welke rol werkt u nu?"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Kies de organisatie en rol waarin u nu werkt (ORG-02)."),
            "invalid_choice": _("Dit lidmaatschap is niet (meer) actief; kies een ander (ORG-02)."),
        },
    )

    def __init__(self, *args: Any, memberships: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = [  # type: ignore[attr-defined]
            (m.pk, f"{m.organisation.name} — {m.get_role_display()}") for m in memberships
        ]
