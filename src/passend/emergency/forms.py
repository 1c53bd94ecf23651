from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from passend.bsn_guard import BsnGuardFormMixin


class BreakGlassForm(BsnGuardFormMixin, forms.Form):
    pseudonym = forms.CharField(
        label=_("Pseudoniem van het traject"),
        max_length=20,
        help_text=_("Het pseudoniem staat op de overdracht of melding, bijvoorbeeld T2026-7K3M9."),
    )
    reason = forms.CharField(
        label=_("Reden van de noodtoegang"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_(
            "Welke noodsituatie maakt het nodig dit dossier nu in te zien? De FG ontvangt een "
            "melding en beoordeelt elke noodtoegang."
        ),
    )
