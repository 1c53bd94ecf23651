"""Forms of the case screens (trajecten) and the consent screens (CON-01..05).

The forms only check the shape of the input; every rule is checked by the services, whose
``ValidationError`` dicts are put back on the fields by ``apply_service_errors``. Every text
field passes the BSN guard (AGE-02). Every error names its field in Dutch.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from passend.bsn_guard import BsnGuardFormMixin
from passend.cases.models import ALLOWED_TRANSITIONS, CaseKind, Phase
from passend.consent.models import STATUTORY_GROUNDS, ConsentMethod, LegalBasis
from passend.privacy.categories import DataCategory

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "utrecht-textbox"}, format="%Y-%m-%d")


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Puts a service's ValidationError on the form: per field, unknown fields as non-field."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = name if name in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        for message in error.messages:
            form.add_error(None, message)


class PassendForm(BsnGuardFormMixin, forms.Form):
    """Dutch messages that name the field; NL Design System classes on every widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            label = str(field.label or "")
            field.error_messages["required"] = gettext("Vul „%(label)s” in.") % {"label": label}
            field.error_messages["invalid_choice"] = gettext(
                "Kies bij „%(label)s” een van de mogelijkheden."
            ) % {"label": label}
            field.error_messages["invalid_pk_value"] = field.error_messages["invalid_choice"]
            field.error_messages["invalid_list"] = field.error_messages["invalid_choice"]
            if isinstance(field, forms.DateField):
                field.error_messages["invalid"] = gettext(
                    "Vul bij „%(label)s” een geldige datum in (dd-mm-jjjj)."
                ) % {"label": label}
            if isinstance(field, forms.IntegerField):
                field.error_messages["invalid"] = gettext("Vul bij „%(label)s” een getal in.") % {
                    "label": label
                }
            if isinstance(field, forms.CharField) and field.max_length:
                field.error_messages["max_length"] = gettext(
                    "„%(label)s” is te lang: hooguit %(n)d tekens."
                ) % {"label": label, "n": field.max_length}
            widget = field.widget
            css = widget.attrs.get("class", "")
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = (
                    f"{css} utrecht-checkbox utrecht-checkbox--html-input".strip()
                )
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = f"{css} utrecht-select utrecht-select--html-select".strip()
            elif isinstance(widget, forms.Textarea):
                widget.attrs["class"] = (
                    f"{css} utrecht-textarea utrecht-textarea--html-textarea".strip()
                )
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs["class"] = f"{css} utrecht-textbox utrecht-textbox--html-input".strip()

    @property
    def has_field_groups(self) -> bool:
        """Has a group of checkboxes, rendered as a fieldset with a legend."""
        return any(field.widget.use_fieldset for field in self.fields.values())


def _category_field(label: Any = None, *, required: bool = True) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label or _("Welke gegevens"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=required,
    )


# --- List ------------------------------------------------------------------------------------


class CaseFilterForm(PassendForm):
    """Filters of "Mijn trajecten". ``q`` (a name can be in it) is only accepted by POST."""

    fase = forms.ChoiceField(
        label=_("Fase"), choices=[("", _("Alle fasen")), *Phase.choices], required=False
    )
    soort = forms.ChoiceField(
        label=_("Soort traject"),
        choices=[("", _("Alle soorten")), *CaseKind.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Lopend en afgemeld")), ("open", _("Lopend")), ("closed", _("Afgemeld"))],
        required=False,
    )
    q = forms.CharField(
        label=_("Zoek op naam of pseudoniem"),
        max_length=100,
        required=False,
        help_text=_("U vindt een leerling op naam alleen als u de naam mag zien."),
    )


# --- New case --------------------------------------------------------------------------------


class PupilChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} ({obj.birth_date:%d-%m-%Y})"


