"""Writes of the cases app. One transaction per call; each write leaves an access-log entry."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.access.actor import Actor
from passend.access.policy import decide_case
from passend.accounts.models import Membership, Organisation, Role
from passend.bsn_guard import ensure_no_bsn
from passend.cases.models import (
    AFTERCARE_MAX_MONTHS,
    ALLOWED_TRANSITIONS,
    ATTENDANCE_KINDS,
    PHASES_WITH_PLAN,
    Case,
    CaseEntry,
    Hearing,
    Participant,
    Phase,
    PhaseChange,
    ReuseApproval,
)
from passend.privacy.categories import DataCategory
from passend.privacy.context import subject_pseudonym
from passend.privacy.services import LogItem, record_access, record_access_many
from passend.pupils.models import Pupil
from passend.pupils.selectors import pupils_enrolled_at

ACTIVITY = "case_management"
_PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in meetings

# Roles that may open a case on behalf of their organisation (ORG-02). The FG and the
# functional administrator never handle cases; leerplicht only attendance cases (ABS-05).
CASE_OPENING_ROLES = frozenset(Role.values) - {Role.PRIVACY_OFFICER, Role.FUNCTIONAL_ADMIN}


def _subject(case: Case) -> str:
    if case.pupil_id is None:
        return subject_pseudonym("case", case.pk)
    return subject_pseudonym("pupil", case.pupil_id)


def _log(actor: Actor, action: str, case: Case, obj: Any = None, categories: Any = ()) -> None:
    record_access(
        actor.context,
        action=action,
        activity=ACTIVITY,
        subject_pseudonym=_subject(case),
        obj=obj if obj is not None else case,
        data_categories=categories,
    )


def _new_pseudonyms(count: int) -> list[str]:
    """``count`` pseudonyms no case has yet, checked against the table in one query per
    round (a collision of five random characters is rare)."""
    year = timezone.localdate().year
    chosen: set[str] = set()
    while len(chosen) < count:
        candidates = {
            f"T{year}-" + "".join(secrets.choice(_PSEUDONYM_ALPHABET) for _ in range(5))
            for _ in range(count - len(chosen))
        } - chosen
        taken = set(
            Case.objects.filter(pseudonym__in=candidates).values_list("pseudonym", flat=True)
        )
        chosen |= candidates - taken
    # In the set's order, not sorted: a batch's pseudonyms say nothing of its pupils' order.
    return list(chosen)


def _require_manage(actor: Actor, case: Case) -> None:
    if not decide_case(actor.user, actor.membership, case).can_manage:
        raise PermissionDenied(
            _("Alleen de procesregisseur, de casusregisseur of de eigenaar mag dit wijzigen.")
        )


def _current_membership_at(user: Any, organisation: Organisation) -> Membership | None:
    return Membership.objects.active().filter(user=user, organisation=organisation).first()


def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise ValidationError(
            _(
                "Iemand anders heeft dit traject intussen gewijzigd. Laad de pagina opnieuw en "
                "controleer de wijziging voordat u opslaat."
            ),
            code="conflict",
        )


@transaction.atomic
def open_case(
    actor: Actor,
    *,
    kind: str,
    pupil: Pupil | None,
    is_anonymous: bool = False,
    title: str = "",
    process_director: Any = None,
) -> Case:
    """Opens a case owned by the actor's organisation; the actor becomes its first participant."""
    membership = _opening_membership(actor)
    director = process_director or actor.user
    errors = _opening_errors(membership, kind, director)
    if is_anonymous and pupil is not None:
        errors["pupil"] = _(
            "Een anoniem traject bevat geen leerling, alleen een pseudoniem (CON-07)."
        )
    if not is_anonymous and pupil is None:
        errors["pupil"] = _("Kies een leerling, of kies voor anoniem bespreken (CON-07).")
    if pupil is not None and membership.organisation.kind == "school":
        enrolled = pupils_enrolled_at(membership.organisation).filter(pk=pupil.pk).exists()
        if not enrolled:
            errors["pupil"] = _(
                "Deze leerling staat niet ingeschreven op uw school. U opent alleen trajecten "
                "voor leerlingen van uw eigen school (ORG-04)."
            )
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"title": title})
    pupil_id = None if is_anonymous or pupil is None else pupil.pk
    (case,) = _insert_cases(
        actor, membership, director, kind, [pupil_id], is_anonymous=is_anonymous, title=title
    )
    return case


