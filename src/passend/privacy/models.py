"""The access log (DESIGN.md privacy core 2): append-only and hash-chained."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from passend.modelbase import PassendModel
from passend.privacy import chain
from passend.privacy.chain import GENESIS_HASH

__all__ = ["FILE_READ_ACTIONS", "GENESIS_HASH", "AccessLogEntry", "AccessLogSeal", "Outcome"]


# Reads of a file: opening a case, a document, a message. List pages ("list") are not reads of
# a file; security events have no subject. The FG's anomaly report counts them per person and
# hour (``fg.anomalies``), through the index of their own (``accesslog_reads``).
FILE_READ_ACTIONS = ("view", "download", "read", "preview")


class Outcome(models.TextChoices):
    ALLOWED = "allowed", _("toegestaan")
    DENIED = "denied", _("geweigerd")


class AccessLogEntry(PassendModel):
    """One read, write or security event on personal data.

    Rows are never updated or deleted: on PostgreSQL a trigger refuses it. They are sealed
    into the hash chain in blocks (``AccessLogSeal``, ``privacy.chain``); on every database
    `manage.py verify_access_log` recomputes the chain and names the first broken block.
    """

    id = models.BigAutoField(primary_key=True)
    # No index of the whole log: the anomaly reports read a time window of some actions, each
    # from an index of those actions' entries only (migration 0008).
    occurred_at = models.DateTimeField(_("tijdstip (UTC)"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        # No index of its own: no query looks entries up by actor id (the FG's search is by
        # name, ``accesslog_username_id``), and every index is written on every request.
        db_index=False,
        related_name="+",
    )
    actor_username = models.CharField(_("gebruiker"), max_length=150, blank=True)
    organisation_id = models.BigIntegerField(_("organisatie"), null=True, blank=True)
    role = models.CharField(_("rol"), max_length=40, blank=True)
    action = models.CharField(_("handeling"), max_length=40)
    subject_pseudonym = models.CharField(_("betrokkene (pseudoniem)"), max_length=64, blank=True)
    object_type = models.CharField(_("objectsoort"), max_length=60, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    data_categories = models.CharField(_("gegevenscategorieën"), max_length=200, blank=True)
    activity = models.CharField(_("verwerking"), max_length=60)
    legal_ground = models.CharField(_("grondslag"), max_length=200, blank=True)
    trace_id = models.CharField(_("trace-id"), max_length=64, blank=True)
    outcome = models.CharField(_("uitkomst"), max_length=10, choices=Outcome.choices)
    reason = models.CharField(_("toelichting"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP-adres"), null=True, blank=True)

    class Meta:
        verbose_name = _("toegangslogregel")
        verbose_name_plural = _("toegangslog")
        ordering = ["id"]
        # Each index serves a query (migrations 0006 to 0008, issue 10): the subject's entries
        # (access bundle, the FG's search by pupil), the FG's search by employee name, newest
        # first, read from the index alone up to its limit, the time window of the anomaly
        # reports (failed logins; reads of a file), and an intake form's refused submissions
        # (its rate limit).
        # That last one holds only intake forms' entries: a list page's 50 entries are not
        # written to it (session 15: 0.15 ms of PostgreSQL's time per list page).
        indexes = [
            models.Index(fields=["subject_pseudonym"], name="accesslog_subject"),
            models.Index(fields=["actor_username", "id"], name="accesslog_username_id"),
            # The anomaly reports' time windows, each over its actions' entries only: a list
            # page's 50 entries are written to neither (migration 0008).
            models.Index(
                fields=["occurred_at"],
                name="accesslog_failed_logins",
                condition=models.Q(action="login_failed"),
            ),
            models.Index(
                fields=["occurred_at"],
                name="accesslog_reads",
                condition=models.Q(action__in=FILE_READ_ACTIONS),
            ),
            models.Index(
                fields=["object_id"],
                name="accesslog_intakeform",
                condition=models.Q(object_type="intake.intakeform"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.outcome}"

    HASHED_FIELDS = chain.HASHED_FIELDS

    def digest(self) -> str:
        """This entry's digest in its block (``privacy.chain.entry_digest``)."""
        return chain.entry_digest(
            self.id, {name: getattr(self, name) for name in self.HASHED_FIELDS}
        )


