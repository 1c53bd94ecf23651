"""Subject-data exporter of cases (access bundle, PRV-02): cases and everything in them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passend.cases.models import Case, CaseEntry, Hearing, Participant, PhaseChange, ReuseApproval
from passend.privacy.subject_data import Section, register, section

ACTIVITY = "case_management"


@register("cases")
def export(pupil_id: int) -> list[Section]:
    of_pupil = {"case__pupil_id": pupil_id}
    return [
        section("cases", _("Trajecten"), ACTIVITY, Case.objects.filter(pupil_id=pupil_id)),
        section(
            "cases",
            _("Betrokkenen bij trajecten"),
            ACTIVITY,
            Participant.objects.filter(**of_pupil),
        ),
        section("cases", _("Fasewisselingen"), ACTIVITY, PhaseChange.objects.filter(**of_pupil)),
        section(
            "cases", _("Hoorrecht (gehoord worden)"), ACTIVITY, Hearing.objects.filter(**of_pupil)
        ),
        section(
            "cases", _("Gegevens in trajecten"), ACTIVITY, CaseEntry.objects.filter(**of_pupil)
        ),
        section(
            "cases",
            _("Toestemmingen voor hergebruik"),
            ACTIVITY,
            ReuseApproval.objects.filter(entry__case__pupil_id=pupil_id),
        ),
    ]