@transaction.atomic
def open_cases(
    actor: Actor, *, kind: str, pupil_ids: list[int], title: str = ""
) -> dict[int, Case]:
    """``open_case`` for many pupils at once (the absence import's findings), the actor as
    process director: pupil id -> its new case, in a fixed number of statements. A pupil not
    enrolled at the actor's school gets none (ORG-04); what would stop ``open_case`` for every
    pupil (role, ABS-05, ORG-03) raises as it does there."""
    membership = _opening_membership(actor)
    errors = _opening_errors(membership, kind, actor.user)
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"title": title})
    wanted = sorted(set(pupil_ids))
    if membership.organisation.kind == "school":
        enrolled = set(
            pupils_enrolled_at(membership.organisation)
            .filter(pk__in=wanted)
            .values_list("pk", flat=True)
        )
        wanted = [pupil_id for pupil_id in wanted if pupil_id in enrolled]
    cases = _insert_cases(
        actor, membership, actor.user, kind, wanted, is_anonymous=False, title=title
    )
    return {case.pupil_id: case for case in cases if case.pupil_id is not None}


def _opening_membership(actor: Actor) -> Membership:
    membership = actor.membership
    if membership is None or membership.role not in CASE_OPENING_ROLES:
        raise PermissionDenied(_("In deze rol kunt u geen traject openen."))
    return membership


def _opening_errors(membership: Membership, kind: str, director: Any) -> dict[str, str]:
    """What stops the actor opening a case of ``kind`` with ``director``, whatever the pupil."""
    errors: dict[str, str] = {}
    if membership.role == Role.ATTENDANCE_OFFICER and kind not in ATTENDANCE_KINDS:
        errors["kind"] = _(
            "De leerplichtambtenaar opent alleen verzuim- en thuiszittertrajecten (ABS-05)."
        )
    if _current_membership_at(director, membership.organisation) is None:
        errors["process_director"] = _("De procesregisseur moet werken bij %(org)s (ORG-03).") % {
            "org": membership.organisation.name
        }
    return errors


def _insert_cases(
    actor: Actor,
    membership: Membership,
    director: Any,
    kind: str,
    pupil_ids: Sequence[int | None],
    *,
    is_anonymous: bool,
    title: str,
) -> list[Case]:
    """The cases, their first participants, their intake phase and the access log's entries,
    one statement each whatever the number of cases."""
    organisation = membership.organisation
    cases = Case.objects.bulk_create(
        [
            Case(
                kind=kind,
                pupil_id=pupil_id,
                is_anonymous=is_anonymous,
                title=title,
                pseudonym=pseudonym,
                owner=organisation,
                process_director=director,
            )
            for pupil_id, pseudonym in zip(pupil_ids, _new_pseudonyms(len(pupil_ids)), strict=True)
        ]
    )
    first = {
        "organisation": organisation,
        "legal_task": organisation.legal_basis,
        "joined_phase": Phase.INTAKE,
    }
    participants = []
    for case in cases:
        participants.append(
            Participant(
                case=case,
                case_opened_at=case.opened_at,
                user=actor.user,
                role=membership.get_role_display(),
                **first,
            )
        )
        if director != actor.user:
            participants.append(
                Participant(
                    case=case,
                    case_opened_at=case.opened_at,
                    user=director,
                    role=str(_("Procesregisseur")),
                    **first,
                )
            )
    Participant.objects.bulk_create(participants)
    PhaseChange.objects.bulk_create(
        [PhaseChange(case=case, to_phase=Phase.INTAKE, changed_by=actor.user) for case in cases]
    )
    record_access_many(
        actor.context,
        [
            LogItem(_subject(case), Case._meta.label_lower, str(case.pk), (DataCategory.ORDINARY,))
            for case in cases
        ],
        action="create",
        activity=ACTIVITY,
    )
    return cases


