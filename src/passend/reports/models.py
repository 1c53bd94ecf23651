"""Configuration of the reports module: the small-cell threshold (PRV-07) and the triage
targets (TLV-05), one row editable by a functional administrator."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from passend.modelbase import PassendModel
from passend.reports.suppression import DEFAULT_THRESHOLD

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class ReportSettings(PassendModel):
    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    suppression_threshold = models.PositiveSmallIntegerField(
        _("aantallen onder deze grens afschermen (PRV-07)"),
        default=DEFAULT_THRESHOLD,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
    )
    secretary_min = models.PositiveSmallIntegerField(
        _("streef: secretaris alleen, minimaal %"), default=50, validators=PERCENT
    )
    secretary_max = models.PositiveSmallIntegerField(
        _("streef: secretaris alleen, maximaal %"), default=65, validators=PERCENT
    )
    secretary_chair_min = models.PositiveSmallIntegerField(
        _("streef: secretaris en voorzitter, minimaal %"), default=10, validators=PERCENT
    )
    secretary_chair_max = models.PositiveSmallIntegerField(
        _("streef: secretaris en voorzitter, maximaal %"), default=10, validators=PERCENT
    )
    full_4_min = models.PositiveSmallIntegerField(
        _("streef: CvA breed binnen 4 weken, minimaal %"), default=20, validators=PERCENT
    )
    full_4_max = models.PositiveSmallIntegerField(
        _("streef: CvA breed binnen 4 weken, maximaal %"), default=35, validators=PERCENT
    )
    full_10_min = models.PositiveSmallIntegerField(
        _("streef: CvA breed binnen 10 weken, minimaal %"), default=5, validators=PERCENT
    )
    full_10_max = models.PositiveSmallIntegerField(
        _("streef: CvA breed binnen 10 weken, maximaal %"), default=5, validators=PERCENT
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("instellingen rapportages")
        verbose_name_plural = _("instellingen rapportages")

    def __str__(self) -> str:
        return str(_("Instellingen rapportages"))

    @classmethod
    def current(cls) -> ReportSettings:
        """The configured row, or the defaults (unsaved): reading a report never writes."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    def triage_targets(self) -> dict[str, tuple[int, int]]:
        """TLV-05 targets per triage route, as (minimum, maximum) percentages."""
        return {
            "secretary": (self.secretary_min, self.secretary_max),
            "secretary_chair": (self.secretary_chair_min, self.secretary_chair_max),
            "full_4": (self.full_4_min, self.full_4_max),
            "full_10": (self.full_10_min, self.full_10_max),
        }
