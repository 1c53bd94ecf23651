"""Absence, DUO reports, leerplicht notes and thuiszitters (ABS-01..05, CO-07).

* ``AbsenceRecord``: one absence from a school's pupil administration (import) or typed by hand,
  idempotent on its ``record_key`` (school, source and the hashed record id).
* ``ReportableAbsence``: the system's finding that a pupil is "meldplichtig" (ABS-01, or the
  "overig verzuim" path of ABS-02), with its evidence and the DUO-report term.
* ``DuoReport``: the school's report to DUO (kind, date, reference); it gives the municipality
  (leerplicht) the legal ground on the attendance case (CON-04, ABS-03).
* ``OfficerNote`` (person level, only after a DUO report) and ``PreventiveNote`` (school level,
  without any pupil field) for the leerplichtambtenaar (ABS-03).
* ``HomeStay``: a thuiszitter registration on a case of kind HOME_STAY (ABS-04).
* ``AttendanceRules``: the configurable numbers (one row, defaults from a data migration).

docs/modules/attendance.md explains the rules; docs/imports-absence.md the import columns.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation
from passend.cases.models import Case
from passend.modelbase import PassendModel
from passend.pupils.models import ImportSource, Pupil
from passend.terms.models import Term

MANUAL_SOURCE = "manual"


class AttendanceRules(PassendModel):
    """The numbers of ABS-01/ABS-04 and the Inspectie export, editable by a functional
    administrator (one row; the admin audits each change)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    threshold_hours = models.DecimalField(
        _("meldplicht vanaf (uur ongeoorloofd verzuim)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("16"),
        validators=[MinValueValidator(Decimal("1"))],
    )
    window_school_weeks = models.PositiveSmallIntegerField(
        _("binnen (lesweken)"), default=4, validators=[MinValueValidator(1)]
    )
    long_term_school_weeks = models.PositiveSmallIntegerField(
        _("langdurig verzuim: meer dan (lesweken)"), default=4, validators=[MinValueValidator(1)]
    )
    detection_lookback_days = models.PositiveSmallIntegerField(
        _("signaleren over de laatste (dagen)"),
        default=180,
        validators=[MinValueValidator(28), MaxValueValidator(730)],
    )
    home_stay_flag_months = models.PositiveSmallIntegerField(
        _("thuiszitter zonder passend aanbod signaleren na (maanden)"),
        default=3,
        validators=[MinValueValidator(1)],
    )
    export_min_count = models.PositiveSmallIntegerField(
        _("Inspectie-export: aantallen onder deze grens onderdrukken"),
        default=5,
        validators=[MinValueValidator(1)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("verzuimregels (ABS-01, ABS-04)")
        verbose_name_plural = _("verzuimregels (ABS-01, ABS-04)")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="attendancerules_one_row")]

    def __str__(self) -> str:
        return str(_("Verzuimregels"))

    @classmethod
    def current(cls) -> AttendanceRules:
        return cls.objects.filter(pk=1).first() or cls()


class AbsenceKind(models.TextChoices):
    AUTHORISED = "authorised", _("geoorloofd")
    UNAUTHORISED = "unauthorised", _("ongeoorloofd")
    SICK = "sick", _("ziek")
    OTHER = "other", _("overig")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("wacht op verwerking")
    RUNNING = "running", _("wordt verwerkt")
    DETECTING = "detecting", _("meldplicht wordt bepaald")
    DONE = "done", _("klaar")
    FAILED = "failed", _("mislukt")


class AbsenceImport(PassendModel):
    """One upload of a school's absence export. ``content`` holds only the mapped columns (no
    BSN, AGE-02) until the task has processed it, then it is cleared."""

    school = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    source = models.CharField(_("bronsysteem"), max_length=20, choices=ImportSource.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("aangevraagd door"),
    )
    # The uploader's membership: the import opens attendance cases as this professional.
    requested_membership = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_role = models.CharField(_("rol"), max_length=40, blank=True)
    trace_id = models.CharField(max_length=64, blank=True)
    content = models.TextField(blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_lines = models.PositiveIntegerField(_("regels"), default=0)
    processed_lines = models.PositiveIntegerField(_("verwerkt"), default=0)
    created_count = models.PositiveIntegerField(_("nieuw"), default=0)
    updated_count = models.PositiveIntegerField(_("bijgewerkt"), default=0)
    unchanged_count = models.PositiveIntegerField(_("ongewijzigd"), default=0)
    rejected_count = models.PositiveIntegerField(_("afgewezen"), default=0)
    signals_count = models.PositiveIntegerField(_("nieuw meldplichtig"), default=0)
    # [{"line": 7, "reason": "..."}]: line numbers and reasons only, never a value from the file.
    rejected_lines = models.JSONField(_("afgewezen regels"), default=list, blank=True)
    ignored_columns = models.JSONField(_("genegeerde BSN-kolommen"), default=list, blank=True)
    column_labels = models.JSONField(default=dict, blank=True)
    failure = models.CharField(_("foutmelding"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("verzuimimport")
        verbose_name_plural = _("verzuimimports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if not self.total_lines:
            return 100 if self.is_finished else 0
        return min(100, round(100 * self.processed_lines / self.total_lines))


class AbsenceRecord(PassendModel):
    """One absence of one pupil on one day. Hours are lesson hours in VO (ABS-01).

    Bulk-loaded (a million lines per import), so it carries two indexes only: the idempotency
    key ``record_key``, which is the primary key, and (pupil, kind, date) for detection. The
    foreign keys have no index of their own: every read goes by pupil (or by key); whether a
    school imported from a source before is asked of ``AbsenceImport``; school and import are
    provenance (deleting a school, which ``PROTECT`` refuses while it has records, scans the
    table).
    School, pupil, import and the person who typed a record in carry no database constraint
    either (per-row RI triggers cost a third of the load time; the one on ``entered_by``
    fired for every imported row although an import leaves it empty: about 0.5 s of
    PostgreSQL's time at the commit of a million rows, session 28): the importer only writes
    pupil ids it looked up among the school's own pupils, and deletes go through Django, which
    applies ``on_delete``.
    """

    school = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("school"),
        db_index=False,
        db_constraint=False,
    )
    pupil = models.ForeignKey(
        Pupil,
        on_delete=models.CASCADE,
        related_name="absences",
        verbose_name=_("leerling"),
        db_index=False,
        db_constraint=False,
    )
    # Import source (parnassys, magister, …) or "manual".
    source = models.CharField(_("bron"), max_length=20)
    # Idempotency key per source record (``importers.record_key``): 16 bytes of a hash over the
    # school, the source and the hash of the export's record id (or of pupil, date and start),
    # so no value from the file is stored as is; a random one for a record typed by hand. A
    # ``uuid`` column on PostgreSQL: alone in its unique index, 16 bytes compared as such, a
    # million-line import's writes take about 2.5 s less than with (school, source, 32
    # letters) (docs/performance.md, session 18). The primary key as well (migration 0010): no
    # identity sequence and no second unique index for each imported line, about 1.1 s of
    # PostgreSQL's time a million lines (session 29). A hash, so never in a pupil's access
    # bundle, not as the record's id either (privacy.subject_data.NEVER_EXPORTED).
    record_key = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    date = models.DateField(_("datum"))
    start_time = models.TimeField(_("van"), null=True, blank=True)
    end_time = models.TimeField(_("tot"), null=True, blank=True)
    hours = models.DecimalField(
        _("uren"), max_digits=5, decimal_places=2, help_text=_("In het VO: lesuren.")
    )
    kind = models.CharField(_("soort"), max_length=20, choices=AbsenceKind.choices)
    reason_code = models.CharField(_("redencode"), max_length=40, blank=True)
    import_run = models.ForeignKey(
        AbsenceImport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # The database's clock as well: an import's direct COPY leaves both columns out, which
    # spares PostgreSQL parsing two timestamps per line (about 1 s a million lines) and the
    # importer writing them (docs/performance.md, session 18).
    created_at = models.DateTimeField(default=timezone.now, db_default=Now())
    updated_at = models.DateTimeField(default=timezone.now, db_default=Now())

    class Meta:
        verbose_name = _("verzuimregistratie")
        verbose_name_plural = _("verzuimregistraties")
        ordering = ["date", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="absence_hours_positive"),
        ]
        indexes = [
            # Every read goes by pupil; detection by pupil, kind and a date range. The school
            # is checked on the row (a pupil's records are nearly all of one school): without it
            # in the key, a million-line import's inserts into this index cost PostgreSQL about
            # 0.7 s less (6.5 -> 5.8 s for the COPY in psql; session 28).
            models.Index(fields=["pupil", "kind", "date"], name="absence_pupil_kind_date")
        ]

    def __str__(self) -> str:
        return f"{self.date:%d-%m-%Y} {self.hours} {self.kind}"


class ReportReason(models.TextChoices):
    """Why a pupil is meldplichtig; also the kind of a DUO report."""

    SIXTEEN_HOURS = "sixteen_hours", _("16 uur ongeoorloofd verzuim binnen 4 lesweken")
    LONG_TERM = "long_term", _("langer dan 4 lesweken ongeoorloofd verzuim")
    OTHER = "other", _("overig verzuim (vermoedelijk ongeoorloofd, ook ziekte zonder contact)")
    LUXURY = "luxury", _("luxeverzuim (vakantie buiten de schoolvakanties)")


class ReportableAbsence(PassendModel):
    """ABS-01: the pupil is meldplichtig, with the records that prove it and a 5-day term."""

    class Status(models.TextChoices):
        OPEN = "open", _("te melden")
        REPORTED = "reported", _("gemeld bij DUO")

    school = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="reportable_absences"
    )
    reason = models.CharField(_("reden"), max_length=20, choices=ReportReason.choices)
    window_start = models.DateField(_("vanaf"))
    trigger_date = models.DateField(_("meldplichtig sinds"))
    unauthorised_hours = models.DecimalField(_("uren"), max_digits=7, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    evidence = models.ManyToManyField(AbsenceRecord, related_name="+", blank=True)
    term = models.ForeignKey(Term, null=True, blank=True, on_delete=models.SET_NULL)
    detected_at = models.DateTimeField(_("gesignaleerd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("meldplichtig verzuim")
        verbose_name_plural = _("meldplichtig verzuim")
        ordering = ["trigger_date", "id"]
        indexes = [
            models.Index(fields=["school", "status"], name="reportable_school_status"),
            models.Index(fields=["pupil", "reason"], name="reportable_pupil_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.trigger_date}"


class DuoReport(PassendModel):
    """The school's report in the verzuimloket of DUO (ABS-01). Gives leerplicht its ground."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="duo_reports")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    reportable = models.ForeignKey(
        ReportableAbsence,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duo_reports",
    )
    kind = models.CharField(_("soort melding"), max_length=20, choices=ReportReason.choices)
    reported_on = models.DateField(_("gemeld op"))
    reference = models.CharField(_("kenmerk DUO"), max_length=40)
    municipality = models.ForeignKey(
        Organisation,
        verbose_name=_("gemeente (leerplicht)"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    attendance_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leerplichtambtenaar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("DUO-verzuimmelding")
        verbose_name_plural = _("DUO-verzuimmeldingen")
        ordering = ["-reported_on", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.reported_on}"


class ContactRefusal(PassendModel):
    """ABS-02: parents refuse contact with school or jeugdarts about sick leave; from then on
    the next sick report makes the pupil meldplichtig as "overig verzuim"."""

    school = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    since = models.DateField(_("ouders weigeren contact sinds"))
    note = models.CharField(_("toelichting"), max_length=300, blank=True)
    ended_on = models.DateField(_("beëindigd op"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("weigering contact ziekteverzuim")
        verbose_name_plural = _("weigeringen contact ziekteverzuim")
        ordering = ["-since", "-id"]

    def __str__(self) -> str:
        return f"{self.since}"


class OfficerNote(PassendModel):
    """ABS-03: a person-level note of the leerplichtambtenaar; only after a DUO report."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="officer_notes")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("datum gesprek of actie"))
    body = models.TextField(_("notitie"), max_length=4000)
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("notitie leerplicht")
        verbose_name_plural = _("notities leerplicht")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on}"


class PreventiveTopic(models.TextChoices):
    INFORMATION = "information", _("Voorlichting op school")
    OPEN_HOURS = "open_hours", _("Preventief verzuimspreekuur (zonder namen)")
    CARE_TEAM = "care_team", _("Advies in zorgadviesteam (ZAT), geanonimiseerd")
    MANAGEMENT = "management", _("Advies aan directie (luxeverzuim, geoorloofd/ongeoorloofd)")
    OTHER = "other", _("Overig")


class PreventiveNote(PassendModel):
    """ABS-03: preventive work without a DUO report, recorded at school level. There is no
    pupil field, by design: without the report there is no ground for person notes."""

    school = models.ForeignKey(
        Organisation, verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("datum"))
    topic = models.CharField(_("onderwerp"), max_length=20, choices=PreventiveTopic.choices)
    body = models.TextField(
        _("afspraken op schoolniveau"),
        max_length=4000,
        help_text=_("Zonder namen of andere gegevens van leerlingen (ABS-03)."),
    )
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("preventieve notitie (schoolniveau)")
        verbose_name_plural = _("preventieve notities (schoolniveau)")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.school_id} {self.held_on}"


class HomeStayKind(models.TextChoices):
    RELATIVE = "relative", _("Relatief verzuim (ingeschreven, gaat niet naar school)")
    ABSOLUTE = "absolute", _("Absoluut verzuim (niet ingeschreven)")
    EXEMPTION = "exemption", _("Vrijstelling van de leerplicht")


class ExemptionGround(models.TextChoices):
    ART_5A = "5a", _("art. 5 onder a Leerplichtwet (lichamelijk of psychisch niet geschikt)")
    ART_5B = "5b", _("art. 5 onder b Leerplichtwet (bedenkingen tegen de richting)")
    ART_5C = "5c", _("art. 5 onder c Leerplichtwet (school in het buitenland)")
    ART_15 = "15", _("art. 15 Leerplichtwet (vrijstelling van geregeld schoolbezoek)")


class HomeStayReason(models.TextChoices):
    NO_PLACE = "no_place", _("Geen passende plek / wachtlijst onderwijs")
    CARE = "care", _("Zorg of behandeling (ook wachtlijst)")
    HEALTH = "health", _("Lichamelijke of psychische gezondheid")
    SCHOOL_REFUSAL = "school_refusal", _("Schoolweigering / angst")
    EXCLUSION = "exclusion", _("Schorsing of verwijdering")
    CONFLICT = "conflict", _("Conflict ouders en school")
    OTHER = "other", _("Anders")


class ConsultationType(models.TextChoices):
    ATTENDANCE = "verzuimoverleg", _("Verzuimoverleg")
    HOME_STAY = "thuiszittersoverleg", _("Thuiszittersoverleg")


class HomeStay(PassendModel):
    """ABS-04: a thuiszitter registration. The case (kind HOME_STAY) decides who sees it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Thuiszitter")
        RESOLVED = "resolved", _("Opgelost (weer onderwijs)")
        ENDED = "ended", _("Beëindigd (anders)")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="home_stay")
    swv = models.ForeignKey(
        Organisation,
        verbose_name=_("samenwerkingsverband"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    school = models.ForeignKey(
        Organisation,
        verbose_name=_("school van inschrijving"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("soort"), max_length=20, choices=HomeStayKind.choices)
    exemption_ground = models.CharField(
        _("grond vrijstelling"), max_length=4, choices=ExemptionGround.choices, blank=True
    )
    exemption_letter_on = models.DateField(_("datum beschikking"), null=True, blank=True)
    exemption_valid_until = models.DateField(_("vrijstelling geldig tot"), null=True, blank=True)
    start_date = models.DateField(_("thuis sinds"))
    end_date = models.DateField(_("einddatum"), null=True, blank=True)
    reason = models.CharField(_("reden"), max_length=20, choices=HomeStayReason.choices)
    reason_note = models.TextField(_("toelichting reden"), max_length=2000, blank=True)
    offer = models.TextField(_("aanbod"), max_length=2000, blank=True)
    offer_suitable = models.BooleanField(_("passend aanbod gerealiseerd"), default=False)
    offer_since = models.DateField(_("passend aanbod sinds"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    consultation_type = models.CharField(
        _("besproken in"), max_length=24, choices=ConsultationType.choices, blank=True
    )
    consultation_case = models.ForeignKey(
        Case,
        verbose_name=_("casus in het overleg"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("thuiszitter")
        verbose_name_plural = _("thuiszitters")
        ordering = ["start_date", "id"]
        indexes = [models.Index(fields=["swv", "status"], name="homestay_swv_status")]

    def __str__(self) -> str:
        return f"{self.kind} {self.start_date}"
