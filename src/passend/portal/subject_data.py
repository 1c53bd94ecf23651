"""Subject-data exporter of the parent and youth portal (access bundle, PRV-02).

Sign-in identities and attempts are about the guardian's e-mail address, not the pupil, and hold
only hashes and dates; the address itself is in the guardian's record.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passend.portal.models import ConsentApproval, GuardianViewPermission, Statement
from passend.privacy.subject_data import Section, register, section

ACTIVITY = "rights_holder_portal"


@register("portal")
def export(pupil_id: int) -> list[Section]:
    return [
        section(
            "portal",
            _("Zienswijzen via het portaal"),
            ACTIVITY,
            Statement.objects.filter(case__pupil_id=pupil_id),
            origin=_("ouder of jongere (portaal)"),
        ),
        section(
            "portal",
            _("Inzage van ouders toegestaan door de jongere"),
            ACTIVITY,
            GuardianViewPermission.objects.filter(pupil_id=pupil_id),
            origin=_("jongere (portaal)"),
        ),
        section(
            "portal",
            _("Instemming met toestemming via het portaal"),
            ACTIVITY,
            ConsentApproval.objects.filter(previous__case__pupil_id=pupil_id),
            origin=_("ouder of jongere (portaal)"),
        ),
    ]
