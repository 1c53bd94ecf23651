"""Writes of the pupils app. Each write is one transaction and leaves one access-log entry.

Every text value passes the BSN guard (AGE-02) through the model fields' validators, which
``full_clean`` runs; the importer uses the same validation per line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.accounts.models import Organisation, OrganisationKind
from passend.privacy.context import AccessContext, subject_pseudonym
from passend.privacy.services import record_access
from passend.pupils.models import (
    AgePolicy,
    Enrolment,
    Guardian,
    ImportSource,
    ImportStatus,
    Pupil,
    PupilImport,
)

ACTIVITY = "pupil_administration"
# An import still waiting after this long (no worker?) no longer blocks a new upload.
IMPORT_STALE_AFTER = timedelta(hours=1)
LEGAL_GROUND = "Wpo art. 18a / Wvo art. 17a"

PUPIL_FIELDS = (
    "first_name",
    "name_prefix",
    "last_name",
    "birth_date",
    "gender",
    "email",
    "phone",
    "address",
)
GUARDIAN_FIELDS = (
    "first_name",
    "name_prefix",
    "last_name",
    "relation",
    "has_parental_authority",
    "email",
    "phone",
)
AGE_POLICY_FIELDS = (
    "joint_from_age",
    "child_alone_from_age",
    "parents_information_until_age",
    "consent_requires_all_guardians",
)


def pupil_pseudonym(pupil: Pupil | int) -> str:
    return subject_pseudonym("pupil", pupil if isinstance(pupil, int) else pupil.pk)


def log_pupil_access(
    context: AccessContext,
    pupil: Pupil,
    *,
    action: str,
    obj: Any = None,
    categories: Iterable[str] = ("ordinary",),
    reason: str = "",
) -> None:
    record_access(
        context,
        action=action,
        activity=ACTIVITY,
        subject_pseudonym=pupil_pseudonym(pupil),
        obj=obj if obj is not None else pupil,
        data_categories=categories,
        legal_ground=LEGAL_GROUND,
        reason=reason,
    )


def _check_birth_date(birth_date: date) -> None:
    if birth_date > timezone.localdate():
        raise ValidationError({"birth_date": _("De geboortedatum ligt in de toekomst (AGE-01).")})


def _unknown(fields: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")


@transaction.atomic
def create_pupil(
    context: AccessContext,
    *,
    source_system: str = "",
    source_key: str = "",
    source_school: Organisation | None = None,
    **fields: Any,
) -> Pupil:
    """A new pupil (AGE-01). Raises ValidationError naming the field (BSN: AGE-02)."""
    _unknown(fields, PUPIL_FIELDS)
    pupil = Pupil(
        source_system=source_system,
        source_key=source_key,
        source_school=source_school,
        **fields,
    )
    pupil.full_clean()
    _check_birth_date(pupil.birth_date)
    pupil.save()
    log_pupil_access(context, pupil, action="create")
    return pupil


@transaction.atomic
def update_pupil(context: AccessContext, pupil: Pupil, **changes: Any) -> Pupil:
    """Change a pupil's own data. The log names the changed fields, never their values."""
    _unknown(changes, PUPIL_FIELDS)
    changed = [name for name, value in changes.items() if getattr(pupil, name) != value]
    if not changed:
        return pupil
    for name in changed:
        setattr(pupil, name, changes[name])
    pupil.full_clean()
    _check_birth_date(pupil.birth_date)
    pupil.save(update_fields=[*changed, "updated_at"])
    log_pupil_access(context, pupil, action="update", reason="fields: " + ",".join(changed))
    return pupil


@transaction.atomic
def add_guardian(context: AccessContext, pupil: Pupil, **fields: Any) -> Guardian:
    """A parent or guardian, with or without parental authority (AGE-01, AGE-03)."""
    _unknown(fields, GUARDIAN_FIELDS)
    guardian = Guardian(pupil=pupil, **fields)
    guardian.full_clean()
    guardian.save()
    log_pupil_access(context, pupil, action="create", obj=guardian, categories=("family",))
    return guardian


