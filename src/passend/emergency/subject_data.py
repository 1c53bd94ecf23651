"""Subject-data exporter of break-the-glass access (access bundle, PRV-02): who opened the
pupil's case outside their involvement, when, and with which reason."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passend.emergency.models import BreakGlassGrant
from passend.privacy.subject_data import Section, register, section


@register("emergency")
def export(pupil_id: int) -> list[Section]:
    return [
        section(
            "emergency",
            _("Noodtoegang tot het dossier"),
            "break_the_glass",
            BreakGlassGrant.objects.filter(case__pupil_id=pupil_id),
        )
    ]
