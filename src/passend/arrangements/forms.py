"""Forms of the arrangement screens. Rule checks live in the services; forms only parse input.

The application form gets the kind's extra fields (text/number/date/choice) as form fields,
named ``extra_<name>``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from passend.arrangements.models import Advice, ArrangementKind, Evaluation, FieldType
from passend.arrangements.services import check_amount, parse_amount
from passend.bsn_guard import BsnGuardFormMixin
from passend.pupils.models import Pupil

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EXTRA_PREFIX = "extra_"


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            target = name if name in form.fields else EXTRA_PREFIX + name
            form.add_error(target if target in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class AmountField(forms.CharField):
    """An amount in euros, typed the Dutch way: 8.682,52 (or 8682.52)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", _("In euro's, bijvoorbeeld 8.682,52."))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        try:
            return parse_amount(text)
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class ApplicationForm(BsnGuardFormMixin, forms.Form):
    pupil: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Pupil.objects.none(), label=_("Leerling")
    )
    support_need = forms.CharField(
        label=_("Ondersteuningsbehoefte en doelen"), widget=forms.Textarea(attrs={"rows": 5})
    )
    quote_amount = AmountField(label=_("Offertebedrag (€)"))
    requested_start = forms.DateField(label=_("Gewenste startdatum"), required=False, widget=DATE)

    def __init__(
        self, *args: Any, kind: ArrangementKind, pupils: QuerySet[Pupil], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils  # type: ignore[attr-defined]
        self.kind = kind
        for spec in kind.field_specs():
            self.fields[EXTRA_PREFIX + spec["name"]] = _extra_field(spec)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # The same amount rule as the service, so that every error shows at once.
        try:
            check_amount(self.kind, "quote_amount", data.get("quote_amount"))
        except ValidationError as error:
            self.add_error("quote_amount", error.message_dict["quote_amount"])
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name[len(EXTRA_PREFIX) :]: value
            for name, value in data.items()
            if name.startswith(EXTRA_PREFIX) and value not in (None, "")
        }


def _extra_field(spec: dict[str, Any]) -> forms.Field:
    common: dict[str, Any] = {
        "label": spec["label"],
        "required": bool(spec.get("required")),
        "error_messages": {
            "required": _("Vul %(label)s in (verplicht voor deze soort).")
            % {"label": spec["label"]}
        },
    }
    if spec["type"] == FieldType.NUMBER:
        return AmountField(**common, help_text="")
    if spec["type"] == FieldType.DATE:
        return forms.DateField(**common, widget=DATE)
    if spec["type"] == FieldType.CHOICE:
        return forms.ChoiceField(
            **common, choices=[("", "---------")] + [(c, c) for c in spec["choices"]]
        )
    return forms.CharField(**common, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class AdviceForm(BsnGuardFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Advies"), choices=Advice.Outcome.choices)
    advised_amount = AmountField(label=_("Geadviseerd bedrag (€)"))
    text = forms.CharField(label=_("Toelichting"), widget=forms.Textarea(attrs={"rows": 5}))


class DecisionForm(BsnGuardFormMixin, forms.Form):
    granted = forms.TypedChoiceField(
        label=_("Besluit"),
        choices=[("yes", _("Toekennen")), ("no", _("Afwijzen"))],
        coerce=lambda value: value == "yes",
    )
    amount = AmountField(
        label=_("Toegekend bedrag (€)"),
        help_text=_("Leeg: het geadviseerde bedrag of het offertebedrag."),
    )
    start_date = forms.DateField(label=_("Startdatum"), required=False, widget=DATE)
    end_date = forms.DateField(
        label=_("Einddatum"),
        required=False,
        widget=DATE,
        help_text=_("Leeg: de standaardduur van deze soort arrangement."),
    )
    motivation = forms.CharField(label=_("Motivering"), widget=forms.Textarea(attrs={"rows": 5}))


class EvaluationForm(BsnGuardFormMixin, forms.Form):
    goals_met = forms.ChoiceField(label=_("Doelen behaald"), choices=Evaluation.GoalsMet.choices)
    evaluated_on = forms.DateField(label=_("Geëvalueerd op"), required=False, widget=DATE)
    notes = forms.CharField(label=_("Toelichting"), widget=forms.Textarea(attrs={"rows": 5}))


class ExtensionForm(BsnGuardFormMixin, forms.Form):
    new_end = forms.DateField(
        label=_("Nieuwe einddatum"),
        required=False,
        widget=DATE,
        help_text=_("Leeg: nog een standaardperiode."),
    )
    amount = AmountField(label=_("Extra bedrag (€)"))
    reason = forms.CharField(label=_("Reden"), widget=forms.Textarea(attrs={"rows": 4}))


class WithdrawForm(BsnGuardFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reden"), required=False, max_length=500)


class EmptyForm(forms.Form):
    pass
