"""Configured calendars and tracked terms (DESIGN.md conventions: deadlines via `terms`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation
from passend.modelbase import PassendModel


class Unit(models.TextChoices):
    DAYS = "days", _("kalenderdagen")
    WEEKS = "weeks", _("weken")
    SCHOOL_WEEKS = "school_weeks", _("schoolweken")
    WORKING_DAYS = "working_days", _("werkdagen")
    MONTHS = "months", _("maanden")


class SchoolHoliday(PassendModel):
    """A school holiday of a region. Without an SWV it applies to every SWV."""

    swv = models.ForeignKey(
        Organisation,
        verbose_name=_("samenwerkingsverband"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="school_holidays",
        limit_choices_to={"kind": "swv"},
    )
    name = models.CharField(_("naam"), max_length=100)
    start_date = models.DateField(_("eerste dag"))
    end_date = models.DateField(_("laatste dag"))

    class Meta:
        verbose_name = _("schoolvakantie")
        verbose_name_plural = _("schoolvakanties")
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="school_holiday_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.start_date:%d-%m-%Y} t/m {self.end_date:%d-%m-%Y}"


class TermRule(PassendModel):
    """A configurable term (TLV-04, ABS-01, PRV-02 …): its length and unit, with defaults
    loaded by the module that uses it and editable by a functional administrator."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    rule_reference = models.CharField(_("regel"), max_length=40, blank=True)
    length = models.PositiveIntegerField(_("lengte"))
    unit = models.CharField(_("eenheid"), max_length=20, choices=Unit.choices)
    max_extension = models.PositiveIntegerField(_("maximale verlenging"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("termijnregel")
        verbose_name_plural = _("termijnregels")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.length} {self.get_unit_display()})"


class Term(PassendModel):
    """One running deadline on one object, with suspension ("opgeschort") and extension."""

    rule = models.ForeignKey(TermRule, on_delete=models.PROTECT, related_name="terms")
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    # Pseudonym of the data subject, for dashboards that must not show names (PRV-07).
    subject_pseudonym = models.CharField(max_length=64, blank=True)
    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="terms", null=True, blank=True
    )
    start_date = models.DateField(_("start"))
    due_date = models.DateField(_("uiterlijk op"), db_index=True)
    suspended_since = models.DateField(_("opgeschort sinds"), null=True, blank=True)
    suspended_days = models.PositiveIntegerField(_("dagen opgeschort"), default=0)
    extension_reason = models.CharField(_("reden verlenging"), max_length=300, blank=True)
    extended_by = models.PositiveIntegerField(_("verlengd met"), default=0)
    completed_on = models.DateField(_("afgerond op"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("termijn")
        verbose_name_plural = _("termijnen")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="term_object"),
            # Open terms by due date (``open_terms``, ``overdue_terms``): only the open ones,
            # because an index led by ``completed_on`` made SQLite's planner take it for every
            # query of open terms. Its statistics keep one average number of rows per value
            # and cannot tell that the one value asked for, NULL, has a fifth of all terms
            # (34 rows expected, 23,788 read on the large region): the TLV work list's keys
            # 35 -> 3 ms, its terms 30 -> 1 ms (issue 10, docs/performance.md, session 33).
            models.Index(
                fields=["due_date", "id"],
                condition=models.Q(completed_on__isnull=True),
                name="term_open_due",
            ),
            # The TLV work list orders a module's open terms by due date (issue 10: 17-30 ms
            # -> 1.3 ms for the CvA secretary on the large benchmark region). With id and
            # suspended_since included the start page's terms are read from the index alone
            # (PostgreSQL; 16 ms -> 1.4 ms for the busiest coordinator of the large region).
            models.Index(
                fields=["object_type", "due_date", "object_id"],
                condition=models.Q(completed_on__isnull=True),
                include=["id", "suspended_since"],
                name="term_open_type_due_incl",
            ),
            # A module's open terms of given objects (the start page's TLV work for the
            # applications in scope, the work list's terms of a page), read from the index
            # alone, one probe per object: PostgreSQL hashed or sorted all of the region's open
            # application terms instead (2,328; the busiest coordinator's start page 1.2 ->
            # 0.5 ms, issue 10, docs/performance.md, session 42).
            models.Index(
                fields=["object_type", "object_id"],
                condition=models.Q(completed_on__isnull=True),
                include=["id", "due_date", "suspended_since", "rule"],
                name="term_open_object",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} {self.object_type}:{self.object_id} {self.due_date}"

    @property
    def is_open(self) -> bool:
        return self.completed_on is None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_since is not None
