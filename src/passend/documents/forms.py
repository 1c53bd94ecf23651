"""Forms of the document screens. Shape only: the rules are checked by the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation
from passend.cases.forms import DATE_WIDGET, PassendForm
from passend.cases.models import Phase
from passend.privacy.categories import DataCategory


class UploadForm(PassendForm):
    title = forms.CharField(label=_("Titel"), max_length=200)
    category = forms.ChoiceField(
        label=_("Gegevenscategorie"),
        choices=DataCategory.choices,
        help_text=_(
            "Wie het document mag zien, hangt af van de categorie (AGE-01). Verslagen over "
            "gezondheid of diagnostiek worden alleen gedeeld met toestemming of als de "
            "ouders/jongere dat aangeven."
        ),
    )
    supplied_by = forms.ModelChoiceField(
        label=_("Aangeleverd door"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        help_text=_(
            "De partij die het document aanlevert, houdt zeggenschap over verder gebruik (CON-06)."
        ),
    )
    phase = forms.ChoiceField(
        label=_("Fase"),
        choices=[
            ("", _("Geen bepaalde fase")),
            *[c for c in Phase.choices if c[0] != Phase.CLOSED],
        ],
        required=False,
    )
    file = forms.FileField(
        label=_("Bestand"),
        help_text=_(
            "PDF, Word (DOCX), OpenDocument (ODT), tekst, JPEG of PNG; hooguit 25 MB. Passend "
            "zoekt het document door op een BSN (AGE-02)."
        ),
    )

    def __init__(
        self, *args: Any, suppliers: list[Organisation], own: Organisation, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["supplied_by"]
        field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in suppliers])  # type: ignore[attr-defined]
        field.initial = own.pk
        field.error_messages["invalid_choice"] = _(
            "Kies bij „Aangeleverd door” een organisatie die deelneemt aan dit traject (CON-06)."
        )
        self.fields["file"].error_messages["empty"] = _("Het bestand is leeg.")


class DecisionForm(PassendForm):
    """A held upload: redact automatically, confirm (for a scan) or cancel (AGE-02)."""

    REDACT = "redact"
    CONFIRM = "confirm"
    CANCEL = "cancel"

    decision = forms.ChoiceField(
        label=_("Uw beslissing"),
        choices=[
            (REDACT, _("Automatisch onkenbaar maken")),
            (CONFIRM, _("Bevestigen: dit document bevat geen BSN")),
            (CANCEL, _("Annuleren en het bestand verwijderen")),
        ],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, choices: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["decision"]
        field.choices = [c for c in field.choices if c[0] in choices]  # type: ignore[attr-defined]


class ShareableForm(PassendForm):
    marked_by = forms.CharField(
        label=_("Wie gaf toestemming"),
        max_length=300,
        help_text=_(
            "Bijvoorbeeld: „moeder en Fenna (14), mondeling in het gesprek”. Wie beslist, hangt "
            "af van de leeftijd (AGE-03)."
        ),
    )
    marked_on = forms.DateField(label=_("Datum"), widget=DATE_WIDGET)
