"""Forms of the TLV screens. Rule checks live in the services; forms only parse input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation
from passend.bsn_guard import BsnGuardFormMixin
from passend.tlv.models import (
    Disability,
    ExitPerspective,
    ExitPerspectiveRecord,
    ExpertProfession,
    Objection,
    Placement,
    Route,
    TlvApplication,
    TlvType,
    Triage,
)
from passend.tlv.services import INTENDED_FIELDS, IVO_FIELDS, REQUESTING_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
IVO_LABELS = {
    "instruction": _("IVO: instructie en aanpak"),
    "time": _("IVO: aandacht en tijd"),
    "materials": _("IVO: onderwijsmaterialen"),
    "space": _("IVO: ruimtelijke omgeving"),
    "expertise": _("IVO: expertise"),
    "cooperation": _("IVO: samenwerking met andere instanties"),
}


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class NewApplicationForm(BsnGuardFormMixin, forms.Form):
    pupil: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Leerling")
    )
    requested_type = forms.ChoiceField(choices=TlvType.choices, label=_("Gevraagde soort"))
    route = forms.ChoiceField(choices=Route.choices, label=_("Route"), initial=Route.NEW)
    intended_school: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Beoogde school"),
        required=False,
    )

    def __init__(
        self, *args: Any, pupils: QuerySet[Any], schools: QuerySet[Organisation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils  # type: ignore[attr-defined]
        self.fields["intended_school"].queryset = schools  # type: ignore[attr-defined]


class ApplicationForm(BsnGuardFormMixin, forms.ModelForm):
    """The steps of TLV-02; only the fields of the acting party are shown."""

    class Meta:
        model = TlvApplication
        fields = sorted(REQUESTING_FIELDS - {"requested_type"})
        widgets = {
            "parents_seen_on": DATE,
            "pupil_heard_on": DATE,
            "expert_1_signed_on": DATE,
            "expert_2_signed_on": DATE,
        }

    def __init__(self, *args: Any, party: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if party == "intended":
            for name in list(self.fields):
                if name not in INTENDED_FIELDS:
                    del self.fields[name]
            self.fields["end_goals"] = forms.CharField(
                label=_("Stap 4 Hoe: beoogde einddoelen"), widget=forms.Textarea, required=False
            )
            self.fields["end_goals"].initial = self.instance.end_goals
            for key in IVO_FIELDS:
                self.fields[f"ivo_{key}"] = forms.CharField(
                    label=IVO_LABELS[key], widget=forms.Textarea(attrs={"rows": 2}), required=False
                )
                self.fields[f"ivo_{key}"].initial = (self.instance.ivo or {}).get(key, "")
        self.hide_optional_marker = True
        for name in ("disability",):
            if name in self.fields:
                self.fields[name].choices = [("", "—"), *Disability.choices]  # type: ignore[attr-defined]
        if "exit_perspective" in self.fields:
            self.fields["exit_perspective"].choices = [("", "—"), *ExitPerspective.choices]  # type: ignore[attr-defined]
        if "expert_1_profession" in self.fields:
            self.fields["expert_1_profession"].choices = [("", "—"), *ExpertProfession.choices]  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        ivo = {k: data.pop(f"ivo_{k}") for k in IVO_FIELDS if f"ivo_{k}" in data}
        if ivo:
            data["ivo"] = {k: v for k, v in ivo.items() if v}
        return data


class EmptyForm(forms.Form):
    pass


class TriageForm(forms.Form):
    route = forms.ChoiceField(choices=Triage.choices, label=_("Wie beoordeelt"))
    meeting_on = forms.DateField(
        label=_("Vergadering CvA breed"),
        required=False,
        widget=DATE,
        help_text=_("Leeg: de volgende geplande vergadering."),
    )


class AssessForm(BsnGuardFormMixin, forms.Form):
    disorder_established = forms.BooleanField(
        label=_("Aard van de stoornis/beperking vastgesteld"), required=False
    )
    educational_limitation = forms.BooleanField(
        label=_("Onderwijsbeperking aangetoond"), required=False
    )
    care_insufficient = forms.BooleanField(
        label=_("Ontoereikendheid van de zorg in het regulier onderwijs"), required=False
    )
    causal_link = forms.BooleanField(label=_("Causaal verband (cluster 4)"), required=False)
    notes = forms.CharField(label=_("Toelichting"), widget=forms.Textarea, required=False)
    hide_optional_marker = True


class AdviceForm(BsnGuardFormMixin, forms.Form):
    positive = forms.TypedChoiceField(
        label=_("Advies"),
        choices=[("1", _("Positief")), ("0", _("Voorgenomen negatief"))],
        coerce=lambda v: v == "1",
    )
    by_gavel = forms.BooleanField(label=_("Bij hamerslag (zonder bespreking)"), required=False)
    category = forms.TypedChoiceField(
        label=_("Categorie"),
        choices=[("", _("Voorgestelde categorie")), ("1", "1"), ("2", "2"), ("3", "3")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    category_reason = forms.CharField(
        label=_("Reden afwijkende categorie"), widget=forms.Textarea, required=False
    )
    motivation = forms.CharField(label=_("Motivering"), widget=forms.Textarea, required=False)


class ConversationForm(BsnGuardFormMixin, forms.Form):
    held_on = forms.DateField(label=_("Gesprek gevoerd op"), widget=DATE)
    notes = forms.CharField(label=_("Verslag"), widget=forms.Textarea)


class ExtendForm(BsnGuardFormMixin, forms.Form):
    weeks = forms.IntegerField(label=_("Verlengen met (weken)"), min_value=1, max_value=4)
    reason = forms.CharField(label=_("Reden"), widget=forms.Textarea)


class SuspendForm(BsnGuardFormMixin, forms.Form):
    missing = forms.CharField(label=_("Wat ontbreekt (één per regel)"), widget=forms.Textarea)


class DecideForm(BsnGuardFormMixin, forms.Form):
    start_date = forms.DateField(label=_("Startdatum"), required=False, widget=DATE)
    motivation = forms.CharField(label=_("Motivering"), widget=forms.Textarea, required=False)


class ExitForm(forms.Form):
    stage = forms.ChoiceField(label=_("Fase"), choices=ExitPerspectiveRecord.Stage.choices)
    perspective = forms.ChoiceField(
        label=_("Uitstroomperspectief"), choices=ExitPerspective.choices
    )


class PlacementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Soort plaatsing"), choices=Placement.Kind.choices)
    school: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("School")
    )
    start_date = forms.DateField(label=_("Startdatum"), widget=DATE)
    end_date = forms.DateField(label=_("Einddatum"), widget=DATE)

    def __init__(self, *args: Any, schools: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]


class ObjectionForm(BsnGuardFormMixin, forms.Form):
    lodged_by = forms.ChoiceField(label=_("Ingediend door"), choices=Objection.By.choices)
    received_on = forms.DateField(label=_("Ontvangen op"), widget=DATE)
    notes = forms.CharField(label=_("Toelichting"), widget=forms.Textarea, required=False)


class ObjectionStepForm(forms.Form):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    step = forms.ChoiceField(
        label=_("Stap"),
        choices=[
            ("refer", _("Voorgelegd aan de LBT")),
            ("hearing", _("Hoorzitting")),
            ("decide", _("Beslissing op bezwaar")),
            ("appeal", _("Beroep ingesteld")),
        ],
    )
    on = forms.DateField(label=_("Datum"), widget=DATE)
    outcome = forms.ChoiceField(
        label=_("Uitkomst"), choices=[("", "—"), *Objection.Outcome.choices], required=False
    )
