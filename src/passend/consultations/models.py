"""Case consultation: kinds (inrichting), meetings, agenda, minutes, plans and OPP.

CO-01 kinds are configuration per SWV filling the six checklist points of bijlage 3;
CO-03 a meeting treats several cases with varying composition — who sees an agenda item is
decided by the ONE access policy on the item's case; CO-04 minutes with pseudonyms;
CO-05 1 kind 1 plan; CO-06 escalation; TLV-13 / CON-04 / AGE-04 for the OPP.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation, OrganisationKind
from passend.cases.models import Case
from passend.modelbase import PassendModel
from passend.privacy.categories import DataCategory


class Level(models.TextChoices):
    SCHOOL = "school", _("schoolniveau")
    NEIGHBOURHOOD = "neighbourhood", _("wijkniveau")
    MUNICIPALITY = "municipality", _("gemeenteniveau")
    SWV = "swv", _("niveau samenwerkingsverband")
    REGION = "region", _("regionaal")


class ChecklistPoint(models.TextChoices):
    """The six points of the checklist inrichting casusoverleg (seed 001 bijlage 3)."""

    PARTICIPANTS = "participants", _("1. Deelnemers en grondslag wettelijke taak")
    PURPOSE = "purpose", _("2. Doelstelling, doelgroep en doorzettingsmacht")
    DIRECTION = "direction", _("3. Procesregisseur en werkwijze")
    PARENTS = "parents", _("4. Ouders/jongeren")
    DATA = "data", _("5. Beheer persoonsgegevens")
    PHASES = "phases", _("6. Fasen van verwerking persoonsgegevens")


class ConsultationKind(PassendModel):
    """A kind of casusoverleg as an SWV has arranged it (CO-01): its bijlage 3 description.

    Without an SWV the row is a model from the covenant that an SWV adopts and adapts.
    """

    swv = models.ForeignKey(
        Organisation,
        verbose_name=_("samenwerkingsverband"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultation_kinds",
        limit_choices_to={"kind": OrganisationKind.SWV},
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("naam"), max_length=120)
    is_active = models.BooleanField(_("in gebruik"), default=True)
    # 1. Deelnemers
    level = models.CharField(_("niveau"), max_length=20, choices=Level.choices)
    participants_note = models.TextField(_("toelichting deelnemers"), blank=True)
    # 2. Doelstelling
    purpose = models.TextField(_("samenwerkingsdoel (doelbinding)"))
    individual_purpose = models.TextField(_("individueel verwerkingsdoel per partij"), blank=True)
    target_group = models.TextField(_("doelgroep"))
    trigger = models.TextField(_("wanneer (aanleiding)"), blank=True)
    has_enforcement_power = models.BooleanField(_("heeft doorzettingsmacht"), default=False)
    enforcement_note = models.TextField(_("toelichting doorzettingsmacht / opschaling"))
    # 3. Procesregisseur en werkwijze
    process_director = models.CharField(_("procesregisseur (bijeenroeper)"), max_length=300)
    case_director = models.CharField(_("casusregisseur (opvolging acties)"), max_length=300)
    contact_for_parents = models.CharField(
        _("aanspreekpunt ouders/jongeren voor gegevensverwerking"), max_length=300
    )
    # 4. Ouders/jongeren
    parents_informed_beforehand = models.TextField(_("ouders/jongeren vooraf geïnformeerd"))
    parents_invited = models.BooleanField(_("ouders met gezag worden uitgenodigd"), default=True)
    youth_invited = models.BooleanField(_("jongere vanaf 12 neemt deel"), default=True)
    parents_receive_minutes = models.BooleanField(
        _("ouders/jongeren ontvangen verslagen"), default=True
    )
    parents_informed_orally = models.BooleanField(
        _("ouders/jongeren worden mondeling geïnformeerd over uitkomsten"), default=False
    )
    consent_arrangement = models.TextField(_("toestemming voor delen bijzondere gegevens"))
    # 5. Beheer persoonsgegevens
    data_management = models.TextField(_("beheer persoonsgegevens"))
    minutes_made = models.BooleanField(_("er worden verslagen gemaakt"), default=True)
    minutes_use_pseudonyms = models.BooleanField(
        _("verslagen met pseudoniemen in plaats van namen"), default=False
    )
    minutes_sharing = models.TextField(_("hoe het verslag beveiligd wordt gedeeld"))
    # 6. Fasen
    phases = models.TextField(_("fasen van het overleg"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("soort casusoverleg")
        verbose_name_plural = _("soorten casusoverleg")
        ordering = ["swv_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["swv", "code"], name="kind_unique_code_per_swv"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(swv__isnull=True), name="kind_unique_model"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class KindParty(PassendModel):
    """A participating party of a kind with its legal task (checklist point 1, ORG-01)."""

    kind = models.ForeignKey(ConsultationKind, on_delete=models.CASCADE, related_name="parties")
    organisation_kind = models.CharField(
        _("soort organisatie"), max_length=32, choices=OrganisationKind.choices
    )
    function = models.CharField(_("functionaris"), max_length=200)
    legal_task = models.CharField(_("wettelijke taak / grondslag"), max_length=300)
    is_process_director = models.BooleanField(_("procesregisseur"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("deelnemende partij")
        verbose_name_plural = _("deelnemende partijen")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.function


class KindDeviation(PassendModel):
    """ "Pas toe of leg uit": a deviation from the covenant's description, with its reason."""

    kind = models.ForeignKey(ConsultationKind, on_delete=models.CASCADE, related_name="deviations")
    point = models.CharField(_("checklistpunt"), max_length=20, choices=ChecklistPoint.choices)
    deviation = models.TextField(_("afwijking"))
    reason = models.TextField(_("reden (leg uit)"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("afwijking (pas toe of leg uit)")
        verbose_name_plural = _("afwijkingen (pas toe of leg uit)")
        ordering = ["point", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.point}"


# --- Meetings --------------------------------------------------------------------------------


class Meeting(PassendModel):
    """One casusoverleg on a date. Its title and invitation never name a pupil (CO-04)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("gepland")
        HELD = "held", _("gehouden")
        CANCELLED = "cancelled", _("geannuleerd")

    kind = models.ForeignKey(
        ConsultationKind,
        verbose_name=_("soort overleg"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("bijeenroepende organisatie"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    convener = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("procesregisseur"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("begint om"))
    ends_at = models.DateTimeField(_("eindigt om"))
    location = models.CharField(_("plaats"), max_length=200, blank=True)
    video_link = models.URLField(_("videolink"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("overleg")
        verbose_name_plural = _("overleggen")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["convener", "starts_at"], name="meeting_convener")]

    def __str__(self) -> str:
        return f"{self.kind} {self.starts_at:%d-%m-%Y}"


class AgendaItem(PassendModel):
    """One case treated in a meeting (CO-03). Who sees it is decided on its case."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(
        Case, verbose_name=_("traject"), on_delete=models.PROTECT, related_name="agenda_items"
    )
    position = models.PositiveSmallIntegerField(_("volgorde"))
    starts_at = models.TimeField(_("tijd"), null=True, blank=True)
    # AGE-05: parents are not users; their invitation is recorded as a fact.
    parents_invited = models.BooleanField(_("ouders met gezag uitgenodigd"), default=False)
    parents_invited_on = models.DateField(_("ouders uitgenodigd op"), null=True, blank=True)
    parents_not_invited_reason = models.CharField(
        _("reden ouders niet uitgenodigd"), max_length=300, blank=True
    )
    youth_invited = models.BooleanField(_("jongere uitgenodigd"), default=False)
    supporter_note = models.CharField(_("ondersteuner van ouders"), max_length=200, blank=True)
    # Seed 000 §4 (AOJ): no written minutes for parents, but informed orally of the outcome.
    parents_informed_orally_on = models.DateField(
        _("ouders mondeling geïnformeerd op"), null=True, blank=True
    )
    parents_informed_by = models.CharField(_("geïnformeerd door"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agendapunt")
        verbose_name_plural = _("agendapunten")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case"], name="agenda_one_item_per_case"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}#{self.position}"


class AgendaInvitee(PassendModel):
    """A professional invited for one agenda item; also a participant of its case."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="invitees")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["invited_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="invitee_once_per_item"),
        ]
        indexes = [models.Index(fields=["user"], name="invitee_user")]

    def __str__(self) -> str:
        return f"{self.item_id}:{self.user_id}"


class Minutes(PassendModel):
    """The minutes of one agenda item, kept in the platform and shared by link only (CO-04)."""

    item = models.OneToOneField(AgendaItem, on_delete=models.CASCADE, related_name="minutes")
    body = models.TextField(_("verslag"))
    category = models.CharField(
        _("gegevenscategorie"),
        max_length=20,
        choices=DataCategory.choices,
        default=DataCategory.ORDINARY,
    )
    written_with_pseudonyms = models.BooleanField(_("geschreven met pseudoniemen"), default=False)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    supplied_by = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    finalised_at = models.DateTimeField(_("vastgesteld op"), null=True, blank=True)

    class Meta:
        verbose_name = _("verslag")
        verbose_name_plural = _("verslagen")

    def __str__(self) -> str:
        return f"verslag {self.item_id}"


class KnownName(PassendModel):
    """Names known to a case besides pupil and guardians (siblings …), for pseudonymising (CO-04)."""

    class Relation(models.TextChoices):
        SIBLING = "sibling", _("broer/zus")
        OTHER = "other", _("anders")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="known_names")
    name = models.CharField(_("naam"), max_length=200)
    relation = models.CharField(
        _("relatie"), max_length=20, choices=Relation.choices, default=Relation.SIBLING
    )

    class Meta:
        verbose_name = _("bekende naam")
        verbose_name_plural = _("bekende namen")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.relation


# --- Plan (1 kind 1 plan) ----------------------------------------------------------------------


class Party(models.TextChoices):
    """CO-05: goals per party."""

    YOUTH = "youth", _("jongere")
    PARENTS = "parents", _("ouders")
    SCHOOL = "school", _("school")
    YOUTH_CARE = "youth_care", _("jeugdhulp")


class Plan(PassendModel):
    """1 kind 1 plan (CO-05): one per case."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("lopend")
        EVALUATED = "evaluated", _("geëvalueerd")

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="plan")
    starts_on = models.DateField(_("plan gaat in op"))
    ends_on = models.DateField(_("plan loopt tot"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    evaluated_on = models.DateField(_("geëvalueerd op"), null=True, blank=True)
    evaluation = models.TextField(_("evaluatie met ouders/jongere"), blank=True)
    follow_up_until = models.DateField(_("volgen tot en met"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("plan van aanpak")
        verbose_name_plural = _("plannen van aanpak")

    def __str__(self) -> str:
        return f"plan {self.case_id}"


class Goal(PassendModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    party = models.CharField(_("partij"), max_length=20, choices=Party.choices)
    description = models.TextField(_("doel"))
    met = models.BooleanField(_("behaald"), null=True, blank=True)
    evaluation_note = models.CharField(_("toelichting evaluatie"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("doel")
        verbose_name_plural = _("doelen")
        ordering = ["party", "position", "id"]

    def __str__(self) -> str:
        return f"{self.party} #{self.pk}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("open")
    IN_PROGRESS = "in_progress", _("bezig")
    DONE = "done", _("gedaan")
    CANCELLED = "cancelled", _("vervallen")


OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class PlanAction(PassendModel):
    """A concrete action with owner and due date (CO-05)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    description = models.TextField(_("actie"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eigenaar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_party = models.CharField(_("partij"), max_length=20, choices=Party.choices)
    due_date = models.DateField(_("uiterlijk op"))
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_on = models.DateField(_("gedaan op"), null=True, blank=True)

    class Meta:
        verbose_name = _("actie")
        verbose_name_plural = _("acties")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="action_open_due")]

    def __str__(self) -> str:
        return f"actie {self.pk}"


class PlanRevision(PassendModel):
    """Adjusting the plan keeps its history: a snapshot of goals and actions before a change."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    summary = models.CharField(_("wijziging"), max_length=300)
    snapshot = models.JSONField(default=dict)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"plan {self.plan_id} v{self.version}"


class ProgressNote(PassendModel):
    """The casusregisseur reports progress to the overleg (CO-05)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="progress_notes")
    text = models.TextField(_("voortgang"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-written_at", "-id"]

    def __str__(self) -> str:
        return f"voortgang {self.pk}"


class EscalationDestination(models.TextChoices):
    """CO-06: where a case goes when the overleg has no doorzettingskracht."""

    STEERING_GROUP = "steering_group", _("Stuurgroep Thuiszitterspact")
    TASKFORCE = "taskforce", _("Taskforce Jongeren (gemeente)")
    BREAKTHROUGH = "breakthrough", _("Doorbraakaanpak")
    OTHER = "other", _("Anders")


class Escalation(PassendModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="escalations")
    destination = models.CharField(
        _("opgeschaald naar"), max_length=20, choices=EscalationDestination.choices
    )
    destination_other = models.CharField(_("anders, namelijk"), max_length=200, blank=True)
    reason = models.TextField(_("reden"))
    escalated_on = models.DateField(_("opgeschaald op"))
    outcome = models.TextField(_("uitkomst"), blank=True)
    outcome_on = models.DateField(_("uitkomst op"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-escalated_on", "-id"]

    def __str__(self) -> str:
        return f"escalatie {self.pk}"


# --- OPP ---------------------------------------------------------------------------------------


class ExitStage(models.TextChoices):
    """TLV-13: prognosis within 6 weeks after intake, provisional halfway, definitive a year before exit."""

    PROGNOSIS = "prognosis", _("prognose")
    PROVISIONAL = "provisional", _("voorlopig")
    DEFINITIVE = "definitive", _("definitief")


class Opp(PassendModel):
    """Ontwikkelingsperspectiefplan, part of the plan for pupils with extra support."""

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="opp")
    enrolment_date = models.DateField(_("datum inschrijving"))
    exit_perspective = models.CharField(_("uitstroomperspectief"), max_length=300)
    exit_stage = models.CharField(
        _("status uitstroomperspectief"),
        max_length=20,
        choices=ExitStage.choices,
        default=ExitStage.PROGNOSIS,
    )
    hindering_factors = models.TextField(_("belemmerende factoren"))
    promoting_factors = models.TextField(_("bevorderende factoren"))
    goals = models.TextField(_("doelen"))
    action_part = models.TextField(_("handelingsdeel"))
    # CON-04: parents' agreement with the handelingsdeel (not with the uitstroomprofiel).
    parents_agreed_on = models.DateField(_("ouders ingestemd op"), null=True, blank=True)
    parents_agreement_note = models.CharField(_("hoe ouders instemden"), max_length=300, blank=True)
    # AGE-04: the pupil's view.
    pupil_view = models.TextField(_("mening van de leerling"), blank=True)
    pupil_heard_on = models.DateField(_("leerling gehoord op"), null=True, blank=True)
    pupil_not_heard_reason = models.CharField(
        _("reden leerling niet gehoord"), max_length=300, blank=True
    )
    finalised_at = models.DateTimeField(_("vastgesteld op"), null=True, blank=True)
    evaluated_on = models.DateField(_("laatst geëvalueerd op"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ontwikkelingsperspectiefplan")
        verbose_name_plural = _("ontwikkelingsperspectiefplannen")

    def __str__(self) -> str:
        return f"opp {self.plan_id}"