class AccessLogSeal(PassendModel):
    """A sealed block of the access log: the entries with ``after_entry_id < id <=
    last_entry_id``, chained to the block before it (``privacy.chain``). Append-only like the
    entries (a trigger on PostgreSQL)."""

    id = models.BigAutoField(primary_key=True)
    after_entry_id = models.BigIntegerField()
    last_entry_id = models.BigIntegerField(unique=True)
    entry_count = models.PositiveIntegerField()
    sealed_at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64)
    block_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("verzegeld blok van het toegangslog")
        verbose_name_plural = _("verzegelde blokken van het toegangslog")
        ordering = ["last_entry_id"]

    def __str__(self) -> str:
        return f"#{self.after_entry_id + 1}-{self.last_entry_id}"


# --- Subject requests, disclosures and restrictions (issue 8: PRV-01..05, AVG art. 15-22) -----


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Inzage")
    RECTIFICATION = "rectification", _("Rectificatie (correctie)")
    ERASURE = "erasure", _("Verwijdering (vergetelheid)")
    RESTRICTION = "restriction", _("Beperking van de verwerking")
    OBJECTION = "objection", _("Bezwaar (verzet)")
    COMPLAINT = "complaint", _("Klacht")
    HUMAN_REVIEW = "human_review", _("Menselijke blik op een besluit")


class RequestChannel(models.TextChoices):
    PORTAL = "portal", _("Ouder- en jongerenportaal")
    STAFF = "staff", _("Ingeboekt door een medewerker")


class RequesterRelation(models.TextChoices):
    PUPIL = "pupil", _("De leerling zelf")
    PARENT = "parent", _("Ouder met gezag")
    GUARDIAN = "guardian", _("Voogd / wettelijk vertegenwoordiger")
    OTHER = "other", _("Anders (gemachtigde)")


class DecisionOutcome(models.TextChoices):
    GRANTED = "granted", _("Toegewezen")
    PARTIAL = "partial", _("Deels toegewezen")
    REFUSED = "refused", _("Afgewezen")


