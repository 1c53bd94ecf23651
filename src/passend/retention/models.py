"""Retention (PRV-06): policies per case kind and organisation, legal holds, deletion records.

A case's clock starts when it is closed ("afgemeld", ``Case.closed_at``). When the policy's
term has passed and no legal hold is active, the daily purge deletes the case with everything
that belongs to it and keeps a ``DeletionRecord`` that holds no personal data.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation
from passend.cases.models import Case, CaseKind
from passend.modelbase import PassendModel


class RetentionPolicy(PassendModel):
    """How long a closed case of a kind is kept. Configuration (functional administrator).

    A row without organisation is the default for the kind; a row for an organisation (the
    case's owner, e.g. a school with its own terms) overrides it.
    """

    case_kind = models.CharField(_("soort traject"), max_length=20, choices=CaseKind.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisatie (leeg = standaard)"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    years = models.PositiveSmallIntegerField(
        _("bewaartermijn (jaren)"), validators=[MaxValueValidator(100)]
    )
    months = models.PositiveSmallIntegerField(
        _("en maanden"), default=0, validators=[MaxValueValidator(11)]
    )
    basis = models.CharField(_("grondslag van de termijn"), max_length=300)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bewaartermijn")
        verbose_name_plural = _("bewaartermijnen")
        ordering = ["case_kind", "organisation_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case_kind", "organisation"], name="retention_one_policy_per_org"
            ),
            models.UniqueConstraint(
                fields=["case_kind"],
                condition=Q(organisation__isnull=True),
                name="retention_one_default_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_case_kind_display()}: {self.term_label}"

    @property
    def term_label(self) -> str:
        label = _("%(years)s jaar") % {"years": self.years}
        if self.months:
            label += " " + _("en %(months)s maanden") % {"months": self.months}
        return str(label) + " " + str(_("na afmelden"))

    def expires_on(self, closed_on: dt.date) -> dt.date:
        from passend.terms.calendar import add_months

        return add_months(closed_on, self.years * 12 + self.months)


class LegalHold(PassendModel):
    """A duty to keep a case beyond its term (e.g. a pending objection or court case)."""

    case = models.ForeignKey(
        Case, verbose_name=_("traject"), on_delete=models.CASCADE, related_name="legal_holds"
    )
    reason = models.CharField(_("reden"), max_length=300)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("vastgelegd door"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    placed_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)
    until = models.DateField(_("tot en met (leeg = tot opheffing)"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("opgeheven op"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opgeheven door"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("bewaarplicht (legal hold)")
        verbose_name_plural = _("bewaarplichten (legal holds)")
        ordering = ["-placed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case} ({self.reason[:40]})"

    def is_active(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.lifted_at is None and (self.until is None or self.until >= today)


def active_hold_q(today: dt.date) -> Q:
    """Holds in force on ``today``, as a filter on ``LegalHold``."""
    return Q(lifted_at__isnull=True) & (Q(until__isnull=True) | Q(until__gte=today))


class PurgeRun(PassendModel):
    """One run of the daily purge: what it did, in counts only."""

    started_at = models.DateTimeField(_("gestart"))
    finished_at = models.DateTimeField(_("klaar"), null=True, blank=True)
    trigger = models.CharField(_("gestart door"), max_length=20)  # task / command
    dry_run = models.BooleanField(_("proefdraai"), default=False)
    cases_deleted = models.PositiveIntegerField(_("trajecten vernietigd"), default=0)
    cases_held = models.PositiveIntegerField(_("overgeslagen: bewaarplicht"), default=0)
    cases_failed = models.PositiveIntegerField(_("niet gelukt"), default=0)
    rows_deleted = models.PositiveIntegerField(_("rijen vernietigd"), default=0)
    files_deleted = models.PositiveIntegerField(_("bestanden vernietigd"), default=0)
    failures = models.JSONField(_("oorzaken (zonder persoonsgegevens)"), default=dict)

    class Meta:
        verbose_name = _("vernietigingsronde")
        verbose_name_plural = _("vernietigingsrondes")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.cases_deleted})"


class DeletionRecord(PassendModel):
    """PRV-06: the deletion of one case, recorded without the deleted personal data.

    No name, no pseudonym, no id of the case or pupil: only what kind of file, whose file
    (the organisation), when it was closed and deleted, under which policy, and how many rows
    and files of each sort were removed.
    """

    run = models.ForeignKey(PurgeRun, on_delete=models.PROTECT, related_name="records")
    deleted_at = models.DateTimeField(_("vernietigd op"))
    case_kind = models.CharField(_("soort traject"), max_length=20, choices=CaseKind.choices)
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("eigenaar"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_on = models.DateField(_("afgemeld op"))
    expired_on = models.DateField(_("termijn verstreken op"))
    policy = models.ForeignKey(
        RetentionPolicy, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    policy_label = models.CharField(_("bewaartermijn"), max_length=200)
    counts = models.JSONField(_("vernietigd per soort"), default=dict)
    files_deleted = models.PositiveIntegerField(_("bestanden"), default=0)

    class Meta:
        verbose_name = _("vernietigingsverklaring")
        verbose_name_plural = _("vernietigingsverklaringen")
        ordering = ["-deleted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_case_kind_display()} {self.deleted_at:%Y-%m-%d}"
