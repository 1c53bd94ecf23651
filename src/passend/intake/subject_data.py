"""Subject-data exporter of the digital application form (access bundle, PRV-02).

A submission belongs to the pupil once it was accepted into one of their cases, and before that
when it names exactly this pupil (first name, last name and birth date, as the intake queue
matches them). Attachments: metadata only, never contents or keys.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from passend.intake.models import DeliveryLink, IntakeFile, IntakeSubmission
from passend.privacy.subject_data import Section, register, section
from passend.pupils.models import Pupil


@register("intake")
def export(pupil_id: int) -> list[Section]:
    pupil = Pupil.objects.filter(pk=pupil_id).first()
    about = Q(case__pupil_id=pupil_id)
    if pupil is not None:
        about |= Q(
            pupil_first_name__iexact=pupil.first_name,
            pupil_last_name__iexact=pupil.last_name,
            pupil_birth_date=pupil.birth_date,
        )
    submissions = IntakeSubmission.objects.filter(about)
    return [
        section(
            "intake",
            _("Aanmeldingen via het formulier"),
            "intake",
            submissions,
            origin=_("aanmeldformulier"),
            exclude=("source_key",),
        ),
        section(
            "intake",
            _("Bijlagen bij aanmeldingen"),
            "intake",
            IntakeFile.objects.filter(submission__in=submissions),
        ),
        section(
            "intake",
            _("Aanleverlinks"),
            "external_delivery",
            DeliveryLink.objects.filter(case__pupil_id=pupil_id),
            exclude=("token_hash",),
        ),
    ]