class SubjectRequest(PassendModel):
    """A data subject request (PRV-01..04): from receipt to decision and execution.

    The answer term is a ``terms.Term`` (rule "subject-request": 4 weeks, extendable by at
    most 8 weeks with a reason that is told to the requester). While the identity of the
    requester is not verified, the term is suspended (PRV-02).
    """

    class Status(models.TextChoices):
        RECEIVED = "received", _("Ontvangen")
        ASSIGNED = "assigned", _("In behandeling")
        DECIDED = "decided", _("Besloten")
        EXECUTED = "executed", _("Uitgevoerd")
        CLOSED = "closed", _("Afgesloten")

    reference = models.CharField(_("kenmerk"), max_length=20, unique=True)
    pupil = models.ForeignKey(
        "pupils.Pupil",
        verbose_name=_("leerling"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subject_requests",
    )
    # Kept when the pupil is erased, so the request itself stays accountable.
    subject_pseudonym = models.CharField(max_length=64, db_index=True)
    # The controller that received the request (SWV or school), by id like the access log.
    organisation_id = models.BigIntegerField(_("organisatie"), db_index=True)
    kind = models.CharField(_("soort verzoek"), max_length=20, choices=RequestKind.choices)
    channel = models.CharField(_("kanaal"), max_length=10, choices=RequestChannel.choices)
    description = models.TextField(_("omschrijving van het verzoek"))
    requester_name = models.CharField(_("naam verzoeker"), max_length=200)
    requester_relation = models.CharField(
        _("relatie tot de leerling"), max_length=10, choices=RequesterRelation.choices
    )
    received_on = models.DateField(_("ontvangen op"))
    identity_verified_on = models.DateField(_("identiteit vastgesteld op"), null=True, blank=True)
    identity_note = models.CharField(_("hoe vastgesteld"), max_length=300, blank=True)
    due_date = models.DateField(_("uiterlijk afhandelen op"), db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("behandelaar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    extension_reason = models.CharField(_("reden verlenging"), max_length=500, blank=True)
    outcome = models.CharField(
        _("besluit"), max_length=10, choices=DecisionOutcome.choices, blank=True
    )
    decision_reasons = models.TextField(_("motivering"), blank=True)
    decided_on = models.DateField(_("besloten op"), null=True, blank=True)
    executed_on = models.DateField(_("uitgevoerd op"), null=True, blank=True)
    execution_note = models.TextField(_("uitvoering"), blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("verzoek van een betrokkene")
        verbose_name_plural = _("verzoeken van betrokkenen")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["organisation_id", "status", "due_date"], name="subjreq_queue"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.RECEIVED, self.Status.ASSIGNED, self.Status.DECIDED)

    @property
    def identity_pending(self) -> bool:
        return self.identity_verified_on is None


class SubjectRequestEvent(PassendModel):
    """The history of a request (a timeline); NOTICE rows are what the requester was told."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Ontvangen")
        IDENTITY_VERIFIED = "identity", _("Identiteit vastgesteld")
        ASSIGNED = "assigned", _("Toegewezen")
        EXTENDED = "extended", _("Termijn verlengd")
        NOTICE = "notice", _("Bericht aan de verzoeker")
        DECIDED = "decided", _("Besloten")
        EXECUTED = "executed", _("Uitgevoerd")
        BUNDLE = "bundle", _("Inzageoverzicht gemaakt")
        RECIPIENTS_NOTIFIED = "recipients", _("Ontvangers geïnformeerd")
        RESTRICTION_LIFTED = "lifted", _("Beperking opgeheven")
        CLOSED = "closed", _("Afgesloten")

    request = models.ForeignKey(SubjectRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    note = models.TextField(_("toelichting"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"


class Disclosure(PassendModel):
    """PRV-05: data about a pupil went to someone outside the case's authorised circle."""

    pupil = models.ForeignKey(
        "pupils.Pupil",
        verbose_name=_("leerling"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disclosures",
    )
    subject_pseudonym = models.CharField(max_length=64, db_index=True)
    recipient = models.CharField(_("ontvanger"), max_length=200)
    recipient_organisation_id = models.BigIntegerField(
        _("ontvangende organisatie"), null=True, blank=True
    )
    data_categories = models.JSONField(_("gegevenscategorieën"), default=list)
    description = models.CharField(_("wat"), max_length=300)
    object_type = models.CharField(_("objectsoort"), max_length=60, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    legal_ground = models.CharField(_("grondslag"), max_length=300)
    disclosed_at = models.DateTimeField(_("verstrekt op"), db_index=True)
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verstrekt door"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    disclosing_organisation_id = models.BigIntegerField(
        _("verstrekkende organisatie"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("verstrekking")
        verbose_name_plural = _("verstrekkingen")
        ordering = ["-disclosed_at", "-id"]

    def __str__(self) -> str:
        return f"verstrekking {self.pk}"


class RecipientNotice(PassendModel):
    """PRV-03: a recipient of earlier disclosed data is told of a rectification or erasure.

    The notice itself is content-free ("data you received about a pupil were corrected or
    erased; please contact ..."); it names the request's reference only.
    """

    class Method(models.TextChoices):
        EMAIL = "email", _("E-mail zonder inhoud aan de organisatie")
        MANUAL = "manual", _("Handmatig te informeren (brief/telefoon)")

    request = models.ForeignKey(
        SubjectRequest, on_delete=models.CASCADE, related_name="recipient_notices"
    )
    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="notices")
    method = models.CharField(max_length=10, choices=Method.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "disclosure"], name="notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.request_id} -> {self.disclosure_id}"


class ProcessingRestriction(PassendModel):
    """AVG art. 18: while active, the access policy allows no processing of the pupil's files
    other than storage (no one opens a case; the handler reads via the request)."""

    pupil = models.ForeignKey(
        "pupils.Pupil", on_delete=models.CASCADE, related_name="processing_restrictions"
    )
    request = models.ForeignKey(
        SubjectRequest, on_delete=models.PROTECT, related_name="restrictions"
    )
    started_at = models.DateTimeField(_("beperkt sinds"))
    lifted_at = models.DateTimeField(_("opgeheven op"), null=True, blank=True)
    lift_reason = models.CharField(_("reden opheffen"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("beperking van de verwerking")
        verbose_name_plural = _("beperkingen van de verwerking")
        indexes = [models.Index(fields=["pupil", "lifted_at"], name="restriction_active")]

    def __str__(self) -> str:
        return f"beperking {self.pk}"
