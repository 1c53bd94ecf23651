"""Documents of a case: encrypted at rest, tagged with category and supplier (CON-06, AGE-02).

The database holds metadata only: the file itself lives encrypted in storage (DESIGN.md "At
rest"), with its own AES-GCM key wrapped by a master key from configuration. No original file
name is kept (it often holds a pupil's name); downloads get a server-generated name.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation
from passend.cases.models import Case, Phase
from passend.modelbase import PassendModel
from passend.privacy.categories import DataCategory


class FileKind(models.TextChoices):
    """The allowed kinds, decided by content sniffing, never by the file name."""

    PDF = "pdf", "PDF"
    DOCX = "docx", "Word (DOCX)"
    ODT = "odt", "OpenDocument (ODT)"
    TXT = "txt", _("Tekst (TXT)")
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"


MIME_TYPES: dict[str, str] = {
    FileKind.PDF: "application/pdf",
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileKind.ODT: "application/vnd.oasis.opendocument.text",
    FileKind.TXT: "text/plain; charset=utf-8",
    FileKind.JPEG: "image/jpeg",
    FileKind.PNG: "image/png",
}


class DocumentStatus(models.TextChoices):
    # AGE-02: held until the uploader redacts, confirms or cancels; only they see it.
    PENDING = "pending", _("Wacht op uw beslissing")
    STORED = "stored", _("Opgeslagen")


class Document(PassendModel):
    Status = DocumentStatus

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("titel"), max_length=200)
    category = models.CharField(_("gegevenscategorie"), max_length=20, choices=DataCategory.choices)
    supplied_by = models.ForeignKey(
        Organisation,
        verbose_name=_("aangeleverd door"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    phase = models.CharField(_("fase"), max_length=20, choices=Phase.choices, blank=True)
    kind = models.CharField(_("soort bestand"), max_length=8, choices=FileKind.choices)
    size = models.PositiveBigIntegerField(_("grootte (bytes)"))
    sha256 = models.CharField(max_length=64)  # of the plaintext

    # Encryption at rest: the blob in storage, its nonce and its wrapped key.
    storage_name = models.CharField(max_length=200, unique=True)
    key_id = models.CharField(max_length=40)
    wrapped_key = models.BinaryField()
    nonce = models.BinaryField()

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STORED)
    bsn_hits = models.PositiveIntegerField(default=0)  # counted at upload; the numbers never stored
    needs_scan_confirmation = models.BooleanField(default=False)
    scan_confirmed_at = models.DateTimeField(null=True, blank=True)
    scan_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    redacted_at = models.DateTimeField(_("onkenbaar gemaakt op"), null=True, blank=True)

    # Parents' control (CON-06, AGE-03): health/diagnostics shared beyond the supplier only with
    # consent or this mark, recorded by a manager on behalf of the rights holder.
    shareable_marked_by = models.CharField(
        _("deelbaar gemaakt door (rechthebbende)"), max_length=300, blank=True
    )
    shareable_marked_on = models.DateField(_("deelbaar gemaakt op"), null=True, blank=True)
    shareable_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documenten")
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            models.Index(fields=["case", "status"], name="document_case_status"),
            models.Index(fields=["status", "uploaded_at"], name="document_pending_age"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_marked_shareable(self) -> bool:
        return self.shareable_marked_on is not None

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.kind]

    @property
    def download_name(self) -> str:
        """Server-generated: never the uploaded file name (it may hold a name)."""
        extension = "txt" if self.kind == FileKind.TXT else self.kind
        return f"{self.case.pseudonym}-document-{self.pk}.{extension}"
