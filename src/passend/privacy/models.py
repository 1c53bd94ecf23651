"""The access log (DESIGN.md privacy core 2): append-only and hash-chained."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class Outcome(models.TextChoices):
    ALLOWED = "allowed", _("toegestaan")
    DENIED = "denied", _("geweigerd")


class AccessLogEntry(models.Model):
    """One read, write or security event on personal data.

    Rows are never updated or deleted: on PostgreSQL a trigger refuses it; on every database
    `manage.py verify_access_log` recomputes the chain and names the first broken entry.
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(_("tijdstip (UTC)"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(_("gebruiker"), max_length=150, blank=True)
    organisation_id = models.BigIntegerField(_("organisatie"), null=True, blank=True)
    role = models.CharField(_("rol"), max_length=40, blank=True)
    action = models.CharField(_("handeling"), max_length=40)
    subject_pseudonym = models.CharField(
        _("betrokkene (pseudoniem)"), max_length=64, blank=True, db_index=True
    )
    object_type = models.CharField(_("objectsoort"), max_length=60, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    data_categories = models.CharField(_("gegevenscategorieën"), max_length=200, blank=True)
    activity = models.CharField(_("verwerking"), max_length=60)
    legal_ground = models.CharField(_("grondslag"), max_length=200, blank=True)
    trace_id = models.CharField(_("trace-id"), max_length=64, blank=True)
    outcome = models.CharField(_("uitkomst"), max_length=10, choices=Outcome.choices)
    reason = models.CharField(_("toelichting"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP-adres"), null=True, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("toegangslogregel")
        verbose_name_plural = _("toegangslog")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["actor", "occurred_at"], name="accesslog_actor_time"),
            models.Index(fields=["object_type", "object_id"], name="accesslog_object"),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.outcome}"

    HASHED_FIELDS = (
        "occurred_at",
        "actor_id",
        "actor_username",
        "organisation_id",
        "role",
        "action",
        "subject_pseudonym",
        "object_type",
        "object_id",
        "data_categories",
        "activity",
        "legal_ground",
        "trace_id",
        "outcome",
        "reason",
        "ip_address",
    )

    def compute_hash(self, previous_hash: str) -> str:
        payload = {}
        for name in self.HASHED_FIELDS:
            value = getattr(self, name)
            if name == "occurred_at":
                value = value.isoformat(timespec="microseconds")
            payload[name] = "" if value is None else str(value)
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()
