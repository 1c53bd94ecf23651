"""Subject-data exporter of the informatiepunt (access bundle, PRV-02): questions and
complaints linked to one of the pupil's cases, with their history."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passend.inquiries.models import Inquiry, InquiryEvent
from passend.privacy.subject_data import Section, register, section

ACTIVITY = "information_desk"


@register("inquiries")
def export(pupil_id: int) -> list[Section]:
    return [
        section(
            "inquiries",
            _("Vragen en klachten"),
            ACTIVITY,
            Inquiry.objects.filter(case__pupil_id=pupil_id),
            exclude=("contact_phone_key",),
        ),
        section(
            "inquiries",
            _("Verloop van vragen en klachten"),
            ACTIVITY,
            InquiryEvent.objects.filter(inquiry__case__pupil_id=pupil_id),
        ),
    ]
