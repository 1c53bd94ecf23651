"""Subject-data exporter of arrangements (access bundle, PRV-02)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passend.arrangements.models import Advice, Arrangement, Decision, Evaluation, Extension
from passend.privacy.subject_data import Section, register, section

ACTIVITY = "arrangements"


@register("arrangements")
def export(pupil_id: int) -> list[Section]:
    of = {"arrangement__case__pupil_id": pupil_id}
    return [
        section(
            "arrangements",
            _("Arrangementen"),
            ACTIVITY,
            Arrangement.objects.filter(case__pupil_id=pupil_id),
        ),
        section("arrangements", _("Adviezen arrangement"), ACTIVITY, Advice.objects.filter(**of)),
        section(
            "arrangements", _("Besluiten arrangement"), ACTIVITY, Decision.objects.filter(**of)
        ),
        section("arrangements", _("Evaluaties"), ACTIVITY, Evaluation.objects.filter(**of)),
        section("arrangements", _("Verlengingen"), ACTIVITY, Extension.objects.filter(**of)),
    ]
