"""Subject-data exporter of the TLV procedure (access bundle, PRV-02)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passend.privacy.subject_data import Section, register, section
from passend.tlv.models import (
    Advice,
    ApplicationFigures,
    Assessment,
    Decision,
    ExitPerspectiveRecord,
    Letter,
    Objection,
    Placement,
    SafetyNetOffer,
    Tlv,
    TlvApplication,
)

ACTIVITY = "tlv_procedure"
# The reports app's activity (``reports.activities``), named here by its code: the TLV app does
# not import the reports app.
MANAGEMENT_INFORMATION = "management_information"


@register("tlv")
def export(pupil_id: int) -> list[Section]:
    application = {"application__case__pupil_id": pupil_id}
    decision = {"decision__application__case__pupil_id": pupil_id}
    return [
        section(
            "tlv",
            _("TLV-aanvragen"),
            ACTIVITY,
            TlvApplication.objects.filter(case__pupil_id=pupil_id),
        ),
        section("tlv", _("Beoordelingen"), ACTIVITY, Assessment.objects.filter(**application)),
        section("tlv", _("Adviezen CvA"), ACTIVITY, Advice.objects.filter(**application)),
        section("tlv", _("Besluiten"), ACTIVITY, Decision.objects.filter(**application)),
        section("tlv", _("Brieven TLV"), ACTIVITY, Letter.objects.filter(**application)),
        section(
            "tlv",
            _("Toelaatbaarheidsverklaringen"),
            ACTIVITY,
            Tlv.objects.filter(case__pupil_id=pupil_id),
        ),
        section(
            "tlv",
            _("Uitstroomperspectief"),
            ACTIVITY,
            ExitPerspectiveRecord.objects.filter(tlv__case__pupil_id=pupil_id),
        ),
        section("tlv", _("Vangnetaanbod"), ACTIVITY, SafetyNetOffer.objects.filter(**decision)),
        section("tlv", _("Bezwaren"), ACTIVITY, Objection.objects.filter(**decision)),
        section(
            "tlv", _("Plaatsingen"), ACTIVITY, Placement.objects.filter(case__pupil_id=pupil_id)
        ),
        # What the management report counts of each application: a copy of the rows above.
        section(
            "tlv",
            _("Cijfers van TLV-aanvragen voor de managementrapportage"),
            MANAGEMENT_INFORMATION,
            ApplicationFigures.objects.filter(**application),
        ),
    ]
