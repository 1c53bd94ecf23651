"""Subject-data exporter of retention (access bundle, PRV-02): legal holds that keep the
pupil's case beyond its retention term, with their reason."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passend.privacy.subject_data import Section, register, section
from passend.retention.models import LegalHold


@register("retention")
def export(pupil_id: int) -> list[Section]:
    return [
        section(
            "retention",
            _("Bewaarplicht (legal hold) op een traject"),
            "retention",
            LegalHold.objects.filter(case__pupil_id=pupil_id),
        )
    ]