@transaction.atomic
def enrol(
    context: AccessContext,
    pupil: Pupil,
    school: Organisation,
    *,
    start_date: date,
    grade: str = "",
) -> Enrolment:
    """Enrol ``pupil`` at ``school`` from ``start_date``.

    Enrolments at other schools are left alone: ending one is that school's act.
    """
    if school.kind != OrganisationKind.SCHOOL:
        raise ValidationError(
            {"school": _("Een leerling kan alleen op een school worden ingeschreven (ORG-01).")}
        )
    overlapping = Enrolment.objects.filter(pupil=pupil, school=school).exclude(
        end_date__lt=start_date
    )
    if overlapping.exists():
        raise ValidationError(
            {"school": _("Deze leerling staat op die datum al ingeschreven op deze school.")}
        )
    enrolment = Enrolment(pupil=pupil, school=school, start_date=start_date, grade=grade)
    enrolment.full_clean()
    enrolment.save()
    log_pupil_access(context, pupil, action="enrol", obj=enrolment)
    return enrolment


@transaction.atomic
def register_pupil(
    context: AccessContext,
    *,
    school: Organisation,
    pupil_data: Mapping[str, Any],
    guardians: Iterable[Mapping[str, Any]] = (),
    start_date: date | None = None,
    grade: str = "",
) -> Pupil:
    """Create a pupil by hand with guardians and an enrolment at ``school``: all or nothing."""
    duplicate = Pupil.objects.filter(
        first_name__iexact=pupil_data.get("first_name", ""),
        last_name__iexact=pupil_data.get("last_name", ""),
        birth_date=pupil_data["birth_date"],
        enrolments__school=school,
        enrolments__end_date__isnull=True,
    ).exists()
    if duplicate:
        raise ValidationError(
            _("Er staat al een leerling met deze naam en geboortedatum ingeschreven op uw school.")
        )
    pupil = create_pupil(context, **pupil_data)
    for data in guardians:
        add_guardian(context, pupil, **data)
    enrol(context, pupil, school, start_date=start_date or timezone.localdate(), grade=grade)
    return pupil


@transaction.atomic
def update_age_policy(context: AccessContext, **changes: Any) -> AgePolicy:
    """Change the AGE-03 ages; the access log records old and new values."""
    _unknown(changes, AGE_POLICY_FIELDS)
    policy = AgePolicy.objects.select_for_update().filter(pk=1).first() or AgePolicy()
    before = {name: getattr(policy, name) for name in AGE_POLICY_FIELDS}
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    changed = [
        f"{n}:{before[n]}->{getattr(policy, n)}"
        for n in AGE_POLICY_FIELDS
        if before[n] != getattr(policy, n)
    ]
    record_access(
        context,
        action="update",
        activity="age_policy_administration",
        obj=policy,
        reason=";".join(changed) or "no change",
    )
    return policy


def start_import(
    context: AccessContext,
    *,
    school: Organisation,
    source: str,
    file: IO[bytes],
    enqueue: bool = True,
) -> PupilImport:
    """Store a sanitised upload (no BSN, AGE-02) and queue its processing.

    Raises ValidationError for a file that cannot be read (encoding, missing columns).
    The task gets only the import's id (no personal data in task arguments).
    """
    from passend.pupils import importers, tasks

    if school.kind != OrganisationKind.SCHOOL:
        raise ValidationError(_("Alleen een school kan leerlingen importeren."))
    if source not in ImportSource.values:
        raise ValidationError({"source": _("Kies een bekend bronsysteem.")})
    busy = PupilImport.objects.filter(
        school=school,
        status__in=[ImportStatus.PENDING, ImportStatus.RUNNING],
        created_at__gte=timezone.now() - IMPORT_STALE_AFTER,
    ).exists()
    if busy:
        raise ValidationError(_("Er loopt al een import voor deze school. Wacht tot die klaar is."))
    prepared = importers.prepare(file, source)
    with transaction.atomic():
        pupil_import = PupilImport.objects.create(
            school=school,
            source=source,
            requested_by=context.user,
            requested_role=context.role,
            trace_id=context.trace_id,
            content=prepared.content,
            total_lines=prepared.total_lines,
            ignored_columns=prepared.ignored_columns,
            column_labels=prepared.column_labels,
        )
        record_access(
            context,
            action="import_upload",
            activity=ACTIVITY,
            obj=pupil_import,
            data_categories=("ordinary",),
            legal_ground=LEGAL_GROUND,
            reason=f"source={source};lines={prepared.total_lines}",
        )
    if enqueue:
        tasks.process_pupil_import.enqueue(pupil_import.pk)
    return pupil_import
