"""Subject-data exporter of attendance (access bundle, PRV-02): absence, reports, thuiszitten."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passend.attendance.models import (
    AbsenceRecord,
    ContactRefusal,
    DuoReport,
    HomeStay,
    OfficerNote,
    ReportableAbsence,
)
from passend.privacy.subject_data import Section, register, section

ACTIVITY = "attendance"


@register("attendance")
def export(pupil_id: int) -> list[Section]:
    school = _("verzuimregistratie van de school")
    return [
        section(
            "attendance",
            _("Verzuim"),
            ACTIVITY,
            AbsenceRecord.objects.filter(pupil_id=pupil_id),
            origin=school,
        ),
        section(
            "attendance",
            _("Meldplichtig verzuim"),
            ACTIVITY,
            ReportableAbsence.objects.filter(pupil_id=pupil_id),
        ),
        section(
            "attendance",
            _("Meldingen bij DUO"),
            ACTIVITY,
            DuoReport.objects.filter(pupil_id=pupil_id),
        ),
        section(
            "attendance",
            _("Geweigerd contact"),
            ACTIVITY,
            ContactRefusal.objects.filter(pupil_id=pupil_id),
            origin=school,
        ),
        section(
            "attendance",
            _("Notities leerplicht"),
            ACTIVITY,
            OfficerNote.objects.filter(case__pupil_id=pupil_id),
        ),
        section(
            "attendance",
            _("Thuiszitten"),
            "home_stay",
            HomeStay.objects.filter(case__pupil_id=pupil_id),
        ),
    ]
