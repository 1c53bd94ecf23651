"""Forms of the pupils app. Every form runs the BSN guard on its text fields (AGE-02)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passend.bsn_guard import BsnGuardFormMixin
from passend.pupils.models import Guardian, ImportSource, Pupil

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ImportUploadForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Bronsysteem"),
        choices=ImportSource.choices,
        help_text=_("Het leerlingadministratiesysteem waaruit het bestand komt."),
    )
    file = forms.FileField(
        label=_("CSV-bestand"),
        help_text=_(
            "Een export van de leerlingen van uw school als CSV (gescheiden door ; of ,). "
            "Een kolom met BSN of onderwijsnummer wordt niet ingelezen (AGE-02)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Het bestand is groter dan %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // 1024**2}
            )
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Kies een CSV-bestand (.csv of .txt)."))
        return upload


class PupilForm(BsnGuardFormMixin, forms.ModelForm):
    start_date = forms.DateField(
        label=_("Ingeschreven vanaf"), initial=timezone.localdate, widget=DateInput()
    )
    grade = forms.CharField(label=_("Leerjaar / groep"), max_length=20, required=False)

    class Meta:
        model = Pupil
        fields = [
            "first_name",
            "name_prefix",
            "last_name",
            "birth_date",
            "gender",
            "email",
            "phone",
            "address",
        ]
        widgets = {"birth_date": DateInput()}

    def clean_birth_date(self) -> Any:
        value = self.cleaned_data["birth_date"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("De geboortedatum ligt in de toekomst (AGE-01)."))
        return value


class GuardianForm(BsnGuardFormMixin, forms.ModelForm):
    class Meta:
        model = Guardian
        fields = [
            "first_name",
            "name_prefix",
            "last_name",
            "relation",
            "has_parental_authority",
            "email",
            "phone",
        ]
        help_texts = {
            "has_parental_authority": _(
                "Ouders met gezag oefenen de privacyrechten van het kind uit of samen met het "
                "kind (AGE-03)."
            )
        }


GuardianFormSet = forms.formset_factory(GuardianForm, extra=2, max_num=4, validate_max=True)
