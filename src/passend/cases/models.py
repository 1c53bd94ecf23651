"""Cases (trajecten), their phases, participants and data items (CO-02, ORG-03, CON-06/07)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation
from passend.modelbase import PassendModel
from passend.privacy.categories import DataCategory
from passend.pupils.models import Pupil


class CaseKind(models.TextChoices):
    SUPPORT = "support", _("Ondersteuningstraject")
    CONSULTATION = "consultation", _("Casusoverleg")
    TLV = "tlv", _("Toelaatbaarheidsverklaring")
    ARRANGEMENT = "arrangement", _("Arrangement")
    ATTENDANCE = "attendance", _("Verzuim")
    HOME_STAY = "home_stay", _("Thuiszitter")


# Kinds that the leerplichtambtenaar may be involved in (ABS-05: attendance module only).
ATTENDANCE_KINDS: frozenset[str] = frozenset({CaseKind.ATTENDANCE, CaseKind.HOME_STAY})


class Phase(models.TextChoices):
    """CO-02: each phase has its own minimal data set."""

    INTAKE = "intake", _("Intake / aanmelding")
    ASSESSMENT = "assessment", _("Beoordeling")
    PLAN = "plan", _("1 kind 1 plan")
    MONITORING = "monitoring", _("Monitoring")
    EVALUATION = "evaluation", _("Evaluatie")
    AFTERCARE = "aftercare", _("Nazorg")
    CLOSED = "closed", _("Afgemeld")


PHASE_ORDER: list[str] = list(Phase.values)

# CO-02 transitions. Monitoring and evaluation may return to the plan when it is adjusted;
# any open phase may be closed ("afgemeld"), e.g. when a request is withdrawn.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Phase.INTAKE: frozenset({Phase.ASSESSMENT, Phase.CLOSED}),
    Phase.ASSESSMENT: frozenset({Phase.PLAN, Phase.CLOSED}),
    Phase.PLAN: frozenset({Phase.MONITORING, Phase.CLOSED}),
    Phase.MONITORING: frozenset({Phase.EVALUATION, Phase.PLAN, Phase.CLOSED}),
    Phase.EVALUATION: frozenset({Phase.AFTERCARE, Phase.PLAN, Phase.CLOSED}),
    Phase.AFTERCARE: frozenset({Phase.CLOSED}),
    Phase.CLOSED: frozenset(),
}
# Phases from which on a case has a plan and so must name a casusregisseur (ORG-03).
PHASES_WITH_PLAN: frozenset[str] = frozenset(
    {Phase.PLAN, Phase.MONITORING, Phase.EVALUATION, Phase.AFTERCARE}
)
AFTERCARE_MAX_MONTHS = 6


class Case(PassendModel):
    """One support trajectory of one pupil: the unit of consent and retention."""

    class Status(models.TextChoices):
        OPEN = "open", _("Lopend")
        CLOSED = "closed", _("Afgemeld")

    kind = models.CharField(_("soort traject"), max_length=20, choices=CaseKind.choices)
    pupil = models.ForeignKey(
        Pupil,
        verbose_name=_("leerling"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    # CON-07: an anonymous case holds only this pseudonym. Every case has one, used in the
    # access log, in pseudonymised minutes and wherever a name is not needed.
    pseudonym = models.CharField(_("pseudoniem"), max_length=20, unique=True)
    is_anonymous = models.BooleanField(_("anoniem besproken"), default=False)
    title = models.CharField(_("korte omschrijving"), max_length=200, blank=True)
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("eigenaar"),
        on_delete=models.PROTECT,
        related_name="owned_cases",
    )
    process_director = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("procesregisseur"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    case_director = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("casusregisseur"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    phase = models.CharField(_("fase"), max_length=20, choices=Phase.choices, default=Phase.INTAKE)
    aftercare_until = models.DateField(_("nazorg tot en met"), null=True, blank=True)
    # AVG art. 18: while restricted only the procesregisseur may open the file.
    restricted_since = models.DateTimeField(_("beperkt sinds"), null=True, blank=True)
    opened_at = models.DateTimeField(_("geopend op"), auto_now_add=True)
    closed_at = models.DateTimeField(_("afgemeld op"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("traject")
        verbose_name_plural = _("trajecten")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "phase"], name="case_owner_phase"),
            models.Index(fields=["-opened_at", "-id"], name="case_recent"),
        ]

    def __str__(self) -> str:
        return self.pseudonym

    @property
    def status(self) -> str:
        return self.Status.CLOSED if self.phase == Phase.CLOSED else self.Status.OPEN

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)

    @property
    def display_name(self) -> str:
        if self.is_anonymous or self.pupil is None:
            return self.pseudonym
        return self.pupil.full_name


class Participant(PassendModel):
    """A party directly involved in a case (ORG-04), for a phase, until a date."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisatie"),
        on_delete=models.PROTECT,
        related_name="participations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persoon"),
        on_delete=models.PROTECT,
        related_name="participations",
    )
    role = models.CharField(_("rol in het traject"), max_length=100)
    legal_task = models.CharField(_("wettelijke taak"), max_length=200, blank=True)
    joined_phase = models.CharField(_("betrokken vanaf fase"), max_length=20, choices=Phase.choices)
    joined_at = models.DateTimeField(_("betrokken sinds"), auto_now_add=True)
    ended_at = models.DateTimeField(_("betrokken tot"), null=True, blank=True)
    end_reason = models.CharField(_("reden einde"), max_length=200, blank=True)
    # A copy of the case's opened_at (which never changes: auto_now_add), so that a person's
    # case list, newest first, is read in order from this table's index and stops after one
    # page, instead of sorting every case the person is involved in (issue 10).
    case_opened_at = models.DateTimeField(_("traject geopend op"), editable=False)
    # When the case's TLV application ended: decided (TLV-04; a decision completes every term
    # of the application and no status follows it) or withdrawn. Set on all the case's
    # participations by the decision (``services.record_tlv_decided``), and on a later one by
    # ``save`` from the case's others; empty while the application may still wait on someone,
    # and for a case without one. The start page's TLV work reads a person's participations
    # where it is empty, so that it reads their undecided applications instead of every one
    # they were ever involved in (issue 10: the busiest coordinator of the large region 1,414
    # participations, 121 undecided; a CvA secretary 8,044). A pre-filter only: its reader
    # still checks each application's status and open terms. ``IS NULL`` rather than a flag
    # so that the partial index is usable by a prepared statement (a flag's ``= %s`` is a
    # parameter, which neither PostgreSQL's generic plan nor SQLite can match to an index's
    # condition).
    case_tlv_ended_at = models.DateTimeField(
        _("TLV-aanvraag afgerond op"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("deelnemer")
        verbose_name_plural = _("deelnemers")
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user", "organisation"],
                condition=models.Q(ended_at__isnull=True),
                name="participant_one_active_per_person",
            )
        ]
        indexes = [
            models.Index(fields=["user", "ended_at"], name="participant_user_active"),
            # "My cases": the active participations of one user at one organisation, newest
            # case first, answered from the index alone: a list page reads its 50 entries in
            # order (issue 10: the busiest coordinator of the large benchmark region read ~1,070
            # table blocks per list page without an index, and sorted 1,414 cases without the
            # order in it).
            models.Index(
                fields=["user", "organisation", "-case_opened_at", "-case"],
                condition=models.Q(ended_at__isnull=True),
                name="participant_user_org_recent",
            ),
            # The start page's TLV work: the active participations of one user at one
            # organisation in cases whose TLV application has not ended (``case_tlv_ended_at``).
            models.Index(
                fields=["user", "organisation", "case"],
                condition=models.Q(ended_at__isnull=True, case_tlv_ended_at__isnull=True),
                name="participant_user_org_tlv_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.organisation})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.case_opened_at is None:
            self.case_opened_at = self.case.opened_at
        if self._state.adding and self.case_tlv_ended_at is None and self.case.kind == CaseKind.TLV:
            # The decision set it on every participation of its case.
            ended = Participant.objects.filter(
                case_id=self.case_id, case_tlv_ended_at__isnull=False
            )
            self.case_tlv_ended_at = ended.values_list("case_tlv_ended_at", flat=True).first()
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class PhaseDataPolicy(PassendModel):
    """CO-02: the data categories that participants who joined for a phase may see.

    Configuration, editable by a functional administrator; defaults in a data migration.
    """

    phase = models.CharField(_("fase"), max_length=20, choices=Phase.choices, unique=True)
    categories = models.JSONField(_("gegevenscategorieën"), default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("gegevens per fase")
        verbose_name_plural = _("gegevens per fase")

    def __str__(self) -> str:
        return str(self.get_phase_display())


class PhaseChange(PassendModel):
    """The timeline of phase transitions."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="phase_changes")
    from_phase = models.CharField(max_length=20, choices=Phase.choices, blank=True)
    to_phase = models.CharField(max_length=20, choices=Phase.choices)
    reason = models.CharField(_("toelichting"), max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_phase} -> {self.to_phase}"


class Hearing(PassendModel):
    """AGE-04 hoorrecht: the child was heard, or why not."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="hearings")
    heard_on = models.DateField(_("gehoord op"), null=True, blank=True)
    heard_by = models.CharField(_("gehoord door"), max_length=200, blank=True)
    child_view = models.TextField(_("mening van het kind"), blank=True)
    not_heard_reason = models.TextField(_("reden dat horen niet mogelijk was"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hoorrecht")
        verbose_name_plural = _("hoorrecht")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case} {self.heard_on or '-'}"


class CaseEntry(PassendModel):
    """One item of case data, tagged with its category and the party that supplied it (CON-06)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries")
    category = models.CharField(_("gegevenscategorie"), max_length=20, choices=DataCategory.choices)
    supplied_by = models.ForeignKey(
        Organisation,
        verbose_name=_("aangeleverd door"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    phase = models.CharField(_("fase"), max_length=20, choices=Phase.choices)
    title = models.CharField(_("onderwerp"), max_length=200)
    body = models.TextField(_("inhoud"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("gegeven")
        verbose_name_plural = _("gegevens")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ReuseApproval(PassendModel):
    """CON-06: the supplying party's approval to use an item beyond the case."""

    entry = models.ForeignKey(CaseEntry, on_delete=models.CASCADE, related_name="reuse_approvals")
    approved_for = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("voor")
    )
    purpose = models.CharField(_("doel"), max_length=300)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.entry_id} -> {self.approved_for_id}"
