"""TLV procedure of the Commissie van Advies (TLV-01..13).

Every row about a pupil hangs off a Case of kind TLV, so the one access policy decides who
sees it. The CvA itself is ``Organisation(kind=advisory_committee)`` with ``served_swvs``.
Configuration (funding amounts per school year, TLV length per type, warning period) lives
in models with defaults from a data migration.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation
from passend.cases.models import Case
from passend.modelbase import PassendModel
from passend.prepared import PreparedQuery


class Route(models.TextChoices):
    NEW = "new", _("Nieuwe aanvraag")
    EXTENSION = "extension", _("Verlenging van een aflopende TLV")
    OUTSIDE_SWV = "outside_swv", _("Aanvraag van een school buiten het SWV")


class TlvType(models.TextChoices):
    SBO = "sbo", _("Speciaal basisonderwijs (SBO)")
    SO = "so", _("Speciaal onderwijs (SO)")
    VSO = "vso", _("Voortgezet speciaal onderwijs (VSO)")


class Cluster(models.TextChoices):
    CLUSTER_3 = "3", _("Cluster 3")
    CLUSTER_4 = "4", _("Cluster 4")


class Disability(models.TextChoices):
    """Type of disability within cluster 3 (TLV-06); cluster 4 has one kind."""

    LZ = "lz", _("LZ — langdurig ziek")
    LZK = "lzk", _("LZK — langdurig zieke kinderen")
    LG = "lg", _("LG — lichamelijke beperking")
    ZML = "zml", _("ZML — zeer moeilijk lerend (verstandelijke beperking)")
    PSYCHIATRIC = "c4", _("Cluster 4 — psychiatrische problematiek / gedrag")


CLUSTER_OF_DISABILITY: dict[str, str] = {
    Disability.LZ: Cluster.CLUSTER_3,
    Disability.LZK: Cluster.CLUSTER_3,
    Disability.LG: Cluster.CLUSTER_3,
    Disability.ZML: Cluster.CLUSTER_3,
    Disability.PSYCHIATRIC: Cluster.CLUSTER_4,
}


class ExitPerspective(models.TextChoices):
    """Uitstroomperspectief (TLV-02, TLV-13)."""

    DAYTIME_ACTIVITIES = "daytime", _("Dagbesteding")
    LABOUR_MARKET = "labour", _("Arbeidsmarkt")
    FURTHER_EDUCATION = "further", _("Vervolgonderwijs")


class ExpertProfession(models.TextChoices):
    ORTHOPEDAGOGUE = "orthopedagogue", _("Orthopedagoog generalist")
    GZ_PSYCHOLOGIST = "gz_psychologist", _("GZ-psycholoog")
    MEDICAL_SPECIALIST = "medical_specialist", _("Medisch specialist")


class Triage(models.TextChoices):
    """TLV-05: who assesses the file."""

    SECRETARY = "secretary", _("Secretaris")
    SECRETARY_CHAIR = "secretary_chair", _("Secretaris en voorzitter")
    FULL = "full", _("CvA breed")


class FundingCategory(PassendModel):
    """TLV-07: amounts per category per school year (configuration, history kept)."""

    class Level(models.IntegerChoices):
        LOW = 1, _("Categorie 1 (laag)")
        MIDDLE = 2, _("Categorie 2 (midden)")
        HIGH = 3, _("Categorie 3 (hoog)")

    school_year = models.CharField(
        _("schooljaar"), max_length=9, help_text=_("Bijvoorbeeld 2026-2027.")
    )
    category = models.PositiveSmallIntegerField(_("categorie"), choices=Level.choices)
    personnel = models.DecimalField(_("personeel (€)"), max_digits=10, decimal_places=2)
    material = models.DecimalField(_("materieel (€)"), max_digits=10, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bekostigingscategorie")
        verbose_name_plural = _("bekostigingscategorieën")
        ordering = ["-school_year", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "category"], name="funding_one_per_year_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_year} cat. {self.category}"

    @property
    def total(self) -> Decimal:
        return self.personnel + self.material


class TlvDuration(PassendModel):
    """How many school years a TLV of a type runs (set by the SWV; at least one, TLV-11)."""

    tlv_type = models.CharField(_("soort"), max_length=3, choices=TlvType.choices, unique=True)
    school_years = models.PositiveSmallIntegerField(
        _("aantal schooljaren"), default=1, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("looptijd TLV")
        verbose_name_plural = _("looptijden TLV")

    def __str__(self) -> str:
        return f"{self.tlv_type}: {self.school_years}"


class TlvSettings(PassendModel):
    """One row of module settings (editable by the functional administrator)."""

    expiry_warning_months = models.PositiveSmallIntegerField(
        _("waarschuwen voor aflopende TLV (maanden vooraf)"), default=4
    )
    hamerslag_target_percent = models.PositiveSmallIntegerField(
        _("streefpercentage bij hamerslag (TLV-12)"), default=80
    )
    cva_meeting_interval_weeks = models.PositiveSmallIntegerField(
        _("CvA breed vergadert elke ... weken (TLV-05)"), default=4
    )
    first_cva_meeting = models.DateField(_("eerste vergadering CvA breed"), null=True, blank=True)

    class Meta:
        verbose_name = _("instellingen TLV")
        verbose_name_plural = _("instellingen TLV")

    def __str__(self) -> str:
        return str(_("Instellingen TLV"))

    @classmethod
    def current(cls) -> TlvSettings:
        # Read on every start page of a school: its query compiled once (``prepared``).
        found = _CURRENT_SETTINGS.fetch()
        if found:
            return found[0]
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row


_CURRENT_SETTINGS = PreparedQuery(lambda: TlvSettings.objects.filter(pk=1))


class TlvApplication(PassendModel):
    """One application for a TLV (TLV-01/02), prepared by the school, submitted by the board."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("In voorbereiding")
        SUSPENDED = "suspended", _("Opgeschort (onvolledig)")
        SUBMITTED = "submitted", _("Ingediend")
        IN_ASSESSMENT = "in_assessment", _("In beoordeling")
        BACK_TO_MDO = "back_to_mdo", _("Terug naar multidisciplinair overleg")
        ADVISED = "advised", _("Advies uitgebracht")
        DECIDED = "decided", _("Besluit genomen")
        WITHDRAWN = "withdrawn", _("Ingetrokken")

    # The statuses after which nothing of an application waits on anyone (TLV-04): its
    # participations carry ``Participant.case_tlv_ended_at``.
    ENDED_STATUSES = frozenset({Status.DECIDED, Status.WITHDRAWN})

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="tlv_application")
    committee = models.ForeignKey(
        Organisation,
        verbose_name=_("Commissie van Advies"),
        on_delete=models.PROTECT,
        related_name="tlv_applications",
        null=True,
        blank=True,
    )
    swv = models.ForeignKey(
        Organisation,
        verbose_name=_("samenwerkingsverband"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requesting_school = models.ForeignKey(
        Organisation,
        verbose_name=_("aanvragende school"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    board = models.ForeignKey(
        Organisation, verbose_name=_("bevoegd gezag"), on_delete=models.PROTECT, related_name="+"
    )
    intended_school = models.ForeignKey(
        Organisation,
        verbose_name=_("beoogde school"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    route = models.CharField(_("route"), max_length=12, choices=Route.choices, default=Route.NEW)
    previous_tlv = models.ForeignKey(
        "Tlv",
        verbose_name=_("te verlengen TLV"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="extensions",
    )
    requested_type = models.CharField(_("gevraagde soort"), max_length=3, choices=TlvType.choices)
    disability = models.CharField(
        _("type beperking"), max_length=3, choices=Disability.choices, blank=True
    )
    # Step 1 Dat (requesting school)
    needs = models.TextField(_("wat heeft de leerling nodig"), blank=True)
    exit_perspective = models.CharField(
        _("beoogd uitstroomperspectief"),
        max_length=10,
        choices=ExitPerspective.choices,
        blank=True,
    )
    support_given = models.TextField(_("ingezette ondersteuning"), blank=True)
    support_results = models.TextField(_("opbrengst van de ondersteuning"), blank=True)
    lovs_summary = models.TextField(_("gegevens uit het LOVS"), blank=True)
    why_not_regular = models.TextField(
        _("waarom het regulier onderwijs dit niet kan bieden"), blank=True
    )
    # Step 2 Waarom (expert substantiation)
    substantiation = models.TextField(_("integrale onderbouwing (deskundige)"), blank=True)
    iq = models.PositiveSmallIntegerField(
        _("IQ (totaal)"), null=True, blank=True, validators=[MaxValueValidator(200)]
    )
    additional_disorder = models.BooleanField(
        _("gediagnosticeerde bijkomende stoornis"), default=False
    )
    # Step 3 Waar (requesting and intended school) and 4 Hoe (intended school, IVO fields)
    why_intended_school = models.TextField(_("waarom de beoogde school past"), blank=True)
    end_goals = models.TextField(_("beoogde einddoelen"), blank=True)
    ivo = models.JSONField(_("ondersteuning per IVO-veld"), default=dict, blank=True)
    # Parents (TLV-01) and pupil (AGE-04)
    parents_seen_on = models.DateField(_("ouders tekenden voor gezien op"), null=True, blank=True)
    parents_view = models.TextField(_("zienswijze van de ouders"), blank=True)
    parents_agree = models.BooleanField(_("ouders zijn het eens met de aanvraag"), default=True)
    pupil_heard_on = models.DateField(_("leerling gehoord op"), null=True, blank=True)
    pupil_view = models.TextField(_("mening van de leerling"), blank=True)
    pupil_not_heard_reason = models.TextField(_("reden dat horen niet kon"), blank=True)
    # Deskundigenadvies: two named experts who co-sign (TLV-02)
    expert_1_name = models.CharField(_("eerste deskundige"), max_length=200, blank=True)
    expert_1_profession = models.CharField(
        _("beroep eerste deskundige"), max_length=20, choices=ExpertProfession.choices, blank=True
    )
    expert_1_signed_on = models.DateField(_("eerste deskundige tekende op"), null=True, blank=True)
    expert_2_name = models.CharField(_("tweede deskundige"), max_length=200, blank=True)
    expert_2_expertise = models.CharField(
        _("expertise tweede deskundige"), max_length=200, blank=True
    )
    expert_2_signed_on = models.DateField(_("tweede deskundige tekende op"), null=True, blank=True)
    experts_agree = models.BooleanField(_("de deskundigen zijn het eens"), default=True)

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    submitted_on = models.DateField(_("ingediend op"), null=True, blank=True)
    complete_on = models.DateField(_("volledig sinds"), null=True, blank=True)
    receipt_confirmed_on = models.DateField(_("ontvangst bevestigd op"), null=True, blank=True)
    triage = models.CharField(
        _("beoordeling door"), max_length=16, choices=Triage.choices, blank=True
    )
    cva_meeting_on = models.DateField(_("vergadering CvA breed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("TLV-aanvraag")
        verbose_name_plural = _("TLV-aanvragen")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["committee", "status"], name="tlvapp_committee_status"),
            # Management reports select an SWV's applications of a period (issue 10): without
            # it every application of the SWV is read to find one school year's.
            models.Index(fields=["swv", "submitted_on"], name="tlvapp_swv_submitted"),
            # The start page reads the applications of a person's TLV cases by case (the
            # busiest coordinator of the large region: 1,360); with id and status in the index
            # from the index alone (PostgreSQL; issue 10, session 12).
            models.Index(fields=["case"], include=["id", "status"], name="tlvapp_case_status"),
        ]

    def __str__(self) -> str:
        return f"TLV-aanvraag {self.case.pseudonym}"

    @property
    def cluster(self) -> str:
        return CLUSTER_OF_DISABILITY.get(self.disability, "")


# The TLV-04 terms the report counts, with the prefix of their figures.
REPORT_TERMS: dict[str, str] = {
    "tlv-receipt": "receipt",
    "tlv-advice": "advice",
    "tlv-board": "decision",
    "tlv-written": "written",
    "tlv-overall": "overall",
}


class ApplicationFigures(PassendModel):
    """What the TLV management report counts of one submitted application (seed 000 §5 f;
    TLV-04, TLV-05, TLV-12): its filters, status, triage, advice and decision, and per TLV-04
    term how many of its terms were completed (within the term or not, days used without the
    days suspended) and whether one is running and when it is due.

    A copy, kept in step by every service that changes what it counts
    (``tlv.figures.refresh``, in the service's own transaction), so that the report reads
    one row per application instead of probing each application's advice, decision and
    terms (issue 10: the report grew with an SWV's applications, 771 in a school year of the
    large region). Holds no pupil, case or name; deleted with its application."""

    application = models.OneToOneField(
        TlvApplication, on_delete=models.CASCADE, primary_key=True, related_name="figures"
    )
    swv = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    submitted_on = models.DateField()
    board = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    requesting_school = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    intended_school = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", db_index=False, null=True
    )
    requested_type = models.CharField(max_length=3, choices=TlvType.choices)
    route = models.CharField(max_length=12, choices=Route.choices)
    status = models.CharField(max_length=16, choices=TlvApplication.Status.choices)
    # TLV-05: the triage, CvA breed split by the time its latest completed advice term took
    # ("full_4", "full_10", "full_later"); empty while not yet triaged.
    triage_key = models.CharField(max_length=16, blank=True)
    positive_advice = models.BooleanField(default=False)
    by_gavel = models.BooleanField(default=False)
    positive_decision = models.BooleanField(default=False)
    # TLV-12, the SWV's signals about school boards: an "onvolledig" letter was sent (the
    # application was incomplete at some point), and the decision was negative. With a
    # default in the database too: rows written without them (by tlv 0008) stay valid.
    incomplete_letter = models.BooleanField(default=False, db_default=False)
    negative_decision = models.BooleanField(default=False, db_default=False)
    # Per TLV-04 term (``REPORT_TERMS``): its completed terms, of which within the term, their
    # days used without the days suspended, its running terms, and the due date of a running
    # one that is not suspended (an application runs at most one term of each rule at a time:
    # ``services`` starts one only when none is running).
    receipt_completed = models.PositiveSmallIntegerField(
        _("ontvangstbevestiging: afgerond"), default=0
    )
    receipt_within = models.PositiveSmallIntegerField(
        _("ontvangstbevestiging: binnen termijn"), default=0
    )
    receipt_days = models.IntegerField(_("ontvangstbevestiging: dagen gebruikt"), default=0)
    receipt_open = models.PositiveSmallIntegerField(_("ontvangstbevestiging: lopend"), default=0)
    receipt_due = models.DateField(_("ontvangstbevestiging: lopend tot"), null=True, blank=True)
    advice_completed = models.PositiveSmallIntegerField(_("advies: afgerond"), default=0)
    advice_within = models.PositiveSmallIntegerField(_("advies: binnen termijn"), default=0)
    advice_days = models.IntegerField(_("advies: dagen gebruikt"), default=0)
    advice_open = models.PositiveSmallIntegerField(_("advies: lopend"), default=0)
    advice_due = models.DateField(_("advies: lopend tot"), null=True, blank=True)
    decision_completed = models.PositiveSmallIntegerField(_("besluit: afgerond"), default=0)
    decision_within = models.PositiveSmallIntegerField(_("besluit: binnen termijn"), default=0)
    decision_days = models.IntegerField(_("besluit: dagen gebruikt"), default=0)
    decision_open = models.PositiveSmallIntegerField(_("besluit: lopend"), default=0)
    decision_due = models.DateField(_("besluit: lopend tot"), null=True, blank=True)
    written_completed = models.PositiveSmallIntegerField(
        _("schriftelijk besluit: afgerond"), default=0
    )
    written_within = models.PositiveSmallIntegerField(
        _("schriftelijk besluit: binnen termijn"), default=0
    )
    written_days = models.IntegerField(_("schriftelijk besluit: dagen gebruikt"), default=0)
    written_open = models.PositiveSmallIntegerField(_("schriftelijk besluit: lopend"), default=0)
    written_due = models.DateField(_("schriftelijk besluit: lopend tot"), null=True, blank=True)
    overall_completed = models.PositiveSmallIntegerField(_("doorlooptijd: afgerond"), default=0)
    overall_within = models.PositiveSmallIntegerField(_("doorlooptijd: binnen termijn"), default=0)
    overall_days = models.IntegerField(_("doorlooptijd: dagen gebruikt"), default=0)
    overall_open = models.PositiveSmallIntegerField(_("doorlooptijd: lopend"), default=0)
    overall_due = models.DateField(_("doorlooptijd: lopend tot"), null=True, blank=True)
    # The overall term's suspension (TLV-04 "opgeschort"): its terms that were ever
    # suspended, their days suspended so far, and a running suspension (since, and the day
    # the term was completed if it was completed while suspended).
    overall_suspended = models.PositiveSmallIntegerField(default=0)
    overall_suspended_days = models.IntegerField(default=0)
    overall_suspended_since = models.DateField(null=True, blank=True)
    overall_suspended_until = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("cijfers van een TLV-aanvraag")
        verbose_name_plural = _("cijfers van TLV-aanvragen")
        indexes = [
            models.Index(fields=["swv", "submitted_on"], name="tlvfigures_swv_submitted"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.status}"


class Assessment(PassendModel):
    """TLV-06: the assessor's checklist, with the ZML IQ rules computed."""

    application = models.OneToOneField(
        TlvApplication, on_delete=models.CASCADE, related_name="assessment"
    )
    disorder_established = models.BooleanField(_("aard van de stoornis vastgesteld"), default=False)
    educational_limitation = models.BooleanField(_("onderwijsbeperking aangetoond"), default=False)
    care_insufficient = models.BooleanField(
        _("ontoereikendheid van de zorg in het regulier onderwijs aangetoond"), default=False
    )
    causal_link = models.BooleanField(
        _("causaal verband stoornis en onderwijsbeperking (cluster 4)"), default=False
    )
    notes = models.TextField(_("toelichting"), blank=True)
    met = models.BooleanField(_("voldoet aan de criteria"), default=False)
    explanation = models.JSONField(_("uitleg"), default=list)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("beoordeling")
        verbose_name_plural = _("beoordelingen")

    def __str__(self) -> str:
        return f"{self.application_id}: {self.met}"


class Advice(PassendModel):
    """The CvA's advice to the SWV board (TLV-04/07/09/12)."""

    class Status(models.TextChoices):
        INTENDED_NEGATIVE = "intended_negative", _("Voorgenomen negatief advies")
        POSITIVE = "positive", _("Positief advies")
        NEGATIVE = "negative", _("Negatief advies")

    application = models.OneToOneField(
        TlvApplication, on_delete=models.CASCADE, related_name="advice"
    )
    status = models.CharField(_("advies"), max_length=20, choices=Status.choices)
    by_gavel = models.BooleanField(_("bij hamerslag"), default=False)
    tlv_type = models.CharField(_("soort"), max_length=3, choices=TlvType.choices, blank=True)
    proposed_category = models.PositiveSmallIntegerField(
        _("voorgestelde categorie"), choices=FundingCategory.Level.choices, null=True, blank=True
    )
    category = models.PositiveSmallIntegerField(
        _("categorie"), choices=FundingCategory.Level.choices, null=True, blank=True
    )
    category_reason = models.TextField(_("reden afwijkende categorie"), blank=True)
    motivation = models.TextField(_("motivering"), blank=True)
    shared_with_school_on = models.DateField(
        _("voorgenomen advies gedeeld met ondersteuningsteam op"), null=True, blank=True
    )
    conversation_on = models.DateField(_("gesprek gevoerd op"), null=True, blank=True)
    conversation_notes = models.TextField(_("verslag gesprek"), blank=True)
    given_on = models.DateField(_("advies uitgebracht op"), null=True, blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("advies")
        verbose_name_plural = _("adviezen")

    def __str__(self) -> str:
        return f"{self.application_id}: {self.status}"

    @property
    def is_final(self) -> bool:
        return self.status != self.Status.INTENDED_NEGATIVE and self.given_on is not None


class Decision(PassendModel):
    """The SWV board's decision (TLV-04, TLV-10)."""

    application = models.OneToOneField(
        TlvApplication, on_delete=models.CASCADE, related_name="decision"
    )
    positive = models.BooleanField(_("toelaatbaar"))
    decided_on = models.DateField(_("besloten op"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    motivation = models.TextField(_("motivering"), blank=True)
    sent_on = models.DateField(_("verzonden op"), null=True, blank=True)

    class Meta:
        verbose_name = _("besluit")
        verbose_name_plural = _("besluiten")

    def __str__(self) -> str:
        return f"{self.application_id}: {self.positive}"


class Tlv(PassendModel):
    """The declaration (TLV-11): number, start, end, category, type."""

    decision = models.OneToOneField(Decision, on_delete=models.CASCADE, related_name="tlv")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tlvs")
    number = models.CharField(_("TLV-nummer"), max_length=30, unique=True)
    # The SWV that issued it (TLV-11), the one of its application: kept on the TLV itself so
    # that a region's TLVs of a school year are found through an index on (swv, date) instead
    # of by joining every TLV of the region to its application (issue 10, the TLV report).
    swv = models.ForeignKey(
        Organisation,
        verbose_name=_("afgegeven door"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    tlv_type = models.CharField(_("soort"), max_length=3, choices=TlvType.choices)
    category = models.PositiveSmallIntegerField(
        _("categorie"), choices=FundingCategory.Level.choices, null=True, blank=True
    )
    start_date = models.DateField(_("startdatum"))
    end_date = models.DateField(_("einddatum"))
    school = models.ForeignKey(
        Organisation,
        verbose_name=_("ontvangende school"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    current_school = models.ForeignKey(
        Organisation,
        verbose_name=_("huidige school"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    collected_on = models.DateField(_("opgehaald op"), null=True, blank=True)

    class Meta:
        verbose_name = _("toelaatbaarheidsverklaring")
        verbose_name_plural = _("toelaatbaarheidsverklaringen")
        ordering = ["end_date", "id"]
        indexes = [
            models.Index(fields=["current_school", "end_date"], name="tlv_school_end"),
            models.Index(fields=["swv", "start_date"], name="tlv_swv_start"),
            models.Index(fields=["swv", "end_date"], name="tlv_swv_end"),
        ]

    def __str__(self) -> str:
        return self.number


class ExitPerspectiveRecord(PassendModel):
    """TLV-13: prognosis (within 6 weeks of intake), provisional, definitive."""

    class Stage(models.TextChoices):
        PROGNOSIS = "prognosis", _("Prognose")
        PROVISIONAL = "provisional", _("Voorlopig perspectief")
        DEFINITIVE = "definitive", _("Definitief perspectief")

    tlv = models.ForeignKey(Tlv, on_delete=models.CASCADE, related_name="exit_perspectives")
    stage = models.CharField(_("fase"), max_length=12, choices=Stage.choices)
    perspective = models.CharField(
        _("uitstroomperspectief"), max_length=10, choices=ExitPerspective.choices
    )
    recorded_on = models.DateField(_("vastgelegd op"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["recorded_on", "id"]
        constraints = [models.UniqueConstraint(fields=["tlv", "stage"], name="exit_one_per_stage")]

    def __str__(self) -> str:
        return f"{self.tlv_id} {self.stage}"


class SafetyNetOffer(PassendModel):
    """TLV-09: after a negative decision the SWV/gemeente offers support."""

    decision = models.OneToOneField(Decision, on_delete=models.CASCADE, related_name="safety_net")
    provider = models.CharField(_("aanbieder"), max_length=200, blank=True)
    description = models.TextField(_("aanbod"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vangnetaanbod")
        verbose_name_plural = _("vangnetaanbod")

    def __str__(self) -> str:
        return f"{self.decision_id}"


class Letter(PassendModel):
    """A letter issued in the procedure; the PDF is rendered from the rows on request."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Ontvangstbevestiging")
        INCOMPLETE = "incomplete", _("Aanvraag onvolledig")
        DECISION = "decision", _("Besluit toelaatbaarheid")

    application = models.ForeignKey(
        TlvApplication, on_delete=models.CASCADE, related_name="letters"
    )
    kind = models.CharField(_("soort brief"), max_length=12, choices=Kind.choices)
    issued_on = models.DateField(_("datum"))
    missing = models.JSONField(_("ontbrekend"), default=list, blank=True)

    class Meta:
        ordering = ["issued_on", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.issued_on}"


class Placement(PassendModel):
    """TLV-08: observation (≤ 12 weeks) or crisis placement (≤ 6 school weeks)."""

    class Kind(models.TextChoices):
        OBSERVATION = "observation", _("Observatieplaatsing")
        CRISIS = "crisis", _("Crisisplaatsing")

    class Outcome(models.TextChoices):
        RETURN = "return", _("Terugkeer naar de eigen school")
        OTHER_REGULAR = "other_regular", _("Andere reguliere school")
        SPECIAL = "special", _("SO, SBO of VSO")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tlv_placements")
    kind = models.CharField(_("soort"), max_length=12, choices=Kind.choices)
    school = models.ForeignKey(
        Organisation,
        verbose_name=_("plaatsende school"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    start_date = models.DateField(_("startdatum"))
    end_date = models.DateField(_("einddatum"))
    max_end_date = models.DateField(_("uiterlijke einddatum"))
    file_completed_on = models.DateField(_("dossier compleet op"), null=True, blank=True)
    ended_on = models.DateField(_("beëindigd op"), null=True, blank=True)
    outcome = models.CharField(_("vervolg"), max_length=14, choices=Outcome.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("plaatsing")
        verbose_name_plural = _("plaatsingen")
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.start_date}"


class Objection(PassendModel):
    """TLV-10: bezwaar by parents or the board, LBT referral, hearing, decision, appeal."""

    class By(models.TextChoices):
        PARENTS = "parents", _("Ouders")
        BOARD = "board", _("Schoolbestuur")

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Gegrond")
        REJECTED = "rejected", _("Ongegrond")
        INADMISSIBLE = "inadmissible", _("Niet-ontvankelijk")

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="objections")
    lodged_by = models.CharField(_("ingediend door"), max_length=8, choices=By.choices)
    received_on = models.DateField(_("ontvangen op"))
    referred_on = models.DateField(_("voorgelegd aan de LBT op"), null=True, blank=True)
    hearing_on = models.DateField(_("hoorzitting op"), null=True, blank=True)
    decided_on = models.DateField(_("beslist op bezwaar op"), null=True, blank=True)
    outcome = models.CharField(_("uitkomst"), max_length=12, choices=Outcome.choices, blank=True)
    appeal_on = models.DateField(_("beroep ingesteld op"), null=True, blank=True)
    notes = models.TextField(_("toelichting"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("bezwaar")
        verbose_name_plural = _("bezwaren")
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.decision_id} {self.received_on}"
