"""Writes of the attendance module. One transaction per call, each leaves an access-log entry.

Rules: ABS-01 (detection, DUO report and its term), ABS-02 (sick leave, contact refusal),
ABS-03 (leerplicht notes only after a DUO report; preventive notes at school level),
ABS-04 (thuiszitters), ABS-05 (leerplicht sees the attendance module only: through the
policy), CO-07 (link to verzuimoverleg / thuiszittersoverleg), AGE-02 (no BSN anywhere).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.access.actor import Actor
from passend.access.policy import decide_case
from passend.accounts.models import Membership, Organisation, OrganisationKind, Role, Sector
from passend.attendance import detection, importers
from passend.attendance.models import (
    MANUAL_SOURCE,
    AbsenceImport,
    AbsenceKind,
    AbsenceRecord,
    ContactRefusal,
    DuoReport,
    HomeStay,
    HomeStayKind,
    ImportStatus,
    OfficerNote,
    PreventiveNote,
    PreventiveTopic,
    ReportableAbsence,
    ReportReason,
)
from passend.bsn_guard import ensure_no_bsn
from passend.cases.models import ATTENDANCE_KINDS, Case, CaseKind, Phase
from passend.consent.models import LegalBasis
from passend.privacy.categories import DataCategory
from passend.privacy.context import AccessContext, subject_pseudonym
from passend.privacy.services import record_access
from passend.pupils.models import ImportSource, Pupil
from passend.pupils.selectors import pupils_enrolled_at

ACTIVITY = "attendance"
HOME_STAY_ACTIVITY = "home_stay"
LEGAL_GROUND = detection.LEGAL_GROUND
IMPORT_STALE_AFTER = dt.timedelta(hours=2)
HOME_STAY_ROLES = frozenset({Role.SUPPORT_COORDINATOR, Role.SWV_DIRECTOR, Role.ECT_MEMBER})


def _log(
    actor: Actor | AccessContext,
    action: str,
    obj: Any,
    *,
    pupil_id: int | None,
    activity: str = ACTIVITY,
    categories: tuple[str, ...] = (DataCategory.ABSENCE,),
    reason: str = "",
) -> None:
    context = actor.context if isinstance(actor, Actor) else actor
    record_access(
        context,
        action=action,
        activity=activity,
        subject_pseudonym=subject_pseudonym("pupil", pupil_id) if pupil_id else "",
        obj=obj,
        data_categories=categories,
        legal_ground=LEGAL_GROUND,
        reason=reason,
    )


def coordinator_school(membership: Membership | None) -> Organisation:
    """The school a support coordinator acts for; PermissionDenied for anyone else."""
    if (
        membership is None
        or membership.role != Role.SUPPORT_COORDINATOR
        or membership.organisation.kind != OrganisationKind.SCHOOL
    ):
        raise PermissionDenied(
            _("Alleen de ondersteuningscoördinator van een school registreert verzuim.")
        )
    return membership.organisation


def _require_enrolled(school: Organisation, pupil: Pupil, on: dt.date | None = None) -> None:
    if not pupils_enrolled_at(school, on).filter(pk=pupil.pk).exists():
        raise ValidationError(
            {
                "pupil": _(
                    "Deze leerling staat niet ingeschreven op uw school. U registreert alleen "
                    "verzuim van eigen leerlingen (ORG-04)."
                )
            }
        )


# --- import -------------------------------------------------------------------------------


def start_import(
    actor: Actor, *, source: str, file: IO[bytes], enqueue: bool = True
) -> AbsenceImport:
    """Store a sanitised upload (no BSN, AGE-02) and queue it; the task gets only the id."""
    from passend.attendance import tasks

    school = coordinator_school(actor.membership)
    if source not in ImportSource.values:
        raise ValidationError({"source": _("Kies een bekend bronsysteem.")})
    busy = AbsenceImport.objects.filter(
        school=school,
        status__in=[ImportStatus.PENDING, ImportStatus.RUNNING, ImportStatus.DETECTING],
        created_at__gte=timezone.now() - IMPORT_STALE_AFTER,
    ).exists()
    if busy:
        raise ValidationError(
            _("Er loopt al een verzuimimport voor deze school. Wacht tot die klaar is.")
        )
    prepared = importers.prepare(file, source)
    with transaction.atomic():
        run = AbsenceImport.objects.create(
            school=school,
            source=source,
            requested_by=actor.user,
            requested_membership=actor.membership,
            requested_role=actor.context.role,
            trace_id=actor.context.trace_id,
            total_lines=prepared.total_lines,
            ignored_columns=prepared.ignored_columns,
            column_labels=prepared.column_labels,
        )
        importers.store_content(run, prepared.content)
        record_access(
            actor.context,
            action="import_upload",
            activity=ACTIVITY,
            obj=run,
            data_categories=(DataCategory.ABSENCE,),
            legal_ground=LEGAL_GROUND,
            reason=f"source={source};lines={prepared.total_lines}",
        )
    if enqueue:
        tasks.process_absence_import.enqueue(run.pk)
    return run


# --- manual entry and contact refusal -------------------------------------------------------


def _hours(value: Any, start: dt.time | None, end: dt.time | None, school: Organisation) -> Decimal:
    if value not in (None, ""):
        try:
            hours = Decimal(str(value).replace(",", "."))
        except InvalidOperation:
            raise ValidationError({"hours": _("Vul een aantal uren in.")}) from None
    elif start is not None and end is not None:
        if school.sector == Sector.VO:
            raise ValidationError(
                {
                    "hours": _(
                        "In het voortgezet onderwijs telt verzuim in lesuren: vul het aantal lesuren in (ABS-01)."
                    )
                }
            )
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    else:
        raise ValidationError(
            {"hours": _("Vul het aantal uren (VO: lesuren) in, of begin- en eindtijd (ABS-01).")}
        )
    if not Decimal("0") < hours <= Decimal("24"):
        raise ValidationError({"hours": _("Het aantal uren moet groter dan 0 en hooguit 24 zijn.")})
    return hours.quantize(Decimal("0.01"))


def record_absence(
    actor: Actor,
    *,
    pupil: Pupil,
    date: dt.date,
    kind: str,
    hours: Any = None,
    start_time: dt.time | None = None,
    end_time: dt.time | None = None,
    reason_code: str = "",
    today: dt.date | None = None,
) -> AbsenceRecord:
    """Manual entry by the school; then the meldplicht is determined for this pupil."""
    school = coordinator_school(actor.membership)
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if kind not in AbsenceKind.values:
        errors["kind"] = _("Kies de soort verzuim.")
    if date > today:
        errors["date"] = _("De datum ligt in de toekomst.")
    if start_time and end_time and end_time <= start_time:
        errors["end_time"] = _("De eindtijd moet na de begintijd liggen.")
    if errors:
        raise ValidationError(errors)
    value = _hours(hours, start_time, end_time, school)
    _require_enrolled(school, pupil, date)
    ensure_no_bsn({"reason_code": reason_code})
    with transaction.atomic():
        record = AbsenceRecord.objects.create(
            school=school,
            pupil=pupil,
            source=MANUAL_SOURCE,
            date=date,
            start_time=start_time,
            end_time=end_time,
            hours=value,
            kind=kind,
            reason_code=reason_code.strip()[:40],
            entered_by=actor.user,
        )
        _log(actor, "create", record, pupil_id=pupil.pk)
        detection.detect(
            school, [pupil.pk], membership=actor.membership, context=actor.context, today=today
        )
    return record


def register_contact_refusal(
    actor: Actor, *, pupil: Pupil, since: dt.date, note: str = ""
) -> ContactRefusal:
    """ABS-02: parents refuse contact with school/jeugdarts; the next sick report is reported
    as suspected unauthorised absence ("overig verzuim")."""
    school = coordinator_school(actor.membership)
    if since > timezone.localdate():
        raise ValidationError({"since": _("De datum ligt in de toekomst.")})
    _require_enrolled(school, pupil)
    ensure_no_bsn({"note": note})
    with transaction.atomic():
        refusal = ContactRefusal.objects.create(
            school=school, pupil=pupil, since=since, note=note.strip(), recorded_by=actor.user
        )
        _log(actor, "create", refusal, pupil_id=pupil.pk, reason="ABS-02")
        detection.detect(school, [pupil.pk], membership=actor.membership, context=actor.context)
    return refusal


# --- DUO report ---------------------------------------------------------------------------


@transaction.atomic
def register_duo_report(
    actor: Actor,
    case: Case,
    *,
    kind: str,
    reported_on: dt.date,
    reference: str,
    municipality: Organisation,
    attendance_officer: Any = None,
    reportable: ReportableAbsence | None = None,
) -> DuoReport:
    """ABS-01: the school reported in the DUO verzuimloket. Gives the municipality the
    CON-04 ground on this case (ordinary + absence) and, when chosen, makes the
    leerplichtambtenaar a participant: that is how leerplicht gets access (ABS-05)."""
    from passend.cases import services as case_services
    from passend.consent import services as consent_services
    from passend.terms import services as term_services

    access = decide_case(actor.user, actor.membership, case)
    if not access.can_manage or case.kind != CaseKind.ATTENDANCE:
        raise PermissionDenied(_("Alleen de school die het verzuimtraject beheert meldt bij DUO."))
    errors: dict[str, str] = {}
    if kind not in ReportReason.values:
        errors["kind"] = _("Kies de soort melding (ABS-01).")
    if reported_on > timezone.localdate():
        errors["reported_on"] = _("De meldingsdatum ligt in de toekomst.")
    if not reference.strip():
        errors["reference"] = _("Vul het kenmerk van de melding bij DUO in (ABS-01).")
    if municipality.kind != OrganisationKind.MUNICIPALITY:
        errors["municipality"] = _("Kies de gemeente (leerplicht) van de leerling (ABS-01).")
    if (
        attendance_officer is not None
        and not Membership.objects.active()
        .filter(user=attendance_officer, organisation=municipality, role=Role.ATTENDANCE_OFFICER)
        .exists()
    ):
        errors["attendance_officer"] = _(
            "Deze persoon is geen leerplichtambtenaar van de gekozen gemeente (ABS-05)."
        )
    if reportable is not None and (reportable.case_id != case.pk):
        errors["reportable"] = _("Deze signalering hoort niet bij dit traject.")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"reference": reference})
    if reportable is None:
        reportable = (
            ReportableAbsence.objects.filter(
                case=case, reason=kind, status=ReportableAbsence.Status.OPEN
            )
            .order_by("trigger_date")
            .first()
        )
    if case.pupil_id is None:
        raise ValidationError(_("Een anoniem traject kan niet bij DUO worden gemeld."))
    report = DuoReport.objects.create(
        case=case,
        pupil_id=case.pupil_id,
        reportable=reportable,
        kind=kind,
        reported_on=reported_on,
        reference=reference.strip(),
        municipality=municipality,
        attendance_officer=attendance_officer,
        recorded_by=actor.user,
    )
    if reportable is not None:
        reportable.status = ReportableAbsence.Status.REPORTED
        reportable.save(update_fields=["status"])
        if reportable.term is not None and reportable.term.is_open:
            term_services.complete(reportable.term, reported_on)
    has_ground = case.legal_grounds.filter(
        organisation=municipality, basis=LegalBasis.ABSENCE_REPORT, ended_at__isnull=True
    ).exists()
    if not has_ground:
        consent_services.record_legal_ground(
            actor,
            case,
            organisation=municipality,
            basis=LegalBasis.ABSENCE_REPORT,
            categories=[DataCategory.ORDINARY, DataCategory.ABSENCE],
            note=_("Verzuimmelding DUO van %(date)s") % {"date": reported_on.strftime("%d-%m-%Y")},
        )
    if (
        attendance_officer is not None
        and not case.participants.filter(
            user=attendance_officer, organisation=municipality, ended_at__isnull=True
        ).exists()
    ):
        case_services.add_participant(
            actor,
            case,
            organisation=municipality,
            user=attendance_officer,
            role=str(_("Leerplichtambtenaar")),
            legal_task=municipality.legal_basis,
            joined_phase=case.phase if case.phase != Phase.CLOSED else Phase.INTAKE,
        )
    _log(actor, "register_duo_report", report, pupil_id=case.pupil_id, reason=f"kind={kind}")
    from passend.privacy.services import register_disclosure

    # PRV-05: the report goes to DUO's verzuimloket, which passes it to leerplicht.
    register_disclosure(
        actor.context,
        pupil_id=case.pupil_id,
        recipient=_("DUO verzuimloket, leerplicht %(municipality)s")
        % {"municipality": municipality.name},
        recipient_organisation_id=municipality.pk,
        description=_("Verzuimmelding (%(kind)s)") % {"kind": ReportReason(kind).label},
        legal_ground=_("Leerplichtwet 1969 art. 21 (meldplicht verzuim)"),
        data_categories=[DataCategory.ORDINARY, DataCategory.ABSENCE],
        obj=report,
        activity="attendance",
    )
    return report


# --- leerplicht notes (ABS-03) --------------------------------------------------------------


def has_duo_report(pupil_id: int | None) -> bool:
    return pupil_id is not None and DuoReport.objects.filter(pupil_id=pupil_id).exists()


@transaction.atomic
def add_officer_note(actor: Actor, case: Case, *, held_on: dt.date, body: str) -> OfficerNote:
    """ABS-03: a person-level note by the leerplichtambtenaar, only once a DUO report exists
    for this pupil (the legal ground). Without it: a school-level preventive note."""
    membership = actor.membership
    if membership is None or membership.role != Role.ATTENDANCE_OFFICER:
        raise PermissionDenied(_("Alleen de leerplichtambtenaar maakt notities leerplicht."))
    access = decide_case(actor.user, membership, case)
    if not access.can_see(DataCategory.ABSENCE) or case.kind not in ATTENDANCE_KINDS:
        raise PermissionDenied(_("U bent niet betrokken bij dit verzuimtraject (ABS-05)."))
    errors: dict[str, str] = {}
    if not has_duo_report(case.pupil_id):
        errors["body"] = _(
            "Een notitie over deze leerling kan pas als de school het verzuim bij DUO heeft "
            "gemeld: zonder melding is er geen grondslag. Leg preventief werk vast op "
            "schoolniveau, zonder naam (ABS-03)."
        )
    if not body.strip():
        errors["body"] = errors.get("body") or _("Schrijf de notitie.")
    if held_on > timezone.localdate():
        errors["held_on"] = _("De datum ligt in de toekomst.")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"body": body})
    note = OfficerNote.objects.create(
        case=case,
        organisation=membership.organisation,
        author=actor.user,
        held_on=held_on,
        body=body.strip(),
    )
    _log(actor, "create", note, pupil_id=case.pupil_id, reason="ABS-03")
    return note


@transaction.atomic
def add_preventive_note(
    actor: Actor, *, school: Organisation, held_on: dt.date, topic: str, body: str
) -> PreventiveNote:
    """ABS-03: preventive work without a DUO report, at school level and without a pupil."""
    membership = actor.membership
    if membership is None or membership.role != Role.ATTENDANCE_OFFICER:
        raise PermissionDenied(_("Alleen de leerplichtambtenaar legt preventief werk vast."))
    errors: dict[str, str] = {}
    if school.kind != OrganisationKind.SCHOOL:
        errors["school"] = _("Kies een school.")
    if topic not in PreventiveTopic.values:
        errors["topic"] = _("Kies een onderwerp.")
    if not body.strip():
        errors["body"] = _("Beschrijf de afspraken op schoolniveau.")
    if held_on > timezone.localdate():
        errors["held_on"] = _("De datum ligt in de toekomst.")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"body": body})
    note = PreventiveNote.objects.create(
        school=school,
        organisation=membership.organisation,
        author=actor.user,
        held_on=held_on,
        topic=topic,
        body=body.strip(),
    )
    record_access(
        actor.context,
        action="create",
        activity=ACTIVITY,
        obj=note,
        data_categories=(),
        legal_ground=str(membership.organisation.legal_basis),
        reason="ABS-03 school level",
    )
    return note


# --- thuiszitters (ABS-04) -------------------------------------------------------------------


HOME_STAY_FIELDS = (
    "kind",
    "exemption_ground",
    "exemption_letter_on",
    "exemption_valid_until",
    "start_date",
    "end_date",
    "reason",
    "reason_note",
    "offer",
    "offer_suitable",
    "offer_since",
    "status",
    "consultation_type",
    "consultation_case",
)


def _check_home_stay(actor: Actor, values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    kind = values.get("kind")
    if kind not in HomeStayKind.values:
        errors["kind"] = _("Kies relatief verzuim, absoluut verzuim of vrijstelling (ABS-04).")
    start = values.get("start_date")
    if start is None:
        errors["start_date"] = _("Vul in sinds wanneer de leerling thuis zit (ABS-04).")
    elif start > today:
        errors["start_date"] = _("De datum ligt in de toekomst.")
    end = values.get("end_date")
    if end is not None and start is not None and end < start:
        errors["end_date"] = _("De einddatum ligt vóór de begindatum.")
    if not values.get("reason"):
        errors["reason"] = _("Kies de reden (ABS-04).")
    if kind == HomeStayKind.EXEMPTION:
        if not values.get("exemption_ground"):
            errors["exemption_ground"] = _("Kies de grond van de vrijstelling (ABS-04).")
        if not values.get("exemption_letter_on"):
            errors["exemption_letter_on"] = _("Vul de datum van de beschikking in (ABS-04).")
    elif values.get("exemption_ground"):
        errors["exemption_ground"] = _("Alleen bij een vrijstelling hoort een grond.")
    if values.get("offer_suitable") and not (values.get("offer") or "").strip():
        errors["offer"] = _("Beschrijf het passende aanbod (ABS-04).")
    if values.get("offer_suitable") and not values.get("offer_since"):
        errors["offer_since"] = _("Vul in sinds wanneer het passende aanbod er is (ABS-04).")
    linked = values.get("consultation_case")
    if linked is not None:
        if (
            linked.kind != CaseKind.CONSULTATION
            or not decide_case(actor.user, actor.membership, linked).allowed
        ):
            errors["consultation_case"] = _(
                "Kies een casusoverleg waarbij u betrokken bent (CO-07)."
            )
        elif not values.get("consultation_type"):
            errors["consultation_type"] = _(
                "Kies of het een verzuimoverleg of een thuiszittersoverleg is (CO-07)."
            )
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"reason_note": values.get("reason_note", ""), "offer": values.get("offer", "")})


def _home_stay_swv_and_school(
    membership: Membership, pupil: Pupil, kind: str
) -> tuple[Organisation, Organisation | None]:
    organisation = membership.organisation
    if organisation.kind == OrganisationKind.SCHOOL:
        if kind == HomeStayKind.ABSOLUTE:
            raise ValidationError(
                {
                    "kind": _(
                        "Absoluut verzuim (niet ingeschreven) registreert het SWV of leerplicht."
                    )
                }
            )
        if organisation.swv is None:
            raise ValidationError({"kind": _("Uw school hoort niet bij een samenwerkingsverband.")})
        return organisation.swv, organisation
    enrolments = pupil.enrolments.select_related("school").filter(school__swv=organisation)
    if not enrolments.exists():
        raise ValidationError(
            {"pupil": _("Deze leerling is niet bekend bij een school van uw samenwerkingsverband.")}
        )
    current = enrolments.filter(end_date__isnull=True).first()
    if kind == HomeStayKind.RELATIVE and current is None:
        raise ValidationError(
            {"kind": _("Relatief verzuim geldt alleen voor een ingeschreven leerling (ABS-04).")}
        )
    return organisation, current.school if current else None


@transaction.atomic
def register_home_stay(actor: Actor, *, pupil: Pupil, **values: Any) -> HomeStay:
    """ABS-04: opens a HOME_STAY case owned by the school or SWV and registers the thuiszitter."""
    from passend.cases import services as case_services

    membership = actor.membership
    if membership is None or membership.role not in HOME_STAY_ROLES:
        raise PermissionDenied(_("In deze rol registreert u geen thuiszitters."))
    unknown = set(values) - set(HOME_STAY_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    values.setdefault("status", HomeStay.Status.OPEN)
    _check_home_stay(actor, values)
    swv, school = _home_stay_swv_and_school(membership, pupil, values["kind"])
    case = case_services.open_case(
        actor, kind=CaseKind.HOME_STAY, pupil=pupil, title=str(_("Thuiszitter"))
    )
    home_stay = HomeStay.objects.create(
        case=case, swv=swv, school=school, recorded_by=actor.user, **values
    )
    _log(
        actor,
        "create",
        home_stay,
        pupil_id=pupil.pk,
        activity=HOME_STAY_ACTIVITY,
        categories=(DataCategory.ORDINARY, DataCategory.ABSENCE),
        reason="ABS-04",
    )
    return home_stay


@transaction.atomic
def update_home_stay(actor: Actor, home_stay: HomeStay, **changes: Any) -> HomeStay:
    unknown = set(changes) - set(HOME_STAY_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    home_stay = HomeStay.objects.select_for_update().select_related("case").get(pk=home_stay.pk)
    if not decide_case(actor.user, actor.membership, home_stay.case).can_manage:
        raise PermissionDenied(
            _("Alleen de procesregisseur, de casusregisseur of de eigenaar mag dit wijzigen.")
        )
    values = {name: getattr(home_stay, name) for name in HOME_STAY_FIELDS}
    values.update(changes)
    if values.get("status") != HomeStay.Status.OPEN and not values.get("end_date"):
        raise ValidationError({"end_date": _("Vul de einddatum in bij een opgeloste thuiszitter.")})
    _check_home_stay(actor, values)
    changed = [name for name in HOME_STAY_FIELDS if getattr(home_stay, name) != values[name]]
    for name in changed:
        setattr(home_stay, name, values[name])
    home_stay.save()
    _log(
        actor,
        "update",
        home_stay,
        pupil_id=home_stay.case.pupil_id,
        activity=HOME_STAY_ACTIVITY,
        categories=(DataCategory.ORDINARY, DataCategory.ABSENCE),
        reason="fields=" + ",".join(changed),
    )
    return home_stay


@transaction.atomic
def attach_case(actor: Actor, reportable: ReportableAbsence) -> ReportableAbsence:
    """A signal detected without a case (the uploader had left): the school opens it now."""
    school = coordinator_school(actor.membership)
    if reportable.school_id != school.pk:
        raise PermissionDenied
    if reportable.case_id is None:
        case = detection.attendance_case(school, reportable.pupil_id, actor)
        if case is None:
            raise ValidationError(_("Het verzuimtraject kon niet worden geopend."))
        reportable.case = case
        reportable.save(update_fields=["case"])
    return reportable