@transaction.atomic
def add_participant(
    actor: Actor,
    case: Case,
    *,
    organisation: Organisation,
    user: Any,
    role: str,
    legal_task: str = "",
    joined_phase: str | None = None,
) -> Participant:
    """Adds a directly involved party (ORG-04) for a phase (CO-02)."""
    _require_manage(actor, case)
    errors: dict[str, str] = {}
    membership = _current_membership_at(user, organisation)
    if membership is None:
        errors["user"] = _("Deze persoon werkt niet (meer) bij %(org)s.") % {"org": organisation}
    elif membership.role == Role.PRIVACY_OFFICER:
        errors["user"] = _(
            "De FG neemt niet deel aan trajecten en ziet geen dossierinhoud (ORG-02)."
        )
    elif membership.role == Role.ATTENDANCE_OFFICER and case.kind not in ATTENDANCE_KINDS:
        errors["user"] = _(
            "De leerplichtambtenaar neemt alleen deel aan verzuim- en thuiszittertrajecten (ABS-05)."
        )
    if case.participants.filter(
        user=user, organisation=organisation, ended_at__isnull=True
    ).exists():
        errors["user"] = _("Deze persoon is al deelnemer namens deze organisatie.")
    phase = joined_phase or case.phase
    if phase not in Phase.values or phase == Phase.CLOSED:
        errors["joined_phase"] = _("Kies een fase van het traject (CO-02).")
    if not role.strip():
        errors["role"] = _("Vul de rol van deze deelnemer in het traject in (ORG-04).")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"role": role, "legal_task": legal_task})
    participant = Participant.objects.create(
        case=case,
        organisation=organisation,
        user=user,
        role=role.strip(),
        legal_task=legal_task.strip() or organisation.legal_basis,
        joined_phase=phase,
    )
    _log(actor, "add_participant", case, participant)
    return participant