class OpenCaseForm(PassendForm):
    kind = forms.ChoiceField(label=_("Soort traject"), choices=CaseKind.choices)
    is_anonymous = forms.BooleanField(
        label=_("Anoniem bespreken"),
        required=False,
        help_text=_(
            "Het traject bevat dan geen leerling en geen persoonsgegevens, alleen een pseudoniem "
            "(CON-07)."
        ),
    )
    pupil = PupilChoiceField(
        label=_("Leerling"),
        queryset=None,
        required=False,
        empty_label=_("— kies een leerling —"),
        help_text=_("Leerlingen die nu bij uw organisatie staan ingeschreven."),
    )
    title = forms.CharField(label=_("Korte omschrijving"), max_length=200, required=False)

    def __init__(self, *args: Any, pupils: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils  # type: ignore[attr-defined]


# --- Participants ----------------------------------------------------------------------------


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class ParticipantForm(PassendForm):
    organisation = OrganisationChoiceField(
        label=_("Organisatie"), queryset=None, empty_label=_("— kies een organisatie —")
    )
    user = forms.CharField(
        label=_("Persoon (gebruikersnaam of e-mailadres)"),
        max_length=150,
        help_text=_("De medewerker moet een actief lidmaatschap bij deze organisatie hebben."),
    )
    role = forms.CharField(label=_("Rol in het traject"), max_length=100)
    legal_task = forms.CharField(
        label=_("Wettelijke taak"),
        max_length=200,
        required=False,
        help_text=_("Leeg: de grondslag van de organisatie (ORG-01)."),
    )
    joined_phase = forms.ChoiceField(
        label=_("Betrokken vanaf fase"),
        help_text=_("De deelnemer ziet alleen de gegevens die deze fase nodig heeft (CO-02)."),
    )
    bsn_guard_exempt = ("user",)

    def __init__(self, *args: Any, organisations: Any, current_phase: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        phase_field: forms.ChoiceField = self.fields["joined_phase"]  # type: ignore[assignment]
        phase_field.choices = [(p.value, p.label) for p in Phase if p != Phase.CLOSED]
        self.initial.setdefault("joined_phase", current_phase)


class EndParticipantForm(PassendForm):
    reason = forms.CharField(
        label=_("Reden einde deelname"), max_length=200, widget=forms.TextInput()
    )


# --- Directors and phase (optimistic locking) ------------------------------------------------


class VersionedForm(PassendForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class _UserChoices:
    @staticmethod
    def choices(users: Iterable[Any], *, blank: str | None) -> list[tuple[str, str]]:
        options = [(str(u.pk), u.get_full_name() or u.get_username()) for u in users]
        return [("", blank), *options] if blank is not None else options


class DirectorsForm(VersionedForm):
    process_director = forms.ChoiceField(label=_("Procesregisseur"))
    case_director = forms.ChoiceField(label=_("Casusregisseur"), required=False)

    def __init__(self, *args: Any, users: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._users = {str(u.pk): u for u in users}
        pd: forms.ChoiceField = self.fields["process_director"]  # type: ignore[assignment]
        cd: forms.ChoiceField = self.fields["case_director"]  # type: ignore[assignment]
        pd.choices = _UserChoices.choices(users, blank=str(_("— kies —")))
        cd.choices = _UserChoices.choices(users, blank=str(_("— nog geen casusregisseur —")))

    def user(self, name: str) -> Any | None:
        return self._users.get(self.cleaned_data.get(name) or "")


class PhaseForm(VersionedForm):
    to_phase = forms.ChoiceField(label=_("Naar fase"))
    reason = forms.CharField(
        label=_("Toelichting"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    aftercare_until = forms.DateField(
        label=_("Nazorg tot en met"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Alleen bij nazorg: hooguit 6 maanden (CO-02). Leeg: 6 maanden."),
    )

    def __init__(self, *args: Any, current_phase: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = ALLOWED_TRANSITIONS.get(current_phase, frozenset())
        field: forms.ChoiceField = self.fields["to_phase"]  # type: ignore[assignment]
        field.choices = [(p.value, p.label) for p in Phase if p.value in allowed]


# --- Hearing (AGE-04) and entries ------------------------------------------------------------


class HearingForm(PassendForm):
    heard_on = forms.DateField(label=_("Gehoord op"), required=False, widget=DATE_WIDGET)
    heard_by = forms.CharField(label=_("Gehoord door"), max_length=200, required=False)
    child_view = forms.CharField(
        label=_("Mening van het kind"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    not_heard_reason = forms.CharField(
        label=_("Reden dat horen niet mogelijk was"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Alleen invullen als het kind niet is gehoord (AGE-04)."),
    )


class EntryForm(PassendForm):
    category = forms.ChoiceField(label=_("Gegevenscategorie"), choices=DataCategory.choices)
    title = forms.CharField(label=_("Onderwerp"), max_length=200)
    body = forms.CharField(label=_("Inhoud"), widget=forms.Textarea(attrs={"rows": 6}))


# --- Consent, legal grounds, compelling interest (CON-01..05) ---------------------------------


class _OrganisationsMixin:
    """Organisation choices from the case's participants (already loaded: no query)."""

    def _set_organisations(self, name: str, organisations: list[Any], *, blank: bool) -> None:
        self._organisations = {str(o.pk): o for o in organisations}
        field: forms.ChoiceField = self.fields[name]  # type: ignore[attr-defined]
        options = [(str(o.pk), o.name) for o in organisations]
        field.choices = [("", str(_("— kies een organisatie —"))), *options] if blank else options

    def organisation_for(self, value: str) -> Any:
        return self._organisations[value]


class ConsentForm(_OrganisationsMixin, PassendForm):
    parties = forms.MultipleChoiceField(
        label=_("Met wie"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("De organisaties met wie de gegevens gedeeld worden (CON-01)."),
    )
    categories = _category_field()
    given_by_pupil = forms.BooleanField(label=_("Gegeven door de leerling"), required=False)
    given_by_guardians = forms.MultipleChoiceField(
        label=_("Gegeven door ouders/verzorgers"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Wie toestemming geeft, hangt af van de leeftijd van de leerling (AGE-03)."),
    )
    given_on = forms.DateField(label=_("Gegeven op"), widget=DATE_WIDGET)
    form_version = forms.CharField(label=_("Versie toestemmingsformulier"), max_length=40)
    method = forms.ChoiceField(label=_("Hoe gegeven"), choices=ConsentMethod.choices)
    evidence = forms.CharField(
        label=_("Bewijs (vindplaats)"),
        max_length=300,
        required=False,
        help_text=_("Bijvoorbeeld waar de scan van het formulier staat. Geen BSN (AGE-02)."),
    )

    def __init__(
        self,
        *args: Any,
        organisations: list[Any],
        guardians: list[Any],
        show_guardian_names: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._set_organisations("parties", organisations, blank=False)
        field: forms.MultipleChoiceField = self.fields["given_by_guardians"]  # type: ignore[assignment]
        field.choices = [
            (
                str(g.pk),
                f"{g.full_name} ({g.get_relation_display()})"
                if show_guardian_names
                else f"{g.get_relation_display()} {index}",
            )
            for index, g in enumerate(guardians, start=1)
        ]

    def chosen_parties(self) -> list[Any]:
        return [self.organisation_for(pk) for pk in self.cleaned_data["parties"]]

    def guardian_ids(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data["given_by_guardians"]]


class RevokeConsentForm(PassendForm):
    note = forms.CharField(label=_("Toelichting intrekking"), max_length=300, required=False)


class LegalGroundForm(_OrganisationsMixin, PassendForm):
    organisation = forms.ChoiceField(label=_("Organisatie"))
    basis = forms.ChoiceField(
        label=_("Wettelijke grondslag"),
        choices=[(b, LegalBasis(b).label) for b in STATUTORY_GROUNDS],
    )
    categories = _category_field()
    note = forms.CharField(label=_("Toelichting"), max_length=500, required=False)
    parents_informed_on = forms.DateField(
        label=_("Ouders geïnformeerd op"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Ook zonder toestemming worden ouders geïnformeerd (CON-04)."),
    )

    def __init__(self, *args: Any, organisations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_organisations("organisation", organisations, blank=True)


class JustificationForm(_OrganisationsMixin, PassendForm):
    organisation = forms.ChoiceField(label=_("Met wie"))
    categories = _category_field()
    reason = forms.CharField(
        label=_("Onderbouwing"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Wie, waarom, welk gevaar en welke gegevens. Dit besluit wordt gemeld aan de FG "
            "(CON-05)."
        ),
    )

    def __init__(self, *args: Any, organisations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_organisations("organisation", organisations, blank=True)


# --- Choosing a pupil out of many --------------------------------------------------------------

# An SWV may open a case for every pupil of its schools: 20,000 at region scale, a 1.2 MB page
# that takes seconds to render and shows every pupil's name and birth date to whoever opens the
# form. Above this many, the form asks for a search first and offers only the matches.
PUPIL_CHOICES_SHOWN = 200
PUPIL_SEARCH_BUTTON = "zoek_leerling"


class PupilSearchInput(forms.TextInput):
    """The search field with its own submit button (the search goes in the POST body, never
    in the URL: a pupil's name is personal data)."""

    template_name = "cases/widgets/pupil_search.html"

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["button_name"] = PUPIL_SEARCH_BUTTON
        return context


def searching_for_pupil(request: Any) -> bool:
    return request.method == "POST" and PUPIL_SEARCH_BUTTON in request.POST


def pupil_form_args(request: Any) -> dict[str, Any]:
    """The data of a form with a pupil choice: a search re-shows the form as typed, unchecked
    (``initial``), anything else posted is validated as usual (``data``)."""
    if searching_for_pupil(request):
        return {"data": None, "initial": request.POST.dict()}
    return {"data": request.POST if request.method == "POST" else None}


def limit_pupil_choices(form: forms.BaseForm, request: Any, name: str = "pupil") -> None:
    """When the form's pupil choice is long, add a search field before it and offer only the
    matches (every word in the name, or the pupil number; at most ``PUPIL_CHOICES_SHOWN``),
    plus a pupil already chosen. The field still accepts every pupil of its queryset: what is
    offered is narrowed, not what is allowed (that stays ``openable_pupils``)."""
    field = form.fields[name]
    everyone = field.queryset.order_by()  # type: ignore[attr-defined]
    if len(everyone.values_list("pk", flat=True)[: PUPIL_CHOICES_SHOWN + 1]) <= PUPIL_CHOICES_SHOWN:
        return
    search = str(request.POST.get("pupil_search", "")).strip() if request.method == "POST" else ""
    ids: list[int] = []
    if search:
        condition = Q()
        for word in search.split()[:4]:
            condition &= (
                Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(source_key=word)
            )
        ids = list(
            everyone.filter(condition).values_list("pk", flat=True)[: PUPIL_CHOICES_SHOWN + 1]
        )
    more = len(ids) > PUPIL_CHOICES_SHOWN
    ids = ids[:PUPIL_CHOICES_SHOWN]
    found = len(ids)
    chosen = form.data.get(name) if form.is_bound else form.initial.get(name)
    if chosen and str(chosen).isdigit() and everyone.filter(pk=int(chosen)).exists():
        ids.append(int(chosen))
    # A shallow copy shares the widget: giving it the narrowed queryset gives the widget those
    # choices, while the form's own field keeps validating against every openable pupil.
    display = copy.copy(field)
    display.queryset = everyone.model.objects.filter(pk__in=ids).order_by(  # type: ignore[attr-defined]
        "last_name", "first_name", "pk"
    )
    help_text: Any
    if not search:
        help_text = _("Typ (een deel van) de naam of het leerlingnummer en kies Zoeken.")
    elif more:
        help_text = _(
            "Meer dan %(max)s leerlingen gevonden; de eerste %(max)s staan hieronder. Maak de "
            "zoekopdracht preciezer (voornaam en achternaam, of het leerlingnummer)."
        ) % {"max": PUPIL_CHOICES_SHOWN}
    elif found:
        help_text = _("%(n)s leerlingen gevonden; kies hieronder.") % {"n": found}
    else:
        help_text = _("Geen leerling gevonden; controleer de naam of het leerlingnummer.")
    search_field = forms.CharField(
        label=_("Leerling zoeken"),
        required=False,
        max_length=100,
        widget=PupilSearchInput(
            attrs={"class": "utrecht-textbox utrecht-textbox--html-input", "autocomplete": "off"}
        ),
        help_text=help_text,
    )
    ordered: dict[str, forms.Field] = {}
    for key, value in form.fields.items():
        if key == name:
            ordered["pupil_search"] = search_field
        ordered[key] = value
    form.fields = ordered
    if not form.is_bound:
        form.initial.setdefault("pupil_search", search)
