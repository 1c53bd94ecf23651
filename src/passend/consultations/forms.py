"""Forms of case consultation. Shape only; the rules live in ``services`` (errors per field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import OrganisationKind
from passend.cases.forms import DATE_WIDGET, PassendForm
from passend.consultations.models import (
    ActionStatus,
    ChecklistPoint,
    ConsultationKind,
    EscalationDestination,
    ExitStage,
    KnownName,
    Level,
    Party,
)
from passend.privacy.categories import DataCategory

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT = forms.Textarea(attrs={"rows": 3})
PARTY_ROWS = 8


class KindForm(PassendForm):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Naam"), max_length=120)
    is_active = forms.BooleanField(label=_("In gebruik"), required=False, initial=True)
    level = forms.ChoiceField(label=_("Niveau (punt 1)"), choices=Level.choices)
    participants_note = forms.CharField(
        label=_("Toelichting deelnemers (punt 1)"), widget=TEXT, required=False
    )
    purpose = forms.CharField(label=_("Samenwerkingsdoel (punt 2)"), widget=TEXT)
    individual_purpose = forms.CharField(
        label=_("Individueel verwerkingsdoel (punt 2)"), widget=TEXT, required=False
    )
    target_group = forms.CharField(label=_("Doelgroep (punt 2)"), widget=TEXT)
    trigger = forms.CharField(label=_("Wanneer / aanleiding (punt 2)"), widget=TEXT, required=False)
    has_enforcement_power = forms.BooleanField(
        label=_("Heeft doorzettingsmacht (punt 2)"), required=False
    )
    enforcement_note = forms.CharField(
        label=_("Toelichting doorzettingsmacht en opschaling (punt 2)"), widget=TEXT
    )
    process_director = forms.CharField(
        label=_("Procesregisseur / bijeenroeper (punt 3)"), max_length=300
    )
    case_director = forms.CharField(
        label=_("Casusregisseur / opvolging acties (punt 3)"), max_length=300
    )
    contact_for_parents = forms.CharField(
        label=_("Aanspreekpunt ouders voor gegevensverwerking (punt 3)"), max_length=300
    )
    parents_informed_beforehand = forms.CharField(
        label=_("Ouders/jongeren vooraf geïnformeerd (punt 4)"), widget=TEXT
    )
    parents_invited = forms.BooleanField(
        label=_("Ouders met gezag worden uitgenodigd (punt 4)"), required=False
    )
    youth_invited = forms.BooleanField(
        label=_("Jongere vanaf 12 neemt deel (punt 4)"), required=False
    )
    parents_receive_minutes = forms.BooleanField(
        label=_("Ouders/jongeren ontvangen verslagen (punt 4)"), required=False
    )
    parents_informed_orally = forms.BooleanField(
        label=_("Ouders worden mondeling geïnformeerd over uitkomsten (punt 4)"), required=False
    )
    consent_arrangement = forms.CharField(
        label=_("Toestemming delen bijzondere gegevens (punt 4)"), widget=TEXT
    )
    data_management = forms.CharField(label=_("Beheer persoonsgegevens (punt 5)"), widget=TEXT)
    minutes_made = forms.BooleanField(
        label=_("Er worden verslagen gemaakt (punt 5)"), required=False
    )
    minutes_use_pseudonyms = forms.BooleanField(
        label=_("Verslagen met pseudoniemen (punt 5)"), required=False
    )
    minutes_sharing = forms.CharField(
        label=_("Hoe het verslag beveiligd wordt gedeeld (punt 5)"), widget=TEXT
    )
    phases = forms.CharField(label=_("Fasen (punt 6)"), widget=TEXT)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index in range(PARTY_ROWS):
            self.fields[f"party_{index}_function"] = forms.CharField(
                label=_("Deelnemer %(n)d: functionaris") % {"n": index + 1},
                max_length=200,
                required=False,
            )
            self.fields[f"party_{index}_organisation_kind"] = forms.ChoiceField(
                label=_("Deelnemer %(n)d: soort organisatie") % {"n": index + 1},
                choices=[("", "—"), *OrganisationKind.choices],
                required=False,
            )
            self.fields[f"party_{index}_legal_task"] = forms.CharField(
                label=_("Deelnemer %(n)d: wettelijke taak") % {"n": index + 1},
                max_length=300,
                required=False,
            )
            self.fields[f"party_{index}_is_process_director"] = forms.BooleanField(
                label=_("Deelnemer %(n)d is procesregisseur") % {"n": index + 1}, required=False
            )
        if editing:
            self.fields["code"].disabled = True

    def parties(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "function": data.get(f"party_{i}_function", ""),
                "organisation_kind": data.get(f"party_{i}_organisation_kind", ""),
                "legal_task": data.get(f"party_{i}_legal_task", ""),
                "is_process_director": data.get(f"party_{i}_is_process_director", False),
            }
            for i in range(PARTY_ROWS)
        ]

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if not k.startswith("party_")}

    @staticmethod
    def initial_for(kind: Any) -> dict[str, Any]:
        from django.forms.models import model_to_dict

        initial = model_to_dict(kind)
        for index, party in enumerate(kind.parties.all()[:PARTY_ROWS]):
            initial[f"party_{index}_function"] = party.function
            initial[f"party_{index}_organisation_kind"] = party.organisation_kind
            initial[f"party_{index}_legal_task"] = party.legal_task
            initial[f"party_{index}_is_process_director"] = party.is_process_director
        return initial


class DeviationForm(PassendForm):
    point = forms.ChoiceField(label=_("Checklistpunt"), choices=ChecklistPoint.choices)
    deviation = forms.CharField(label=_("Afwijking"), widget=TEXT)
    reason = forms.CharField(label=_("Reden (leg uit)"), widget=TEXT)


class MeetingForm(PassendForm):
    kind: forms.ModelChoiceField[ConsultationKind] = forms.ModelChoiceField(
        label=_("Soort overleg"), queryset=ConsultationKind.objects.none()
    )
    starts_at = forms.DateTimeField(label=_("Begint om"), widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(label=_("Eindigt om"), widget=DATETIME_WIDGET)
    location = forms.CharField(label=_("Plaats"), max_length=200, required=False)
    video_link = forms.URLField(label=_("Videolink"), required=False)

    def __init__(self, *args: Any, kinds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = kinds  # type: ignore[attr-defined]


class CaseSearchForm(PassendForm):
    """Finds a case for the agenda by name or pseudonym; posted, a name never goes in a URL."""

    hide_optional_marker = True
    q = forms.CharField(
        label=_("Zoek een traject op naam of pseudoniem"),
        max_length=100,
        required=False,
        help_text=_("U vindt een leerling op naam alleen als u de naam mag zien."),
    )


class AgendaItemForm(PassendForm):
    case = forms.ChoiceField(label=_("Traject"))
    invitees = forms.CharField(
        label=_("Genodigden voor dit agendapunt"),
        required=False,
        widget=TEXT,
        help_text=_(
            "Eén per regel: gebruikersnaam of e-mailadres, een spatie en de organisatie-id. "
            "Wie nog geen deelnemer is, wordt deelnemer van het traject (CO-03)."
        ),
    )
    parents_invited = forms.BooleanField(
        label=_("Ouders met gezag uitgenodigd (AGE-05)"), required=False
    )
    parents_invited_on = forms.DateField(
        label=_("Ouders uitgenodigd op"), widget=DATE_WIDGET, required=False
    )
    parents_not_invited_reason = forms.CharField(
        label=_("Reden ouders niet uitgenodigd"), max_length=300, required=False
    )
    youth_invited = forms.BooleanField(label=_("Jongere uitgenodigd"), required=False)
    supporter_note = forms.CharField(
        label=_("Ondersteuner van ouders"), max_length=200, required=False
    )

    def __init__(self, *args: Any, cases: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only a case the viewer manages is accepted (CO-03): say so, not just "pick one".
        self.fields["case"].error_messages["invalid_choice"] = _(
            "Kies bij „Traject” een traject dat u beheert en dat niet is afgemeld; zoek het zo "
            "nodig op naam of pseudoniem."
        )
        self.offer(cases)

    def offer(self, cases: list[tuple[str, str]]) -> None:
        """The cases in the choice list, after an empty choice: none is picked by accident."""
        self.fields["case"].choices = [("", _("— kies een traject —")), *cases]  # type: ignore[attr-defined]


class MinutesForm(PassendForm):
    body = forms.CharField(label=_("Verslag"), widget=forms.Textarea(attrs={"rows": 10}))
    category = forms.ChoiceField(label=_("Gegevenscategorie"), choices=DataCategory.choices)
    with_pseudonyms = forms.BooleanField(
        label=_("Namen vervangen door het pseudoniem (CO-04)"), required=False
    )
    finalise = forms.BooleanField(
        label=_("Verslag vaststellen en delen via een link"), required=False
    )


class OrallyInformedForm(PassendForm):
    informed_on = forms.DateField(label=_("Ouders mondeling geïnformeerd op"), widget=DATE_WIDGET)
    informed_by = forms.CharField(label=_("Geïnformeerd door"), max_length=200)


class KnownNameForm(PassendForm):
    name = forms.CharField(label=_("Naam"), max_length=200)
    relation = forms.ChoiceField(label=_("Relatie"), choices=KnownName.Relation.choices)


class PlanForm(PassendForm):
    starts_on = forms.DateField(label=_("Plan gaat in op"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("Plan loopt tot"), widget=DATE_WIDGET)


class GoalForm(PassendForm):
    party = forms.ChoiceField(label=_("Partij"), choices=Party.choices)
    description = forms.CharField(label=_("Doel"), widget=TEXT)


class ActionForm(PassendForm):
    description = forms.CharField(label=_("Actie"), widget=TEXT)
    owner_party = forms.ChoiceField(label=_("Partij"), choices=Party.choices)
    owner = forms.ChoiceField(label=_("Eigenaar"), required=False)
    due_date = forms.DateField(label=_("Uiterlijk op"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, users: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.users = {str(u.pk): u for u in users}
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(str(u.pk), u.get_full_name() or u.get_username()) for u in users],
        ]

    def owner_user(self) -> Any:
        return self.users.get(self.cleaned_data.get("owner") or "")


class ActionStatusForm(PassendForm):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)


class ProgressForm(PassendForm):
    text = forms.CharField(label=_("Voortgang"), widget=TEXT)


class EvaluationForm(PassendForm):
    evaluated_on = forms.DateField(label=_("Geëvalueerd op"), widget=DATE_WIDGET)
    evaluation = forms.CharField(label=_("Evaluatie met ouders/jongere"), widget=TEXT)
    follow_up_until = forms.DateField(
        label=_("Volgen tot en met (hooguit 6 maanden na het plan)"),
        widget=DATE_WIDGET,
        required=False,
    )

    def __init__(self, *args: Any, goals: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goals = goals
        for goal in goals:
            self.fields[f"goal_{goal.pk}_met"] = forms.ChoiceField(
                label=_("Doel behaald: %(goal)s") % {"goal": goal.description[:80]},
                choices=[("yes", _("behaald")), ("no", _("niet behaald"))],
            )
            self.fields[f"goal_{goal.pk}_note"] = forms.CharField(
                label=_("Toelichting"), max_length=500, required=False
            )

    def goal_results(self) -> dict[int, tuple[bool, str]]:
        return {
            g.pk: (
                self.cleaned_data[f"goal_{g.pk}_met"] == "yes",
                self.cleaned_data.get(f"goal_{g.pk}_note", ""),
            )
            for g in self.goals
        }


class EscalationForm(PassendForm):
    destination = forms.ChoiceField(
        label=_("Opgeschaald naar"), choices=EscalationDestination.choices
    )
    destination_other = forms.CharField(label=_("Anders, namelijk"), max_length=200, required=False)
    reason = forms.CharField(label=_("Reden"), widget=TEXT)
    escalated_on = forms.DateField(label=_("Opgeschaald op"), widget=DATE_WIDGET)


class EscalationOutcomeForm(PassendForm):
    outcome = forms.CharField(label=_("Uitkomst"), widget=TEXT)
    outcome_on = forms.DateField(label=_("Uitkomst op"), widget=DATE_WIDGET)


class OppForm(PassendForm):
    enrolment_date = forms.DateField(label=_("Datum inschrijving"), widget=DATE_WIDGET)
    exit_perspective = forms.CharField(label=_("Uitstroomperspectief"), max_length=300)
    exit_stage = forms.ChoiceField(
        label=_("Status uitstroomperspectief (TLV-13)"), choices=ExitStage.choices
    )
    hindering_factors = forms.CharField(label=_("Belemmerende factoren"), widget=TEXT)
    promoting_factors = forms.CharField(label=_("Bevorderende factoren"), widget=TEXT)
    goals = forms.CharField(label=_("Doelen"), widget=TEXT)
    action_part = forms.CharField(label=_("Handelingsdeel"), widget=TEXT)


class OppAgreementForm(PassendForm):
    agreed_on = forms.DateField(label=_("Ouders ingestemd op"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("Hoe ouders instemden"), max_length=300)


class OppPupilViewForm(PassendForm):
    heard_on = forms.DateField(label=_("Leerling gehoord op"), widget=DATE_WIDGET, required=False)
    pupil_view = forms.CharField(label=_("Mening van de leerling"), widget=TEXT, required=False)
    not_heard_reason = forms.CharField(
        label=_("Reden leerling niet gehoord"), max_length=300, required=False
    )


class OppEvaluationForm(PassendForm):
    evaluated_on = forms.DateField(label=_("Geëvalueerd op"), widget=DATE_WIDGET)
    exit_stage = forms.ChoiceField(
        label=_("Status uitstroomperspectief (TLV-13)"), choices=ExitStage.choices
    )


class ConfirmForm(PassendForm):
    """A POST with only a CSRF token (finalise, adopt …)."""
