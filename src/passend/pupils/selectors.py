"""Reads of the pupils app.

Reads of pupils for professionals go through the access policy (``passend.access``); the
selectors here are its building blocks and the school's own administration screens.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from passend.accounts.models import Organisation
from passend.pupils.models import Guardian, Pupil, PupilImport


def pupils_enrolled_at(school: Organisation | int, on: date | None = None) -> QuerySet[Pupil]:
    """Pupils with a current enrolment at ``school`` on ``on`` (default today)."""
    today = on or timezone.localdate()
    return Pupil.objects.filter(
        Q(enrolments__end_date__isnull=True) | Q(enrolments__end_date__gte=today),
        enrolments__school=school,
        enrolments__start_date__lte=today,
    ).distinct()


def guardians_of(pupil: Pupil) -> QuerySet[Guardian]:
    return Guardian.objects.filter(pupil=pupil)


def imports_for_school(school: Organisation) -> QuerySet[PupilImport]:
    return PupilImport.objects.filter(school=school).defer("content")


def import_for_school(school: Organisation, pk: int) -> PupilImport | None:
    return imports_for_school(school).filter(pk=pk).first()
