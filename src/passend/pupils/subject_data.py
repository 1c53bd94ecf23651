"""Subject-data exporter of pupils (access bundle, PRV-02): the pupil, enrolments, guardians."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passend.privacy.subject_data import Section, register, section
from passend.pupils.models import Enrolment, Guardian, Pupil

ACTIVITY = "pupil_administration"


@register("pupils")
def export(pupil_id: int) -> list[Section]:
    origin = _("leerlingadministratie van de school")
    return [
        section(
            "pupils", _("Leerling"), ACTIVITY, Pupil.objects.filter(pk=pupil_id), origin=origin
        ),
        section(
            "pupils",
            _("Inschrijvingen"),
            ACTIVITY,
            Enrolment.objects.filter(pupil_id=pupil_id),
            origin=origin,
        ),
        section(
            "pupils",
            _("Ouders en verzorgers"),
            ACTIVITY,
            Guardian.objects.filter(pupil_id=pupil_id),
            origin=origin,
        ),
    ]
