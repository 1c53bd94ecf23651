"""Arrangements: the SWV's own flex module / ECT (seed 000 §1 h, GLOSSARY "arrangement").

An SWV configures its arrangement kinds (fields, who may apply, who decides, standard
duration, budget per school year, amount limits). A school applies for a pupil; the ECT
advises; the SWV decides with a numbered decision and a period; the arrangement is evaluated
and may be extended.

Every row about a pupil hangs off a Case of kind ARRANGEMENT, so that the one access policy
decides who sees it (ORG-04). What the rows show is split in two data categories:
``METADATA_CATEGORY`` (kind, status, amounts, dates, numbers) and ``CONTENT_CATEGORY`` (the
support need, answers to the kind's extra fields, advice, motivation, evaluation notes).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation, OrganisationKind, Role
from passend.cases.models import Case
from passend.modelbase import PassendModel
from passend.privacy.categories import DataCategory

METADATA_CATEGORY = DataCategory.ORDINARY
CONTENT_CATEGORY = DataCategory.BEHAVIOUR

# Who may apply: people at a school (ORG-02). The bevoegd gezag is not a school and cannot
# open a case for a pupil (ORG-04), so it is not offered here.
APPLICANT_ROLE_CHOICES = [
    (Role.SUPPORT_COORDINATOR.value, Role.SUPPORT_COORDINATOR.label),
    (Role.BEHAVIOUR_EXPERT.value, Role.BEHAVIOUR_EXPERT.label),
]
APPLICANT_ROLES = frozenset(code for code, _label in APPLICANT_ROLE_CHOICES)


class DeciderRole(models.TextChoices):
    SWV_DIRECTOR = Role.SWV_DIRECTOR.value, _("Bestuur / directeur SWV")
    ECT_MEMBER = Role.ECT_MEMBER.value, _("Lid Expertise- en Consultatieteam")


class DurationUnit(models.TextChoices):
    WEEKS = "weeks", _("weken")
    MONTHS = "months", _("maanden")


class FieldType(models.TextChoices):
    TEXT = "text", _("tekst")
    NUMBER = "number", _("getal")
    DATE = "date", _("datum")
    CHOICE = "choice", _("keuze")


def default_applicant_roles() -> list[str]:
    return [Role.SUPPORT_COORDINATOR.value]


def validate_extra_fields(value: Any) -> None:
    """The kind's extra fields: a list of simple typed fields.

    ``[{"name": "hours", "label": "Uren per week", "type": "number", "required": true},
    {"name": "form", "label": "Vorm", "type": "choice", "choices": ["individueel", "groep"]}]``
    """
    if not isinstance(value, list):
        raise ValidationError(_("Extra velden: geef een lijst van velden."))
    names: set[str] = set()
    for position, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise ValidationError(
                _("Extra veld %(n)d: geef een object met name, label en type.") % {"n": position}
            )
        name = item.get("name")
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            raise ValidationError(
                _("Extra veld %(n)d: de naam bestaat uit letters, cijfers en _.") % {"n": position}
            )
        if name in names:
            raise ValidationError(_("Extra veld %(name)s komt twee keer voor.") % {"name": name})
        names.add(name)
        if not isinstance(item.get("label"), str) or not item["label"].strip():
            raise ValidationError(_("Extra veld %(name)s heeft geen label.") % {"name": name})
        if item.get("type") not in FieldType.values:
            raise ValidationError(
                _("Extra veld %(name)s: kies als type text, number, date of choice.")
                % {"name": name}
            )
        if item["type"] == FieldType.CHOICE:
            choices = item.get("choices")
            if (
                not isinstance(choices, list)
                or not choices
                or not all(isinstance(c, str) and c.strip() for c in choices)
            ):
                raise ValidationError(
                    _("Extra veld %(name)s: een keuzeveld heeft een lijst met keuzes.")
                    % {"name": name}
                )
        if "required" in item and not isinstance(item["required"], bool):
            raise ValidationError(
                _("Extra veld %(name)s: required is true of false.") % {"name": name}
            )


class ArrangementKind(PassendModel):
    """A kind of arrangement as the SWV configures it (functional administrator, audited)."""

    swv = models.ForeignKey(
        Organisation,
        verbose_name=_("samenwerkingsverband"),
        on_delete=models.PROTECT,
        related_name="arrangement_kinds",
        limit_choices_to={"kind": OrganisationKind.SWV},
    )
    name = models.CharField(_("naam"), max_length=200)
    description = models.TextField(_("omschrijving"), blank=True)
    extra_fields = models.JSONField(
        _("extra velden"),
        default=list,
        blank=True,
        validators=[validate_extra_fields],
        help_text=_(
            'Lijst van velden, bijvoorbeeld [{"name": "uren", "label": "Uren per week", '
            '"type": "number", "required": true}]. Typen: text, number, date, choice (met '
            '"choices": [...]).'
        ),
    )
    applicant_roles = models.JSONField(
        _("wie mag aanvragen"),
        default=default_applicant_roles,
        help_text=_("Rollen op school: support_coordinator, behaviour_expert."),
    )
    decider_role = models.CharField(
        _("wie besluit"),
        max_length=40,
        choices=DeciderRole.choices,
        default=DeciderRole.SWV_DIRECTOR,
    )
    duration_length = models.PositiveSmallIntegerField(
        _("standaardduur"), default=12, validators=[MinValueValidator(1)]
    )
    duration_unit = models.CharField(
        _("eenheid standaardduur"),
        max_length=10,
        choices=DurationUnit.choices,
        default=DurationUnit.WEEKS,
    )
    budget_per_school_year = models.DecimalField(
        _("budget per schooljaar (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Leeg: geen budgetbewaking voor deze soort."),
    )
    min_amount = models.DecimalField(
        _("minimumbedrag (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    max_amount = models.DecimalField(
        _("maximumbedrag (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    is_active = models.BooleanField(_("actief"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("soort arrangement")
        verbose_name_plural = _("soorten arrangementen")
        ordering = ["swv__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["swv", "name"], name="arrangement_kind_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        roles = self.applicant_roles
        if (
            not isinstance(roles, list)
            or not roles
            or not all(isinstance(r, str) and r in APPLICANT_ROLES for r in roles)
        ):
            errors["applicant_roles"] = _(
                "Kies een of meer schoolrollen: support_coordinator, behaviour_expert (ORG-02)."
            )
        if (
            self.min_amount is not None
            and self.max_amount is not None
            and self.min_amount > self.max_amount
        ):
            errors["max_amount"] = _("Het maximumbedrag is lager dan het minimumbedrag.")
        if self.swv_id and self.swv.kind != OrganisationKind.SWV:
            errors["swv"] = _("Kies een samenwerkingsverband (ORG-01).")
        if errors:
            raise ValidationError(errors)

    def field_specs(self) -> list[dict[str, Any]]:
        return list(self.extra_fields or [])


class Arrangement(PassendModel):
    """One application for an arrangement, and what became of it."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Aangevraagd")
        ADVISED = "advised", _("Advies uitgebracht")
        GRANTED = "granted", _("Toegekend")
        REFUSED = "refused", _("Afgewezen")
        EVALUATED = "evaluated", _("Geëvalueerd")
        WITHDRAWN = "withdrawn", _("Ingetrokken")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="arrangement")
    kind = models.ForeignKey(
        ArrangementKind,
        verbose_name=_("soort arrangement"),
        on_delete=models.PROTECT,
        related_name="arrangements",
    )
    swv = models.ForeignKey(
        Organisation,
        verbose_name=_("samenwerkingsverband"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    school = models.ForeignKey(
        Organisation,
        verbose_name=_("aanvragende school"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    support_need = models.TextField(_("ondersteuningsbehoefte en doelen"))
    values = models.JSONField(_("antwoorden op de extra velden"), default=dict, blank=True)
    quote_amount = models.DecimalField(
        _("offertebedrag (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    requested_start = models.DateField(_("gewenste startdatum"), null=True, blank=True)
    period_start = models.DateField(_("startdatum"), null=True, blank=True)
    period_end = models.DateField(_("einddatum"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    applied_on = models.DateField(_("aangevraagd op"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("arrangement")
        verbose_name_plural = _("arrangementen")
        ordering = ["-applied_on", "-id"]
        indexes = [models.Index(fields=["swv", "status"], name="arrangement_swv_status")]

    def __str__(self) -> str:
        return f"{self.kind} ({self.case_id})"


class Advice(PassendModel):
    """The ECT's advice to the decider."""

    class Outcome(models.TextChoices):
        GRANT = "grant", _("Toekennen")
        GRANT_CHANGED = "grant_changed", _("Toekennen met aanpassing")
        REFUSE = "refuse", _("Afwijzen")

    arrangement = models.OneToOneField(Arrangement, on_delete=models.CASCADE, related_name="advice")
    outcome = models.CharField(_("advies"), max_length=16, choices=Outcome.choices)
    advised_amount = models.DecimalField(
        _("geadviseerd bedrag (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    text = models.TextField(_("toelichting"))
    advised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    advised_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("advies")
        verbose_name_plural = _("adviezen")

    def __str__(self) -> str:
        return f"{self.arrangement_id} {self.outcome}"


class DecisionCounter(PassendModel):
    """Last decision number per SWV per year; locked (select_for_update) while numbering."""

    swv = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["swv", "year"], name="arrangement_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.swv_id} {self.year}: {self.last_number}"


class Decision(PassendModel):
    """The decision with its number (ARR-2026-0001, unique per SWV and year) and period."""

    arrangement = models.OneToOneField(
        Arrangement, on_delete=models.CASCADE, related_name="decision"
    )
    swv = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("jaar"))
    sequence = models.PositiveIntegerField(_("volgnummer"))
    number = models.CharField(_("besluitnummer"), max_length=20)
    granted = models.BooleanField(_("toegekend"))
    amount = models.DecimalField(
        _("toegekend bedrag (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    school_year = models.CharField(_("schooljaar"), max_length=9, blank=True)
    start_date = models.DateField(_("startdatum"), null=True, blank=True)
    end_date = models.DateField(_("einddatum"), null=True, blank=True)
    motivation = models.TextField(_("motivering"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(_("besloten op"))
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("besluit")
        verbose_name_plural = _("besluiten")
        constraints = [
            models.UniqueConstraint(
                fields=["swv", "year", "sequence"], name="arrangement_decision_unique_sequence"
            ),
            models.UniqueConstraint(
                fields=["swv", "number"], name="arrangement_decision_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Evaluation(PassendModel):
    """Did the arrangement reach its goals (CO-02 evaluatie)?"""

    class GoalsMet(models.TextChoices):
        YES = "yes", _("Ja")
        PARTLY = "partly", _("Gedeeltelijk")
        NO = "no", _("Nee")

    arrangement = models.ForeignKey(
        Arrangement, on_delete=models.CASCADE, related_name="evaluations"
    )
    goals_met = models.CharField(_("doelen behaald"), max_length=8, choices=GoalsMet.choices)
    notes = models.TextField(_("toelichting"))
    evaluated_on = models.DateField(_("geëvalueerd op"))
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evaluatie")
        verbose_name_plural = _("evaluaties")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.arrangement_id} {self.goals_met}"


class Extension(PassendModel):
    """A new period after an evaluation, with its reason and (optional) extra amount."""

    arrangement = models.ForeignKey(
        Arrangement, on_delete=models.CASCADE, related_name="extensions"
    )
    previous_end = models.DateField(_("vorige einddatum"))
    new_end = models.DateField(_("nieuwe einddatum"))
    reason = models.TextField(_("reden"))
    amount = models.DecimalField(
        _("extra bedrag (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    school_year = models.CharField(_("schooljaar"), max_length=9, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(_("besloten op"))
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("verlenging")
        verbose_name_plural = _("verlengingen")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.arrangement_id} -> {self.new_end}"
