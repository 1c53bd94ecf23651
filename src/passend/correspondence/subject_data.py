"""Subject-data exporter of correspondence (access bundle, PRV-02): messages and letters."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passend.correspondence.models import Letter, Message
from passend.privacy.subject_data import Section, register, section

ACTIVITY = "correspondence"


@register("correspondence")
def export(pupil_id: int) -> list[Section]:
    return [
        section(
            "correspondence",
            _("Berichten"),
            ACTIVITY,
            Message.objects.filter(case__pupil_id=pupil_id),
        ),
        section(
            "correspondence", _("Brieven"), ACTIVITY, Letter.objects.filter(case__pupil_id=pupil_id)
        ),
    ]