@transaction.atomic
def end_participant(actor: Actor, participant: Participant, *, reason: str) -> None:
    case = participant.case
    _require_manage(actor, case)
    if participant.ended_at is not None:
        raise ValidationError(_("Deze deelname is al beëindigd."))
    if participant.user_id in (case.process_director_id, case.case_director_id):
        raise ValidationError(
            _(
                "Wijs eerst een andere proces- of casusregisseur aan voordat deze deelname eindigt (ORG-03)."
            )
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Vul de reden in waarom de deelname eindigt.")})
    ensure_no_bsn({"reason": reason})
    participant.ended_at = timezone.now()
    participant.end_reason = reason.strip()
    participant.save(update_fields=["ended_at", "end_reason"])
    _log(actor, "end_participant", case, participant)


@transaction.atomic
def assign_directors(
    actor: Actor,
    case: Case,
    *,
    process_director: Any,
    case_director: Any | None,
    expected_version: int | None = None,
) -> Case:
    """ORG-03: directors must be active participants of the case."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_manage(actor, case)
    _check_version(case, expected_version)
    active_users = set(
        case.participants.filter(ended_at__isnull=True).values_list("user_id", flat=True)
    )
    errors: dict[str, str] = {}
    if process_director is None or process_director.pk not in active_users:
        errors["process_director"] = _("De procesregisseur moet deelnemer zijn (ORG-03).")
    if case_director is not None and case_director.pk not in active_users:
        errors["case_director"] = _("De casusregisseur moet deelnemer zijn (ORG-03).")
    if case_director is None and case.phase in PHASES_WITH_PLAN:
        errors["case_director"] = _("Een traject met een plan heeft een casusregisseur (ORG-03).")
    if errors:
        raise ValidationError(errors)
    Case.objects.filter(pk=case.pk).update(
        process_director=process_director,
        case_director=case_director,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    case.refresh_from_db()
    _log(actor, "assign_directors", case)
    return case


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@transaction.atomic
def change_phase(
    actor: Actor,
    case: Case,
    *,
    to_phase: str,
    reason: str = "",
    aftercare_until: date | None = None,
    expected_version: int | None = None,
) -> Case:
    """CO-02 phase transitions, with ORG-03 and the 6-month aftercare limit."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_manage(actor, case)
    _check_version(case, expected_version)
    if to_phase not in ALLOWED_TRANSITIONS.get(case.phase, frozenset()):
        raise ValidationError(
            {
                "to_phase": _("Van fase %(from)s naar %(to)s kan niet (CO-02).")
                % {
                    "from": Phase(case.phase).label,
                    "to": Phase(to_phase).label if to_phase in Phase.values else to_phase,
                }
            }
        )
    if to_phase in PHASES_WITH_PLAN and case.case_director_id is None:
        raise ValidationError(
            {
                "to_phase": _(
                    "Wijs eerst een casusregisseur aan: een traject met een plan heeft er een (ORG-03)."
                )
            }
        )
    ensure_no_bsn({"reason": reason})
    today = timezone.localdate()
    fields: dict[str, Any] = {"phase": to_phase}
    if to_phase == Phase.AFTERCARE:
        limit = _add_months(today, AFTERCARE_MAX_MONTHS)
        until = aftercare_until or limit
        if until > limit or until < today:
            raise ValidationError(
                {
                    "aftercare_until": _(
                        "Nazorg duurt hooguit 6 maanden na het einde van het plan: uiterlijk %(limit)s (CO-02)."
                    )
                    % {"limit": limit.strftime("%d-%m-%Y")}
                }
            )
        fields["aftercare_until"] = until
    if to_phase == Phase.CLOSED:
        # PRV-06: closing ("afgemeld") starts the retention clock.
        fields["closed_at"] = timezone.now()
    Case.objects.filter(pk=case.pk).update(
        **fields, version=F("version") + 1, updated_at=timezone.now()
    )
    PhaseChange.objects.create(
        case=case, from_phase=case.phase, to_phase=to_phase, reason=reason, changed_by=actor.user
    )
    case.refresh_from_db()
    _log(actor, "change_phase", case)
    return case


@transaction.atomic
def record_hearing(
    actor: Actor,
    case: Case,
    *,
    heard_on: date | None,
    heard_by: str = "",
    child_view: str = "",
    not_heard_reason: str = "",
) -> Hearing:
    """AGE-04: every child, also under 12, is heard — or the case records why not."""
    _require_manage(actor, case)
    errors: dict[str, str] = {}
    if heard_on is None and not not_heard_reason.strip():
        errors["heard_on"] = _(
            "Vul in wanneer het kind is gehoord, of waarom horen niet mogelijk was (AGE-04)."
        )
    if heard_on is not None:
        if not_heard_reason.strip():
            errors["not_heard_reason"] = _(
                "Vul óf de datum van horen óf een reden in, niet beide (AGE-04)."
            )
        if heard_on > timezone.localdate():
            errors["heard_on"] = _("De datum van horen ligt in de toekomst.")
        if not heard_by.strip():
            errors["heard_by"] = _("Vul in door wie het kind is gehoord (AGE-04).")
        if not child_view.strip():
            errors["child_view"] = _("Vul de mening van het kind in (AGE-04).")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn(
        {"heard_by": heard_by, "child_view": child_view, "not_heard_reason": not_heard_reason}
    )
    hearing = Hearing.objects.create(
        case=case,
        heard_on=heard_on,
        heard_by=heard_by.strip(),
        child_view=child_view.strip(),
        not_heard_reason=not_heard_reason.strip(),
        recorded_by=actor.user,
    )
    _log(actor, "record_hearing", case, hearing, categories=[DataCategory.ORDINARY])
    return hearing


@transaction.atomic
def add_entry(actor: Actor, case: Case, *, category: str, title: str, body: str) -> CaseEntry:
    """Adds an item supplied by the actor's organisation (CON-06 provenance)."""
    access = decide_case(actor.user, actor.membership, case)
    if not access.allowed or access.break_glass or case.phase == Phase.CLOSED:
        raise PermissionDenied(_("U kunt aan dit traject geen gegevens toevoegen."))
    errors: dict[str, str] = {}
    if category not in DataCategory.values:
        errors["category"] = _("Kies een gegevenscategorie (AGE-01).")
    if not title.strip():
        errors["title"] = _("Vul een onderwerp in.")
    if not body.strip():
        errors["body"] = _("Vul de inhoud in.")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"title": title, "body": body})
    if actor.membership is None:
        raise PermissionDenied(_("Kies eerst namens welke organisatie u werkt."))
    entry = CaseEntry.objects.create(
        case=case,
        category=category,
        supplied_by=actor.membership.organisation,
        phase=case.phase,
        title=title.strip(),
        body=body.strip(),
        recorded_by=actor.user,
    )
    _log(actor, "add_entry", case, entry, categories=[category])
    return entry


