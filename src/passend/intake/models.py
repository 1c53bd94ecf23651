"""Digital application form (seed 000 §5 module a): forms an SWV configures, public submissions
in an intake queue, and personal one-time links through which an outside party delivers
information into one case (CON-06, AGE-02, PRV-08).

No personal data in URLs: a public form is addressed by a random ``public_id``; a delivery link
by a random token of which only the SHA-256 hash is stored. Attachments are stored encrypted
with the documents app's envelope encryption (``documents.crypto``); the database holds
metadata only and never the original file name.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation
from passend.cases.models import Case, CaseEntry
from passend.modelbase import PassendModel
from passend.privacy.categories import DataCategory


class Audience(models.TextChoices):
    PARENTS = "parents", _("Ouders / verzorgers")
    PROFESSIONALS = "professionals", _("Professionals zonder account")


class FieldKind(models.TextChoices):
    TEXT = "text", _("Tekst (één regel)")
    LONG_TEXT = "long_text", _("Lange tekst")
    DATE = "date", _("Datum")
    CHOICE = "choice", _("Keuze uit een lijst")
    YES_NO = "yes_no", _("Ja / nee")


class IntakeForm(PassendModel):
    """An application form configured by an SWV; reachable publicly only when published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Concept")
        PUBLISHED = "published", _("Gepubliceerd")
        CLOSED = "closed", _("Gesloten")

    swv = models.ForeignKey(
        Organisation,
        verbose_name=_("samenwerkingsverband"),
        on_delete=models.PROTECT,
        related_name="intake_forms",
    )
    title = models.CharField(_("titel"), max_length=200)
    intro = models.TextField(_("inleiding"), blank=True)
    audience = models.CharField(_("voor wie"), max_length=20, choices=Audience.choices)
    consent_text = models.TextField(_("toestemmingstekst"))
    # Random, no meaning: the only thing the public link carries.
    public_id = models.CharField(max_length=32, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Raised on every change: a submission records the version its consent text belonged to.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("aanmeldformulier")
        verbose_name_plural = _("aanmeldformulieren")
        ordering = ["swv_id", "title", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class IntakeField(PassendModel):
    form = models.ForeignKey(IntakeForm, on_delete=models.CASCADE, related_name="fields")
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    label = models.CharField(_("vraag"), max_length=200)
    kind = models.CharField(_("soort"), max_length=10, choices=FieldKind.choices)
    required = models.BooleanField(_("verplicht"), default=False)
    help_text = models.CharField(_("toelichting"), max_length=300, blank=True)
    # For kind "choice": one option per line.
    choices = models.TextField(_("keuzes (één per regel)"), blank=True)

    class Meta:
        verbose_name = _("vraag")
        verbose_name_plural = _("vragen")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class IntakeAttachmentRule(PassendModel):
    """A document the form asks for, with the data category it will carry in the case."""

    form = models.ForeignKey(IntakeForm, on_delete=models.CASCADE, related_name="attachment_rules")
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    label = models.CharField(_("omschrijving"), max_length=200)
    category = models.CharField(_("gegevenscategorie"), max_length=20, choices=DataCategory.choices)
    required = models.BooleanField(_("verplicht"), default=True)

    class Meta:
        verbose_name = _("gevraagde bijlage")
        verbose_name_plural = _("gevraagde bijlagen")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label


class IntakeSubmission(PassendModel):
    """One filled-in form, waiting in the intake queue of the form's SWV."""

    class Status(models.TextChoices):
        NEW = "new", _("Nieuw")
        ACCEPTED = "accepted", _("Aangenomen")
        REJECTED = "rejected", _("Afgewezen")

    form = models.ForeignKey(IntakeForm, on_delete=models.PROTECT, related_name="submissions")
    swv = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("SWV")
    )
    form_version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    submitter_role = models.CharField(_("ingediend door"), max_length=20, choices=Audience.choices)
    submitter_name = models.CharField(_("naam indiener"), max_length=200)
    submitter_email = models.EmailField(_("e-mailadres indiener"), blank=True)
    submitter_phone = models.CharField(_("telefoonnummer indiener"), max_length=30, blank=True)
    pupil_first_name = models.CharField(_("voornaam leerling"), max_length=100)
    pupil_name_prefix = models.CharField(_("tussenvoegsel leerling"), max_length=30, blank=True)
    pupil_last_name = models.CharField(_("achternaam leerling"), max_length=100)
    pupil_birth_date = models.DateField(_("geboortedatum leerling"))
    # A snapshot of each answer with its question: the form may change afterwards.
    answers = models.JSONField(default=list)
    consent_text = models.TextField(_("geaccepteerde toestemmingstekst"))
    consent_accepted_at = models.DateTimeField()
    # HMAC of the sender's IP address, for the rate limit only (never the address itself).
    source_key = models.CharField(max_length=64, editable=False)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.TextField(_("reden van afwijzing"), blank=True)
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("aanmelding")
        verbose_name_plural = _("aanmeldingen")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["swv", "status", "-submitted_at"], name="intake_queue"),
            models.Index(fields=["source_key", "submitted_at"], name="intake_rate"),
        ]

    def __str__(self) -> str:
        return f"aanmelding {self.pk}"

    @property
    def pupil_name(self) -> str:
        parts = (self.pupil_first_name, self.pupil_name_prefix, self.pupil_last_name)
        return " ".join(p for p in parts if p)


class IntakeFile(PassendModel):
    """An attachment of a submission, encrypted at rest until it moves into a case."""

    submission = models.ForeignKey(IntakeSubmission, on_delete=models.CASCADE, related_name="files")
    rule = models.ForeignKey(
        IntakeAttachmentRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    label = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=DataCategory.choices)
    kind = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=200, unique=True)
    key_id = models.CharField(max_length=40)
    wrapped_key = models.BinaryField()
    nonce = models.BinaryField()
    needs_scan_confirmation = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label


class DeliveryLink(PassendModel):
    """A personal, expiring, single-use link for an outside party to deliver into one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    reference = models.CharField(
        _("kenmerk voor de ontvanger"),
        max_length=100,
        help_text=_("Een neutraal kenmerk, zonder naam of geboortedatum van de leerling."),
    )
    party = models.ForeignKey(
        Organisation,
        verbose_name=_("aanleverende partij"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.CharField(_("gegevenscategorie"), max_length=20, choices=DataCategory.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("geldig tot"))
    used_at = models.DateTimeField(_("gebruikt op"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    entry = models.ForeignKey(
        CaseEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("aanleverlink")
        verbose_name_plural = _("aanleverlinks")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"link {self.pk}"

    def is_usable(self, now: object = None) -> bool:
        moment = now or timezone.now()
        return self.used_at is None and self.revoked_at is None and self.expires_at > moment  # type: ignore[operator]

    @property
    def state_label(self) -> str:
        if self.used_at is not None:
            return str(_("Gebruikt"))
        if self.revoked_at is not None:
            return str(_("Ingetrokken"))
        if self.expires_at <= timezone.now():
            return str(_("Verlopen"))
        return str(_("Open"))
