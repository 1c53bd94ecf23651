"""A register's PDF, built in the background (ORG-05; issue 10: the access register of a region
with 1,500 persons takes WeasyPrint 12 to 25 s, too long for a request).

The file is encrypted at rest like a document (``documents.crypto``; DESIGN.md "At rest"): the
row holds the wrapped key and nonce, the storage holds the ciphertext. Only its requester may
download it, and only while ``AVAILABLE_HOURS`` last; ``services.purge_register_pdfs`` deletes
it afterwards (row and file).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passend.modelbase import PassendModel

# A register is a snapshot for the FG's file: long enough to come back for it the same day,
# short enough that copies of the staff list do not pile up (data minimisation).
AVAILABLE_HOURS = 24
# A build takes seconds to a minute; one still running after this was cut off (the worker
# stopped or was restarted): it no longer holds up a new request and shows as failed.
BUILD_MINUTES = 15


class RegisterName(models.TextChoices):
    PROCESSING = "processing", _("Register van verwerkingsactiviteiten")
    ACCESS = "access", _("Toegangsregister")


class RegisterPdf(PassendModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("wacht op verwerking")
        RUNNING = "running", _("wordt gemaakt")
        DONE = "done", _("klaar")
        FAILED = "failed", _("mislukt")

    register = models.CharField(_("register"), max_length=20, choices=RegisterName.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("aangevraagd door"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    storage_name = models.CharField(max_length=200, blank=True)
    key_id = models.CharField(max_length=40, blank=True)
    wrapped_key = models.BinaryField(default=b"")
    nonce = models.BinaryField(default=b"")
    size = models.PositiveIntegerField(_("grootte"), default=0)
    created_at = models.DateTimeField(_("aangevraagd op"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("register-PDF")
        verbose_name_plural = _("register-PDF's")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "created_at"], name="fg_registerpdf_user")]

    def __str__(self) -> str:
        return f"{self.register} {self.pk}"

    @property
    def available_until(self) -> dt.datetime:
        return self.created_at + dt.timedelta(hours=AVAILABLE_HOURS)

    @property
    def is_interrupted(self) -> bool:
        """Running for longer than a build takes: its worker stopped (``BUILD_MINUTES``)."""
        return (
            self.status == self.Status.RUNNING
            and self.started_at is not None
            and self.started_at < timezone.now() - dt.timedelta(minutes=BUILD_MINUTES)
        )

    @property
    def has_failed(self) -> bool:
        return self.status == self.Status.FAILED or self.is_interrupted

    @property
    def is_finished(self) -> bool:
        return self.status == self.Status.DONE or self.has_failed
