"""Subject-data exporter of consent (access bundle, PRV-02): consents, grounds, justifications."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passend.consent.models import Consent, Justification, LegalGround
from passend.privacy.subject_data import Section, register, section

ACTIVITY = "consent_administration"


@register("consent")
def export(pupil_id: int) -> list[Section]:
    of_pupil = {"case__pupil_id": pupil_id}
    return [
        section("consent", _("Toestemmingen"), ACTIVITY, Consent.objects.filter(**of_pupil)),
        section(
            "consent", _("Andere grondslagen"), ACTIVITY, LegalGround.objects.filter(**of_pupil)
        ),
        section(
            "consent",
            _("Besluiten zwaarwegend belang"),
            ACTIVITY,
            Justification.objects.filter(**of_pupil),
        ),
    ]
