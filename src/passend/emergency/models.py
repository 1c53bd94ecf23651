"""Break-the-glass grants: time-limited access to a case outside one's involvement."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation
from passend.cases.models import Case
from passend.modelbase import PassendModel


class BreakGlassGrant(PassendModel):
    """A professional opened a case they are not involved in, with a stated reason.

    Read-only, for a few hours (``PASSEND_BREAK_GLASS_HOURS``); every read under it is logged
    with legal ground ``break_the_glass``, and the FG is notified and reviews it.
    """

    case = models.ForeignKey(
        Case, verbose_name=_("traject"), on_delete=models.CASCADE, related_name="break_glass_grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("medewerker"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("namens"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("rol"), max_length=40)
    reason = models.TextField(_("reden"))
    granted_at = models.DateTimeField(_("verleend op"), default=timezone.now)
    expires_at = models.DateTimeField(_("verloopt op"))
    reviewed_at = models.DateTimeField(_("beoordeeld door de FG op"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("noodtoegang")
        verbose_name_plural = _("noodtoegangen")
        ordering = ["-granted_at", "-id"]
        indexes = [models.Index(fields=["case", "user", "expires_at"], name="breakglass_active")]

    def __str__(self) -> str:
        return f"{self.case} {self.granted_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now()