@transaction.atomic
def approve_reuse(
    actor: Actor, entry: CaseEntry, *, approved_for: Organisation, purpose: str
) -> ReuseApproval:
    """CON-06: only the supplying party approves use of its item beyond the case."""
    access = decide_case(actor.user, actor.membership, entry.case)
    if not access.allowed or access.organisation_id != entry.supplied_by_id:
        raise PermissionDenied(
            _("Alleen de partij die dit gegeven aanleverde, kan hergebruik goedkeuren (CON-06).")
        )
    if not purpose.strip():
        raise ValidationError({"purpose": _("Vul het doel van het hergebruik in (CON-06).")})
    ensure_no_bsn({"purpose": purpose})
    approval = ReuseApproval.objects.create(
        entry=entry, approved_for=approved_for, purpose=purpose.strip(), approved_by=actor.user
    )
    _log(actor, "approve_reuse", entry.case, approval, categories=[entry.category])
    return approval


def may_reuse(entry: CaseEntry, organisation: Organisation) -> bool:
    """CON-06: reuse outside the case by anyone but the supplier needs a recorded approval."""
    return (
        entry.supplied_by_id == organisation.pk
        or entry.reuse_approvals.filter(approved_for=organisation).exists()
    )


def aftercare_limit(today: date | None = None) -> date:
    return _add_months(today or timezone.localdate(), AFTERCARE_MAX_MONTHS)


def _holds_legal_ground(case: Case, organisation_id: int) -> bool:
    return case.legal_grounds.filter(
        organisation_id=organisation_id, ended_at__isnull=True
    ).exists()


@transaction.atomic
def record_tlv_decided(case: Case) -> None:
    """The case's TLV application is decided (TLV-04): nothing of it waits on anyone any more,
    so its participations leave the start page's TLV work (``Participant.case_tlv_ended_at``;
    the ended ones too, from which a later participation copies it). Called in the decision's
    own transaction; not logged apart (the decision is)."""
    Participant.objects.filter(case=case, case_tlv_ended_at__isnull=True).update(
        case_tlv_ended_at=timezone.now()
    )


@transaction.atomic
def add_participant_by_procedure(
    actor: Actor,
    case: Case,
    *,
    organisation: Organisation,
    user: Any,
    role: str,
    joined_phase: str,
    legal_task: str = "",
) -> Participant:
    """A participant added by a step of a statutory procedure (e.g. TLV triage, TLV-05).

    For actors who take part in the case but do not manage it: the calling module's service
    has checked that the step is theirs. Here the actor must be involved in the case, or act
    for an organisation that holds an active legal ground on it (CON-04), and the new
    participant must work at ``organisation`` (ORG-04).
    """
    membership = actor.membership
    if membership is None or not (
        decide_case(actor.user, membership, case).allowed
        or _holds_legal_ground(case, membership.organisation_id)
    ):
        raise PermissionDenied(_("U bent niet betrokken bij dit traject (ORG-04)."))
    existing = case.participants.filter(
        user=user, organisation=organisation, ended_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    target = _current_membership_at(user, organisation)
    if target is None or target.role in (Role.PRIVACY_OFFICER, Role.ATTENDANCE_OFFICER):
        raise ValidationError(
            {
                "user": _("Deze persoon kan namens %(org)s niet deelnemen (ORG-04).")
                % {"org": organisation}
            }
        )
    ensure_no_bsn({"role": role, "legal_task": legal_task})
    participant = Participant.objects.create(
        case=case,
        organisation=organisation,
        user=user,
        role=role.strip(),
        legal_task=legal_task.strip() or organisation.legal_basis,
        joined_phase=joined_phase,
    )
    _log(actor, "add_participant", case, participant)
    return participant
