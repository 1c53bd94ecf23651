"""Forms of the attendance module. Every text field passes the BSN guard (AGE-02)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation
from passend.attendance.models import (
    AbsenceKind,
    ConsultationType,
    ExemptionGround,
    HomeStay,
    HomeStayKind,
    HomeStayReason,
    PreventiveTopic,
    ReportReason,
)
from passend.bsn_guard import BsnGuardFormMixin
from passend.pupils.models import ImportSource

MAX_UPLOAD_BYTES = 100 * 1024 * 1024


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"


class ImportUploadForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Bronsysteem"),
        choices=ImportSource.choices,
        help_text=_("Het leerlingadministratiesysteem waaruit het verzuimbestand komt."),
    )
    file = forms.FileField(
        label=_("CSV-bestand"),
        help_text=_(
            "Een export van de absenties als CSV (gescheiden door ; of ,). Een kolom met BSN of "
            "onderwijsnummer wordt niet ingelezen (AGE-02)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Het bestand is groter dan %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // 1024**2}
            )
        if not (upload.name or "").lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Kies een CSV-bestand (.csv of .txt)."))
        return upload


class AbsenceForm(BsnGuardFormMixin, forms.Form):
    pupil: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Leerling")
    )
    date = forms.DateField(label=_("Datum"), widget=DateInput(), initial=timezone.localdate)
    kind = forms.ChoiceField(label=_("Soort verzuim"), choices=AbsenceKind.choices)
    hours = forms.DecimalField(
        label=_("Uren (VO: lesuren)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        help_text=_("Of vul in het primair onderwijs begin- en eindtijd in."),
    )
    start_time = forms.TimeField(label=_("Van"), required=False, widget=TimeInput())
    end_time = forms.TimeField(label=_("Tot"), required=False, widget=TimeInput())
    reason_code = forms.CharField(label=_("Redencode"), required=False, max_length=40)

    def __init__(self, *args: Any, pupils: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils  # type: ignore[attr-defined]


class ContactRefusalForm(BsnGuardFormMixin, forms.Form):
    pupil: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Leerling")
    )
    since = forms.DateField(
        label=_("Ouders weigeren contact sinds"), widget=DateInput(), initial=timezone.localdate
    )
    note = forms.CharField(label=_("Toelichting"), required=False, max_length=300)

    def __init__(self, *args: Any, pupils: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils  # type: ignore[attr-defined]


class DuoReportForm(BsnGuardFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Soort melding"), choices=ReportReason.choices)
    reported_on = forms.DateField(
        label=_("Gemeld op"), widget=DateInput(), initial=timezone.localdate
    )
    reference = forms.CharField(label=_("Kenmerk van DUO"), max_length=40)
    municipality: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Gemeente (leerplicht)")
    )
    attendance_officer: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Leerplichtambtenaar"),
        required=False,
        help_text=_(
            "Wordt deelnemer aan het verzuimtraject en ziet dan alleen de verzuimgegevens (ABS-05)."
        ),
    )

    def __init__(self, *args: Any, municipalities: Any, officers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities  # type: ignore[attr-defined]
        self.fields["attendance_officer"].queryset = officers  # type: ignore[attr-defined]
        self.fields["attendance_officer"].label_from_instance = (  # type: ignore[attr-defined]
            lambda user: user.get_full_name() or user.get_username()
        )


class OfficerNoteForm(BsnGuardFormMixin, forms.Form):
    held_on = forms.DateField(label=_("Datum"), widget=DateInput(), initial=timezone.localdate)
    body = forms.CharField(
        label=_("Notitie"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )


class PreventiveNoteForm(BsnGuardFormMixin, forms.Form):
    school: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("School")
    )
    held_on = forms.DateField(label=_("Datum"), widget=DateInput(), initial=timezone.localdate)
    topic = forms.ChoiceField(label=_("Onderwerp"), choices=PreventiveTopic.choices)
    body = forms.CharField(
        label=_("Afspraken op schoolniveau"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("Zonder namen of andere gegevens van leerlingen (ABS-03)."),
    )

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]


class HomeStayForm(BsnGuardFormMixin, forms.ModelForm):
    class Meta:
        model = HomeStay
        fields = [
            "kind",
            "start_date",
            "reason",
            "reason_note",
            "exemption_ground",
            "exemption_letter_on",
            "exemption_valid_until",
            "offer",
            "offer_suitable",
            "offer_since",
            "status",
            "end_date",
            "consultation_type",
            "consultation_case",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "exemption_letter_on": DateInput(),
            "exemption_valid_until": DateInput(),
            "offer_since": DateInput(),
            "reason_note": forms.Textarea(attrs={"rows": 3}),
            "offer": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, consultation_cases: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consultation_case"].queryset = consultation_cases  # type: ignore[attr-defined]
        self.fields["consultation_case"].label_from_instance = lambda case: case.pseudonym  # type: ignore[attr-defined]
        self.fields["kind"].choices = HomeStayKind.choices  # type: ignore[attr-defined]
        self.fields["reason"].choices = HomeStayReason.choices  # type: ignore[attr-defined]
        self.fields["exemption_ground"].choices = [("", "—"), *ExemptionGround.choices]  # type: ignore[attr-defined]
        self.fields["consultation_type"].choices = [("", "—"), *ConsultationType.choices]  # type: ignore[attr-defined]

    def _post_clean(self) -> None:  # the service validates (one place for the rules)
        pass

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class NewHomeStayForm(HomeStayForm):
    pupil: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Leerling")
    )

    class Meta(HomeStayForm.Meta):
        fields = [f for f in HomeStayForm.Meta.fields if f not in ("status", "end_date")]

    def __init__(self, *args: Any, pupils: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils  # type: ignore[attr-defined]
        self.order_fields(["pupil", *self.Meta.fields])


class ExportForm(forms.Form):
    hide_optional_marker = True
    year = forms.IntegerField(label=_("Jaar"), min_value=2015, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Kwartaal"), coerce=int, choices=[(q, f"Q{q}") for q in (1, 2, 3, 4)]
    )
