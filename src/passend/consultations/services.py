"""Writes of case consultation. One transaction per call; each write is in the access log.

Visibility is never decided here or in views by hand: agenda items, minutes and plans hang off
a Case, and ``passend.access.policy.decide_case`` answers who may see or change them (CO-03).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.access.actor import Actor
from passend.access.policy import CaseAccess, decide_case
from passend.accounts.models import Membership, Organisation, OrganisationKind, Role
from passend.bsn_guard import ensure_no_bsn
from passend.cases import services as case_services
from passend.cases.models import AFTERCARE_MAX_MONTHS, PHASES_WITH_PLAN, Case, Phase
from passend.consultations import pseudonyms
from passend.consultations.ics import meeting_ics
from passend.consultations.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    AgendaInvitee,
    AgendaItem,
    ChecklistPoint,
    ConsultationKind,
    Escalation,
    EscalationDestination,
    Goal,
    KindDeviation,
    KindParty,
    KnownName,
    Level,
    Meeting,
    Minutes,
    Opp,
    Party,
    Plan,
    PlanAction,
    PlanRevision,
    ProgressNote,
)
from passend.correspondence.notifications import notify
from passend.privacy.categories import DataCategory
from passend.privacy.context import subject_pseudonym
from passend.privacy.services import record_access
from passend.pupils.models import Guardian
from passend.terms import calendar
from passend.terms import services as terms
from passend.terms.models import Term, TermRule, Unit
from passend.terms.selectors import terms_for

ACTIVITY = "case_consultation"
CONFIG_ACTIVITY = "configuration"
KIND_EDITOR_ROLES = frozenset({Role.FUNCTIONAL_ADMIN, Role.SWV_DIRECTOR})

# Term rules (data migration 0002); editable by the functional administrator.
RULE_DOCUMENTS = "consultation-documents-before"  # 2 days = 48 h before the meeting
RULE_MINUTES = "consultation-minutes-after"  # 2 weeks after the meeting
RULE_OPP_SET = "opp-set-after-enrolment"  # 6 weeks after enrolment (TLV-13)
RULE_OPP_EVALUATION = "opp-evaluation"  # 12 months after finalising / last evaluation
RULE_FOLLOW_UP = "plan-follow-up"  # up to 6 months after the plan ends (CO-02)

MEETING_TYPE = "consultations.meeting"
OPP_TYPE = "consultations.opp"
PLAN_TYPE = "consultations.plan"


def _subject(case: Case) -> str:
    if case.pupil_id is None:
        return subject_pseudonym("case", case.pk)
    return subject_pseudonym("pupil", case.pupil_id)


def _log(actor: Actor, action: str, case: Case, obj: Any, categories: Iterable[str] = ()) -> None:
    record_access(
        actor.context,
        action=action,
        activity=ACTIVITY,
        subject_pseudonym=_subject(case),
        obj=obj,
        data_categories=categories,
    )


def _access(actor: Actor, case: Case) -> CaseAccess:
    return decide_case(actor.user, actor.membership, case)


def _require_manage(actor: Actor, case: Case) -> CaseAccess:
    access = _access(actor, case)
    if not access.can_manage:
        raise PermissionDenied(
            _("Alleen de procesregisseur, de casusregisseur of de eigenaar mag dit wijzigen.")
        )
    return access


def _required(errors: dict[str, str], values: dict[str, str], labels: dict[str, str]) -> None:
    for name, label in labels.items():
        if not str(values.get(name, "") or "").strip():
            errors[name] = _("Vul %(label)s in (CO-01).") % {"label": label}


# --- Kinds (CO-01) ---------------------------------------------------------------------------

KIND_TEXT_FIELDS = (
    "participants_note",
    "purpose",
    "individual_purpose",
    "target_group",
    "trigger",
    "enforcement_note",
    "process_director",
    "case_director",
    "contact_for_parents",
    "parents_informed_beforehand",
    "consent_arrangement",
    "data_management",
    "minutes_sharing",
    "phases",
)
KIND_BOOL_FIELDS = (
    "has_enforcement_power",
    "parents_invited",
    "youth_invited",
    "parents_receive_minutes",
    "parents_informed_orally",
    "minutes_made",
    "minutes_use_pseudonyms",
    "is_active",
)
REQUIRED_KIND_FIELDS = {
    "name": "de naam",
    "purpose": "het samenwerkingsdoel",
    "target_group": "de doelgroep",
    "enforcement_note": "de toelichting op doorzettingsmacht",
    "process_director": "de procesregisseur",
    "case_director": "de casusregisseur",
    "contact_for_parents": "het aanspreekpunt voor ouders",
    "parents_informed_beforehand": "hoe ouders vooraf worden geïnformeerd",
    "consent_arrangement": "hoe toestemming is geregeld",
    "data_management": "het beheer van persoonsgegevens",
    "minutes_sharing": "hoe het verslag wordt gedeeld",
    "phases": "de fasen",
}


def can_edit_kind(membership: Membership | None, kind: ConsultationKind | None) -> bool:
    """The functional administrator edits every kind; the SWV director those of their SWV."""
    if membership is None or membership.role not in KIND_EDITOR_ROLES:
        return False
    if membership.role == Role.FUNCTIONAL_ADMIN:
        return True
    return kind is None or kind.swv_id == membership.organisation_id


def _require_kind_editor(actor: Actor, kind: ConsultationKind | None) -> None:
    if not can_edit_kind(actor.membership, kind):
        raise PermissionDenied(
            _(
                "Alleen de functioneel beheerder of de directeur van het samenwerkingsverband "
                "richt soorten casusoverleg in (CO-01)."
            )
        )


@transaction.atomic
def save_kind(
    actor: Actor,
    kind: ConsultationKind | None,
    *,
    parties: Sequence[dict[str, Any]] | None = None,
    **values: Any,
) -> ConsultationKind:
    """Creates or changes a kind; every checklist point must be answered (CO-01)."""
    _require_kind_editor(actor, kind)
    errors: dict[str, str] = {}
    _required(errors, values, REQUIRED_KIND_FIELDS)
    if values.get("level") not in Level.values:
        errors["level"] = _("Kies op welk niveau het overleg functioneert (CO-01, punt 1).")
    if values.get("parents_receive_minutes") and not values.get("minutes_made", True):
        errors["parents_receive_minutes"] = _(
            "Ouders kunnen geen verslag ontvangen als er geen verslag wordt gemaakt (CO-01)."
        )
    if (
        values.get("parents_receive_minutes") is False
        and values.get("parents_invited") is False
        and not values.get("parents_informed_orally")
    ):
        errors["parents_informed_orally"] = _(
            "Als ouders niet deelnemen en geen verslag krijgen, worden zij mondeling "
            "geïnformeerd over de uitkomsten (AGE-05, seed 000 §4)."
        )
    membership = actor.membership
    if kind is None:
        swv = membership.organisation if membership is not None else None
        if swv is not None and swv.kind != OrganisationKind.SWV:
            swv = values.pop("swv", None)
        code = str(values.get("code") or "").strip()
        if not code:
            errors["code"] = _("Vul een code in (CO-01).")
        elif ConsultationKind.objects.filter(swv=swv, code=code).exists():
            errors["code"] = _("Deze code is al in gebruik bij dit samenwerkingsverband.")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({k: values.get(k, "") for k in (*KIND_TEXT_FIELDS, "name")})
    if kind is None:
        kind = ConsultationKind(swv=swv, code=str(values["code"]).strip())
    kind.name = str(values["name"]).strip()
    kind.level = values["level"]
    for name in KIND_TEXT_FIELDS:
        if name in values:
            setattr(kind, name, str(values[name] or "").strip())
    for name in KIND_BOOL_FIELDS:
        if name in values:
            setattr(kind, name, bool(values[name]))
    kind.updated_by = actor.user
    kind.save()
    if parties is not None:
        kind.parties.all().delete()
        for position, party in enumerate(parties):
            if not str(party.get("function", "")).strip():
                continue
            ensure_no_bsn(party)
            KindParty.objects.create(
                kind=kind,
                position=position,
                organisation_kind=party.get("organisation_kind") or OrganisationKind.OTHER,
                function=str(party["function"]).strip(),
                legal_task=str(party.get("legal_task", "")).strip(),
                is_process_director=bool(party.get("is_process_director")),
            )
    record_access(actor.context, action="save_kind", activity=CONFIG_ACTIVITY, obj=kind)
    return kind


@transaction.atomic
def record_deviation(
    actor: Actor, kind: ConsultationKind, *, point: str, deviation: str, reason: str
) -> KindDeviation:
    """'Pas toe of leg uit': a deviation is recorded only with its reason (CO-01)."""
    _require_kind_editor(actor, kind)
    errors: dict[str, str] = {}
    if point not in ChecklistPoint.values:
        errors["point"] = _("Kies het checklistpunt waarvan u afwijkt (CO-01).")
    if not deviation.strip():
        errors["deviation"] = _("Beschrijf de afwijking (CO-01, pas toe of leg uit).")
    if not reason.strip():
        errors["reason"] = _("Leg uit waarom u afwijkt (CO-01, pas toe of leg uit).")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"deviation": deviation, "reason": reason})
    row = KindDeviation.objects.create(
        kind=kind,
        point=point,
        deviation=deviation.strip(),
        reason=reason.strip(),
        recorded_by=actor.user,
    )
    record_access(actor.context, action="record_deviation", activity=CONFIG_ACTIVITY, obj=row)
    return row


@transaction.atomic
def adopt_kind(actor: Actor, model: ConsultationKind) -> ConsultationKind:
    """An SWV takes over a model description from the covenant as its own (CO-01)."""
    membership = actor.membership
    if membership is None or membership.organisation.kind != OrganisationKind.SWV:
        raise PermissionDenied(_("Alleen een samenwerkingsverband neemt een model over (CO-01)."))
    _require_kind_editor(actor, None)
    swv = membership.organisation
    if ConsultationKind.objects.filter(swv=swv, code=model.code).exists():
        raise ValidationError(
            {"code": _("Uw samenwerkingsverband heeft deze soort al ingericht (CO-01).")}
        )
    parties = list(model.parties.all())
    copy = ConsultationKind.objects.get(pk=model.pk)
    copy.pk = None
    copy.swv = swv
    copy.updated_by = actor.user
    copy.save()
    for party in parties:
        party.pk = None
        party.kind = copy
        party.save()
    record_access(actor.context, action="adopt_kind", activity=CONFIG_ACTIVITY, obj=copy)
    return copy


# --- Meetings (CO-03) ------------------------------------------------------------------------


def _days_before(rule: TermRule) -> int:
    if rule.unit == Unit.WEEKS:
        return rule.length * 7
    return rule.length


def _start_meeting_terms(actor: Actor, meeting: Meeting) -> None:
    """Documents due before (default 2 days = 48 h) and minutes due after (default 2 weeks).

    The terms app counts forward from a start date; a term *before* an event starts twice its
    length before the event so that it falls due its length before the event.
    """
    meeting_day = timezone.localtime(meeting.starts_at).date()
    rule = TermRule.objects.get(code=RULE_DOCUMENTS)
    days = _days_before(rule)
    common = {
        "object_type": MEETING_TYPE,
        "object_id": meeting.pk,
        "owner": meeting.organisation,
        "created_by": actor.user,
    }
    terms.start_term(RULE_DOCUMENTS, start_date=meeting_day - dt.timedelta(days=2 * days), **common)
    terms.start_term(RULE_MINUTES, start_date=meeting_day, **common)


def meeting_terms(meeting: Meeting) -> dict[str, Term]:
    return {t.rule.code: t for t in terms_for(MEETING_TYPE, meeting.pk)}


def documents_due_at(meeting: Meeting) -> dt.datetime:
    """The moment documents are due: the configured time before the start (default 48 h)."""
    rule = TermRule.objects.filter(code=RULE_DOCUMENTS).first()
    days = _days_before(rule) if rule is not None else 2
    return meeting.starts_at - dt.timedelta(days=days)


def _validate_meeting(
    starts_at: Any, ends_at: Any, location: str, video_link: str
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if starts_at is None:
        errors["starts_at"] = _("Vul de datum en begintijd van het overleg in.")
    if ends_at is None or (starts_at is not None and ends_at <= starts_at):
        errors["ends_at"] = _("De eindtijd ligt na de begintijd.")
    if not location.strip() and not video_link.strip():
        errors["location"] = _("Vul een plaats of een videolink in.")
    return errors


@transaction.atomic
def plan_meeting(
    actor: Actor,
    *,
    kind: ConsultationKind,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    location: str = "",
    video_link: str = "",
) -> Meeting:
    """The procesregisseur plans a meeting of a kind (CO-01, ORG-03)."""
    membership = actor.membership
    if membership is None or membership.role in (Role.PRIVACY_OFFICER, Role.FUNCTIONAL_ADMIN):
        raise PermissionDenied(_("In deze rol plant u geen casusoverleg."))
    errors = _validate_meeting(starts_at, ends_at, location, video_link)
    if not kind.is_active:
        errors["kind"] = _("Deze soort overleg is niet meer in gebruik (CO-01).")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"location": location, "video_link": video_link})
    meeting = Meeting.objects.create(
        kind=kind,
        organisation=membership.organisation,
        convener=actor.user,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location.strip(),
        video_link=video_link.strip(),
    )
    _start_meeting_terms(actor, meeting)
    record_access(actor.context, action="plan_meeting", activity=ACTIVITY, obj=meeting)
    return meeting


def _require_convener(actor: Actor, meeting: Meeting) -> None:
    if meeting.convener_id != actor.user.pk:
        raise PermissionDenied(_("Alleen de procesregisseur van dit overleg kan dit (ORG-03)."))


def _meeting_path(meeting: Meeting) -> str:
    return reverse("consultations:meeting", args=[meeting.pk])


def _invite(meeting: Meeting, users: list[Any], topic: str = "meeting_invitation") -> None:
    path = _meeting_path(meeting)
    from passend.correspondence.notifications import absolute

    ics = meeting_ics(meeting, absolute(path))
    transaction.on_commit(
        lambda: notify(users, topic, path, attachments=[("overleg.ics", ics, "text/calendar")])
    )


@transaction.atomic
def change_meeting(
    actor: Actor,
    meeting: Meeting,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    location: str = "",
    video_link: str = "",
) -> Meeting:
    _require_convener(actor, meeting)
    errors = _validate_meeting(starts_at, ends_at, location, video_link)
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"location": location, "video_link": video_link})
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.location, meeting.video_link = location.strip(), video_link.strip()
    meeting.save(update_fields=["starts_at", "ends_at", "location", "video_link"])
    for term in meeting_terms(meeting).values():
        if term.is_open:
            terms.complete(term, timezone.localdate())
    _start_meeting_terms(actor, meeting)
    invitees = [
        i.user for i in AgendaInvitee.objects.filter(item__meeting=meeting).select_related("user")
    ]
    _invite(meeting, invitees, "meeting_changed")
    record_access(actor.context, action="change_meeting", activity=ACTIVITY, obj=meeting)
    return meeting


@transaction.atomic
def set_meeting_status(actor: Actor, meeting: Meeting, status: str) -> Meeting:
    _require_convener(actor, meeting)
    if status not in Meeting.Status.values:
        raise ValidationError({"status": _("Kies een status.")})
    meeting.status = status
    meeting.save(update_fields=["status"])
    today = timezone.localdate()
    open_terms = meeting_terms(meeting)
    documents = open_terms.get(RULE_DOCUMENTS)
    if documents is not None and documents.is_open:
        terms.complete(documents, today)
    if status == Meeting.Status.CANCELLED:
        minutes_term = open_terms.get(RULE_MINUTES)
        if minutes_term is not None and minutes_term.is_open:
            terms.complete(minutes_term, today)
        invitees = [
            i.user
            for i in AgendaInvitee.objects.filter(item__meeting=meeting).select_related("user")
        ]
        _invite(meeting, invitees, "meeting_changed")
    record_access(actor.context, action="meeting_status", activity=ACTIVITY, obj=meeting)
    return meeting


def _membership_of(user: Any, organisation: Organisation) -> Membership | None:
    return Membership.objects.active().filter(user=user, organisation=organisation).first()


@transaction.atomic
def add_agenda_item(
    actor: Actor,
    meeting: Meeting,
    case: Case,
    *,
    invitees: Sequence[tuple[Any, Organisation]] = (),
    parents_invited: bool | None = None,
    parents_invited_on: dt.date | None = None,
    parents_not_invited_reason: str = "",
    youth_invited: bool = False,
    supporter_note: str = "",
    starts_at: dt.time | None = None,
) -> AgendaItem:
    """Puts a case on the agenda with its own participants (CO-03).

    Invitees who are not yet participants of the case become participants now, added by the
    procesregisseur through ``cases.services.add_participant``: the one policy then decides
    what each sees. Parents with authority are invited unless the kind says otherwise (AGE-05).
    """
    _require_convener(actor, meeting)
    access = _require_manage(actor, case)
    kind = meeting.kind
    errors: dict[str, str] = {}
    if meeting.status != Meeting.Status.PLANNED:
        errors["case"] = _("Aan een gehouden of geannuleerd overleg voegt u geen agendapunt toe.")
    if case.phase == Phase.CLOSED:
        errors["case"] = _("Dit traject is afgemeld.")
    if AgendaItem.objects.filter(meeting=meeting, case=case).exists():
        errors["case"] = _("Dit traject staat al op de agenda van dit overleg.")
    if parents_invited is None:
        parents_invited = kind.parents_invited
    has_parents = (
        case.pupil_id is not None
        and not case.is_anonymous
        and Guardian.objects.filter(pupil_id=case.pupil_id, has_parental_authority=True).exists()
    )
    if (
        kind.parents_invited
        and has_parents
        and not parents_invited
        and not parents_not_invited_reason.strip()
    ):
        errors["parents_invited"] = _(
            "Ouders met gezag worden altijd uitgenodigd voor een %(kind)s; leg anders uit "
            "waarom niet (AGE-05)."
        ) % {"kind": kind.name}
    if not kind.parents_invited and parents_invited:
        errors["parents_invited"] = _(
            "Bij een %(kind)s nemen ouders/jongeren niet deel; zij worden mondeling "
            "geïnformeerd (AGE-05, seed 000 §4)."
        ) % {"kind": kind.name}
    if parents_invited and parents_invited_on is None:
        parents_invited_on = timezone.localdate()
    if youth_invited and not kind.youth_invited:
        errors["youth_invited"] = _("Bij een %(kind)s neemt de jongere niet deel (AGE-05).") % {
            "kind": kind.name
        }
    for user, organisation in invitees:
        target = _membership_of(user, organisation)
        if target is None:
            errors["invitees"] = _("%(user)s werkt niet (meer) bij %(org)s.") % {
                "user": user.get_username(),
                "org": organisation.name,
            }
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn(
        {"parents_not_invited_reason": parents_not_invited_reason, "supporter_note": supporter_note}
    )
    position = (meeting.items.aggregate(top=Max("position"))["top"] or 0) + 1
    item = AgendaItem.objects.create(
        meeting=meeting,
        case=case,
        position=position,
        starts_at=starts_at,
        parents_invited=bool(parents_invited),
        parents_invited_on=parents_invited_on if parents_invited else None,
        parents_not_invited_reason=parents_not_invited_reason.strip(),
        youth_invited=youth_invited,
        supporter_note=supporter_note.strip(),
        created_by=actor.user,
    )
    invited: list[Any] = []
    active = {
        (p.user_id, p.organisation_id) for p in case.participants.filter(ended_at__isnull=True)
    }
    for user, organisation in invitees:
        if (user.pk, organisation.pk) not in active:
            membership = _membership_of(user, organisation)
            case_services.add_participant(
                actor,
                case,
                organisation=organisation,
                user=user,
                role=str(membership.get_role_display()) if membership else str(_("Deelnemer")),
                joined_phase=case.phase,
            )
            active.add((user.pk, organisation.pk))
        AgendaInvitee.objects.get_or_create(
            item=item, user=user, defaults={"organisation": organisation}
        )
        invited.append(user)
    _log(actor, "add_agenda_item", case, item, [DataCategory.ORDINARY] if access.allowed else [])
    _invite(meeting, invited)
    return item


COMMITTEE_KIND_CODE = "cva-breed"
# A meeting the procedure has to create gets the usual half-day slot; the secretary changes the
# time and place on the meeting page (change_meeting), which sends everyone a new invitation.
COMMITTEE_MEETING_HOURS = (dt.time(9, 0), dt.time(12, 0))


def _committee_kind(swv: Organisation | None) -> ConsultationKind | None:
    """The SWV's own "CvA breed" kind, else the covenant model (CO-01)."""
    kinds = ConsultationKind.objects.filter(code=COMMITTEE_KIND_CODE, is_active=True)
    if swv is not None:
        own = kinds.filter(swv=swv).first()
        if own is not None:
            return own
    return kinds.filter(swv__isnull=True).first()


@transaction.atomic
def withdraw_from_committee(
    actor: Actor, case: Case, *, committee: Organisation, keep_on: dt.date | None = None
) -> AgendaItem | None:
    """Takes the case off the committee's planned "CvA breed" agendas (TLV-05 re-triage).

    An item that already has minutes stays (it was discussed). The item on ``keep_on`` stays
    and is returned.
    """
    membership = actor.membership
    if membership is None or membership.organisation_id != committee.pk:
        raise PermissionDenied(_("Alleen de commissie zelf agendeert haar vergadering (TLV-05)."))
    kept = None
    planned = AgendaItem.objects.filter(
        case=case,
        meeting__organisation=committee,
        meeting__kind__code=COMMITTEE_KIND_CODE,
        meeting__status=Meeting.Status.PLANNED,
        minutes__isnull=True,
    ).select_related("meeting")
    for item in planned:
        if keep_on is not None and timezone.localtime(item.meeting.starts_at).date() == keep_on:
            kept = item
            continue
        _log(actor, "withdraw_agenda_item", case, item)
        item.delete()
    return kept


@transaction.atomic
def schedule_for_committee(
    actor: Actor,
    case: Case,
    *,
    committee: Organisation,
    swv: Organisation | None,
    on: dt.date,
    invitees: Sequence[tuple[Any, Organisation]],
) -> AgendaItem | None:
    """Puts a case on the agenda of the committee's "CvA breed" meeting on ``on`` (TLV-05).

    Called by a procedure (the TLV triage) that has already checked the actor's role and made
    the committee's members participants: the committee meets on the file by procedure, so
    neither case-management rights nor being the convener are needed. The meeting of that day is
    created when the committee has none yet. An earlier place of the case on another, still
    planned committee meeting without minutes is withdrawn, so the case is on one agenda only.
    Parents do not take part in a CvA breed (AGE-05 via the kind); the school informs them.
    Returns None when no "CvA breed" kind is configured (the date is then kept by the caller).
    """
    membership = actor.membership
    if membership is None or membership.organisation_id != committee.pk:
        raise PermissionDenied(_("Alleen de commissie zelf agendeert haar vergadering (TLV-05)."))
    kind = _committee_kind(swv)
    if kind is None:
        return None
    kept = withdraw_from_committee(actor, case, committee=committee, keep_on=on)
    if kept is not None:
        return kept
    meeting = (
        Meeting.objects.filter(
            organisation=committee,
            kind__code=COMMITTEE_KIND_CODE,
            status=Meeting.Status.PLANNED,
            starts_at__date=on,
        )
        .order_by("starts_at")
        .first()
    )
    if meeting is None:
        start, end = COMMITTEE_MEETING_HOURS
        zone = timezone.get_current_timezone()
        meeting = Meeting.objects.create(
            kind=kind,
            organisation=committee,
            convener=actor.user,
            starts_at=dt.datetime.combine(on, start, tzinfo=zone),
            ends_at=dt.datetime.combine(on, end, tzinfo=zone),
            location=committee.name,
        )
        _start_meeting_terms(actor, meeting)
        record_access(actor.context, action="plan_meeting", activity=ACTIVITY, obj=meeting)
    position = (meeting.items.aggregate(top=Max("position"))["top"] or 0) + 1
    item = AgendaItem.objects.create(
        meeting=meeting,
        case=case,
        position=position,
        parents_invited=False,
        parents_not_invited_reason=""
        if not meeting.kind.parents_invited
        else str(_("Behandeling door de CvA breed (TLV-05).")),
        created_by=actor.user,
    )
    invited = []
    for user, organisation in invitees:
        AgendaInvitee.objects.get_or_create(
            item=item, user=user, defaults={"organisation": organisation}
        )
        invited.append(user)
    _log(actor, "add_agenda_item", case, item, [DataCategory.ORDINARY])
    _invite(meeting, invited)
    return item


@transaction.atomic
def invite_to_item(
    actor: Actor, item: AgendaItem, *, user: Any, organisation: Organisation
) -> AgendaInvitee:
    _require_convener(actor, item.meeting)
    _require_manage(actor, item.case)
    if _membership_of(user, organisation) is None:
        raise ValidationError(
            {"user": _("Deze persoon werkt niet (meer) bij %(org)s.") % {"org": organisation}}
        )
    case = item.case
    if not case.participants.filter(
        user=user, organisation=organisation, ended_at__isnull=True
    ).exists():
        membership = _membership_of(user, organisation)
        case_services.add_participant(
            actor,
            case,
            organisation=organisation,
            user=user,
            role=str(membership.get_role_display()) if membership else str(_("Deelnemer")),
            joined_phase=case.phase,
        )
    invitee, _created = AgendaInvitee.objects.get_or_create(
        item=item, user=user, defaults={"organisation": organisation}
    )
    _log(actor, "invite", case, invitee)
    _invite(item.meeting, [user])
    return invitee


def _item_access(actor: Actor, item: AgendaItem) -> CaseAccess:
    access = _access(actor, item.case)
    if not access.allowed:
        raise PermissionDenied(_("U bent niet betrokken bij dit agendapunt (CO-03)."))
    return access


def known_name_variants(case: Case) -> set[str]:
    """Every name known to the case, for pseudonymising (CO-04)."""
    triples: list[tuple[str, str, str]] = []
    if case.pupil_id is not None:
        pupil = case.pupil
        assert pupil is not None  # noqa: S101 - pupil_id is set
        triples.append((pupil.first_name, pupil.name_prefix, pupil.last_name))
        for guardian in Guardian.objects.filter(pupil_id=case.pupil_id):
            triples.append((guardian.first_name, guardian.name_prefix, guardian.last_name))
    extra = [k.name for k in KnownName.objects.filter(case=case)]
    return pseudonyms.name_variants(triples, extra)


def pseudonymise_for_case(case: Case, text: str) -> str:
    return pseudonyms.pseudonymise(text, known_name_variants(case), case.pseudonym)


@transaction.atomic
def add_known_name(actor: Actor, case: Case, *, name: str, relation: str) -> KnownName:
    _require_manage(actor, case)
    if not name.strip():
        raise ValidationError({"name": _("Vul de naam in (CO-04).")})
    if relation not in KnownName.Relation.values:
        raise ValidationError({"relation": _("Kies de relatie.")})
    ensure_no_bsn({"name": name})
    row = KnownName.objects.create(case=case, name=name.strip(), relation=relation)
    _log(actor, "add_known_name", case, row, [DataCategory.FAMILY])
    return row


@transaction.atomic
def write_minutes(
    actor: Actor,
    item: AgendaItem,
    *,
    body: str,
    category: str = DataCategory.ORDINARY,
    with_pseudonyms: bool = False,
    finalise: bool = False,
) -> Minutes:
    """Minutes per agenda item, in the platform; optionally stored with pseudonyms (CO-04)."""
    access = _item_access(actor, item)
    meeting = item.meeting
    if meeting.convener_id != actor.user.pk and not access.can_manage:
        raise PermissionDenied(
            _("Het verslag wordt geschreven door de procesregisseur of de casusregisseur (ORG-03).")
        )
    kind = meeting.kind
    errors: dict[str, str] = {}
    if not kind.minutes_made:
        errors["body"] = _("Bij een %(kind)s worden geen verslagen gemaakt (CO-01, punt 5).") % {
            "kind": kind.name
        }
    if not body.strip():
        errors["body"] = _("Vul het verslag in.")
    if category not in DataCategory.values:
        errors["category"] = _("Kies een gegevenscategorie (AGE-01).")
    elif category not in access.categories:
        errors["category"] = _(
            "U kunt geen verslag vastleggen in een categorie die u zelf niet mag zien (CO-02)."
        )
    existing = Minutes.objects.filter(item=item).first()
    if existing is not None and existing.finalised_at is not None:
        errors["body"] = _("Dit verslag is al vastgesteld.")
    if errors:
        raise ValidationError(errors)
    with_pseudonyms = with_pseudonyms or kind.minutes_use_pseudonyms
    text = body.strip()
    if with_pseudonyms:
        text = pseudonymise_for_case(item.case, text)
    ensure_no_bsn({"body": text})
    assert actor.membership is not None  # noqa: S101 - decide_case allowed implies one
    minutes, _created = Minutes.objects.update_or_create(
        item=item,
        defaults={
            "body": text,
            "category": category,
            "written_with_pseudonyms": with_pseudonyms,
            "written_by": actor.user,
            "supplied_by": actor.membership.organisation,
            "finalised_at": timezone.now() if finalise else None,
        },
    )
    _log(actor, "write_minutes", item.case, minutes, [category])
    if finalise:
        _complete_minutes_term(meeting)
        readers = [
            i.user for i in item.invitees.select_related("user") if i.user_id != actor.user.pk
        ]
        path = reverse("consultations:meeting", args=[meeting.pk])
        transaction.on_commit(lambda: notify(readers, "minutes", path))
    return minutes


def _complete_minutes_term(meeting: Meeting) -> None:
    items = list(meeting.items.all())
    done = Minutes.objects.filter(item__meeting=meeting, finalised_at__isnull=False).count()
    if done >= len(items):
        term = meeting_terms(meeting).get(RULE_MINUTES)
        if term is not None and term.is_open:
            terms.complete(term, timezone.localdate())


@transaction.atomic
def record_parents_informed_orally(
    actor: Actor, item: AgendaItem, *, informed_on: dt.date, informed_by: str
) -> AgendaItem:
    """For kinds without written minutes for parents: that and when they were told (seed 000 §4)."""
    _require_manage(actor, item.case)
    errors: dict[str, str] = {}
    if item.meeting.kind.parents_receive_minutes:
        errors["informed_on"] = _(
            "Bij een %(kind)s ontvangen ouders het verslag; mondeling informeren hoeft niet "
            "apart te worden vastgelegd."
        ) % {"kind": item.meeting.kind.name}
    if informed_on is None or informed_on > timezone.localdate():
        errors["informed_on"] = _(
            "Vul in wanneer de ouders zijn geïnformeerd (niet in de toekomst)."
        )
    if not informed_by.strip():
        errors["informed_by"] = _("Vul in wie de ouders heeft geïnformeerd.")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"informed_by": informed_by})
    item.parents_informed_orally_on = informed_on
    item.parents_informed_by = informed_by.strip()
    item.save(update_fields=["parents_informed_orally_on", "parents_informed_by"])
    _log(actor, "parents_informed_orally", item.case, item)
    return item


# --- Plan (CO-05, CO-06) ---------------------------------------------------------------------


def _plan_snapshot(plan: Plan) -> dict[str, Any]:
    return {
        "starts_on": plan.starts_on.isoformat(),
        "ends_on": plan.ends_on.isoformat(),
        "goals": [
            {"id": g.pk, "party": g.party, "description": g.description, "met": g.met}
            for g in plan.goals.filter(removed_at__isnull=True)
        ],
        "actions": [
            {
                "id": a.pk,
                "description": a.description,
                "owner_id": a.owner_id,
                "owner_party": a.owner_party,
                "due_date": a.due_date.isoformat(),
                "status": a.status,
            }
            for a in plan.actions.all()
        ],
    }


def _revise(actor: Actor, plan: Plan, summary: str) -> None:
    """Keeps the history: the state *after* each change, numbered by plan version (CO-05)."""
    Plan.objects.filter(pk=plan.pk).update(version=F("version") + 1, updated_at=timezone.now())
    plan.refresh_from_db()
    PlanRevision.objects.create(
        plan=plan,
        version=plan.version,
        summary=summary[:300],
        snapshot=_plan_snapshot(plan),
        changed_by=actor.user,
    )


@transaction.atomic
def create_plan(actor: Actor, case: Case, *, starts_on: dt.date, ends_on: dt.date) -> Plan:
    """1 kind 1 plan (CO-05): one plan per case, from the plan phase on, with a casusregisseur."""
    _require_manage(actor, case)
    errors: dict[str, str] = {}
    if Plan.objects.filter(case=case).exists():
        errors["starts_on"] = _("Dit traject heeft al een plan: 1 kind 1 plan (CO-05).")
    if case.phase not in PHASES_WITH_PLAN:
        errors["starts_on"] = _(
            "Een plan hoort bij de fase 1 kind 1 plan of later; zet het traject eerst in die fase (CO-02)."
        )
    if case.case_director_id is None:
        errors["starts_on"] = _("Wijs eerst een casusregisseur aan (ORG-03).")
    if starts_on is None or ends_on is None or ends_on < starts_on:
        errors["ends_on"] = _("Het plan loopt tot een datum na de startdatum.")
    if errors:
        raise ValidationError(errors)
    plan = Plan.objects.create(
        case=case, starts_on=starts_on, ends_on=ends_on, created_by=actor.user
    )
    PlanRevision.objects.create(
        plan=plan,
        version=1,
        summary=_("Plan opgesteld"),
        snapshot=_plan_snapshot(plan),
        changed_by=actor.user,
    )
    _log(actor, "create_plan", case, plan, [DataCategory.ORDINARY])
    return plan


def _require_plan_editor(actor: Actor, plan: Plan) -> CaseAccess:
    access = _require_manage(actor, plan.case)
    if plan.status != Plan.Status.ACTIVE:
        raise ValidationError(_("Dit plan is geëvalueerd en kan niet meer worden aangepast."))
    return access


@transaction.atomic
def add_goal(actor: Actor, plan: Plan, *, party: str, description: str) -> Goal:
    _require_plan_editor(actor, plan)
    errors: dict[str, str] = {}
    if party not in Party.values:
        errors["party"] = _(
            "Kies voor welke partij het doel is: jongere, ouders, school of jeugdhulp (CO-05)."
        )
    if not description.strip():
        errors["description"] = _("Beschrijf een concreet, haalbaar doel (CO-05).")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"description": description})
    goal = Goal.objects.create(
        plan=plan,
        party=party,
        description=description.strip(),
        position=plan.goals.count(),
    )
    _revise(actor, plan, _("Doel toegevoegd"))
    _log(actor, "add_goal", plan.case, goal)
    return goal


@transaction.atomic
def change_goal(actor: Actor, goal: Goal, *, description: str, remove: bool = False) -> Goal:
    plan = goal.plan
    _require_plan_editor(actor, plan)
    if remove:
        goal.removed_at = timezone.now()
        goal.save(update_fields=["removed_at"])
        _revise(actor, plan, _("Doel vervallen"))
    else:
        if not description.strip():
            raise ValidationError(
                {"description": _("Beschrijf een concreet, haalbaar doel (CO-05).")}
            )
        ensure_no_bsn({"description": description})
        goal.description = description.strip()
        goal.save(update_fields=["description"])
        _revise(actor, plan, _("Doel aangepast"))
    _log(actor, "change_goal", plan.case, goal)
    return goal


@transaction.atomic
def add_action(
    actor: Actor,
    plan: Plan,
    *,
    description: str,
    owner_party: str,
    due_date: dt.date,
    owner: Any = None,
    goal: Goal | None = None,
) -> PlanAction:
    """A concrete action with owner and due date (CO-05); a personal owner is a participant."""
    _require_plan_editor(actor, plan)
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = _("Beschrijf de actie (CO-05).")
    if owner_party not in Party.values:
        errors["owner_party"] = _("Kies welke partij de actie uitvoert (CO-05).")
    if due_date is None:
        errors["due_date"] = _("Vul in wanneer de actie uiterlijk klaar is (CO-05).")
    if (
        owner is not None
        and not plan.case.participants.filter(user=owner, ended_at__isnull=True).exists()
    ):
        errors["owner"] = _("De eigenaar van een actie is deelnemer van het traject (ORG-04).")
    if goal is not None and goal.plan_id != plan.pk:
        errors["goal"] = _("Dit doel hoort niet bij dit plan.")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"description": description})
    action = PlanAction.objects.create(
        plan=plan,
        goal=goal,
        description=description.strip(),
        owner=owner,
        owner_party=owner_party,
        due_date=due_date,
    )
    _revise(actor, plan, _("Actie toegevoegd"))
    _log(actor, "add_action", plan.case, action)
    if owner is not None and owner.pk != actor.user.pk:
        path = reverse("consultations:plan", args=[plan.case_id])
        transaction.on_commit(lambda: notify([owner], "action", path))
    return action


@transaction.atomic
def set_action_status(actor: Actor, action: PlanAction, *, status: str) -> PlanAction:
    """The action's owner or a director updates its status."""
    plan = action.plan
    access = _access(actor, plan.case)
    if not access.allowed or not (access.can_manage or action.owner_id == actor.user.pk):
        raise PermissionDenied(
            _("Alleen de eigenaar van de actie of een regisseur wijzigt de status.")
        )
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Kies een status.")})
    if plan.status != Plan.Status.ACTIVE:
        raise ValidationError({"status": _("Dit plan is geëvalueerd.")})
    action.status = status
    action.done_on = timezone.localdate() if status == ActionStatus.DONE else None
    action.save(update_fields=["status", "done_on"])
    _revise(
        actor, plan, _("Status van een actie: %(status)s") % {"status": action.get_status_display()}
    )
    _log(actor, "action_status", plan.case, action)
    return action


@transaction.atomic
def add_progress_note(actor: Actor, plan: Plan, *, text: str) -> ProgressNote:
    """The casusregisseur reports progress (CO-05)."""
    _require_manage(actor, plan.case)
    if not text.strip():
        raise ValidationError({"text": _("Vul de voortgang in (CO-05).")})
    ensure_no_bsn({"text": text})
    note = ProgressNote.objects.create(plan=plan, text=text.strip(), written_by=actor.user)
    _log(actor, "progress_note", plan.case, note)
    return note


@transaction.atomic
def evaluate_plan(
    actor: Actor,
    plan: Plan,
    *,
    evaluated_on: dt.date,
    evaluation: str,
    goal_results: dict[int, tuple[bool, str]],
    follow_up_until: dt.date | None = None,
) -> Plan:
    """Evaluation with parents/youth: per goal met or not; follow-up up to 6 months (CO-02)."""
    _require_plan_editor(actor, plan)
    goals = list(plan.goals.filter(removed_at__isnull=True))
    errors: dict[str, str] = {}
    if evaluated_on is None or evaluated_on > timezone.localdate():
        errors["evaluated_on"] = _("Vul de datum van de evaluatie in (niet in de toekomst).")
    if not evaluation.strip():
        errors["evaluation"] = _("Vul in wat de evaluatie met ouders/jongere opleverde (CO-02).")
    missing = [g for g in goals if g.pk not in goal_results]
    if missing:
        errors["goals"] = _("Geef bij elk doel aan of het is behaald (CO-02).")
    limit = calendar.add_months(plan.ends_on, AFTERCARE_MAX_MONTHS)
    if follow_up_until is not None and follow_up_until > limit:
        errors["follow_up_until"] = _(
            "Volgen kan tot uiterlijk 6 maanden na het einde van het plan: %(limit)s (CO-02)."
        ) % {"limit": limit.strftime("%d-%m-%Y")}
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"evaluation": evaluation, **{str(k): v[1] for k, v in goal_results.items()}})
    for goal in goals:
        met, note = goal_results[goal.pk]
        goal.met, goal.evaluation_note = bool(met), note.strip()
        goal.save(update_fields=["met", "evaluation_note"])
    plan.status = Plan.Status.EVALUATED
    plan.evaluated_on = evaluated_on
    plan.evaluation = evaluation.strip()
    plan.follow_up_until = follow_up_until
    plan.save(update_fields=["status", "evaluated_on", "evaluation", "follow_up_until"])
    if follow_up_until is not None:
        terms.start_term(
            RULE_FOLLOW_UP,
            object_type=PLAN_TYPE,
            object_id=plan.pk,
            start_date=plan.ends_on,
            owner=plan.case.owner,
            subject_pseudonym=_subject(plan.case),
            created_by=actor.user,
        )
    _revise(actor, plan, _("Plan geëvalueerd"))
    _log(actor, "evaluate_plan", plan.case, plan)
    return plan


@transaction.atomic
def escalate(
    actor: Actor,
    plan: Plan,
    *,
    destination: str,
    reason: str,
    escalated_on: dt.date,
    destination_other: str = "",
) -> Escalation:
    """CO-06: the overleg has no doorzettingskracht; the case goes up, and that is recorded."""
    _require_manage(actor, plan.case)
    errors: dict[str, str] = {}
    if destination not in EscalationDestination.values:
        errors["destination"] = _("Kies waarheen wordt opgeschaald (CO-06).")
    if destination == EscalationDestination.OTHER and not destination_other.strip():
        errors["destination_other"] = _("Vul in waarheen wordt opgeschaald (CO-06).")
    if not reason.strip():
        errors["reason"] = _("Vul de reden van de opschaling in (CO-06).")
    if escalated_on is None or escalated_on > timezone.localdate():
        errors["escalated_on"] = _("Vul de datum van opschaling in (niet in de toekomst).")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"reason": reason, "destination_other": destination_other})
    row = Escalation.objects.create(
        plan=plan,
        destination=destination,
        destination_other=destination_other.strip(),
        reason=reason.strip(),
        escalated_on=escalated_on,
        recorded_by=actor.user,
    )
    _log(actor, "escalate", plan.case, row)
    return row


@transaction.atomic
def record_escalation_outcome(
    actor: Actor, escalation: Escalation, *, outcome: str, outcome_on: dt.date
) -> Escalation:
    _require_manage(actor, escalation.plan.case)
    errors: dict[str, str] = {}
    if not outcome.strip():
        errors["outcome"] = _("Vul de uitkomst van de opschaling in (CO-06).")
    if outcome_on is None or outcome_on < escalation.escalated_on:
        errors["outcome_on"] = _("De uitkomst volgt op of na de datum van opschaling (CO-06).")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"outcome": outcome})
    escalation.outcome, escalation.outcome_on = outcome.strip(), outcome_on
    escalation.save(update_fields=["outcome", "outcome_on"])
    _log(actor, "escalation_outcome", escalation.plan.case, escalation)
    return escalation


# --- OPP -------------------------------------------------------------------------------------

OPP_TEXT_FIELDS = (
    "exit_perspective",
    "hindering_factors",
    "promoting_factors",
    "goals",
    "action_part",
)


@transaction.atomic
def save_opp(
    actor: Actor,
    plan: Plan,
    *,
    enrolment_date: dt.date,
    exit_perspective: str,
    exit_stage: str,
    hindering_factors: str,
    promoting_factors: str,
    goals: str,
    action_part: str,
) -> Opp:
    """Creates or changes the OPP. A changed handelingsdeel needs the parents' agreement again."""
    _require_manage(actor, plan.case)
    values = {
        "exit_perspective": exit_perspective,
        "hindering_factors": hindering_factors,
        "promoting_factors": promoting_factors,
        "goals": goals,
        "action_part": action_part,
    }
    labels = {
        "exit_perspective": _("het uitstroomperspectief (TLV-13)"),
        "hindering_factors": _("de belemmerende factoren"),
        "promoting_factors": _("de bevorderende factoren"),
        "goals": _("de doelen"),
        "action_part": _("het handelingsdeel (CON-04)"),
    }
    errors = {
        name: _("Vul %(label)s in.") % {"label": label}
        for name, label in labels.items()
        if not values[name].strip()
    }
    if enrolment_date is None:
        errors["enrolment_date"] = _("Vul de datum van inschrijving in (TLV-13: binnen 6 weken).")
    if exit_stage not in ("prognosis", "provisional", "definitive"):
        errors["exit_stage"] = _("Kies de status van het uitstroomperspectief (TLV-13).")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn(values)
    opp = Opp.objects.filter(plan=plan).first()
    created = opp is None
    if opp is None:
        opp = Opp(plan=plan)
    action_part_changed = not created and opp.action_part.strip() != action_part.strip()
    opp.enrolment_date = enrolment_date
    opp.exit_stage = exit_stage
    for name, value in values.items():
        setattr(opp, name, value.strip())
    if action_part_changed:
        # CON-04: the parents agreed with the old handelingsdeel, not with this one.
        opp.parents_agreed_on = None
        opp.parents_agreement_note = ""
        opp.finalised_at = None
    opp.save()
    if created:
        terms.start_term(
            RULE_OPP_SET,
            object_type=OPP_TYPE,
            object_id=opp.pk,
            start_date=enrolment_date,
            owner=plan.case.owner,
            subject_pseudonym=_subject(plan.case),
            created_by=actor.user,
        )
    _log(actor, "save_opp", plan.case, opp, [DataCategory.ORDINARY])
    return opp


@transaction.atomic
def record_parents_agreement(actor: Actor, opp: Opp, *, agreed_on: dt.date, note: str) -> Opp:
    """CON-04: parents agree with the handelingsdeel (not with the uitstroomprofiel)."""
    _require_manage(actor, opp.plan.case)
    errors: dict[str, str] = {}
    if agreed_on is None or agreed_on > timezone.localdate():
        errors["agreed_on"] = _(
            "Vul in wanneer de ouders instemden met het handelingsdeel (CON-04)."
        )
    if not note.strip():
        errors["note"] = _(
            "Vul in hoe de ouders instemden, bijvoorbeeld 'getekend in gesprek' (CON-04)."
        )
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"note": note})
    opp.parents_agreed_on, opp.parents_agreement_note = agreed_on, note.strip()
    opp.save(update_fields=["parents_agreed_on", "parents_agreement_note"])
    _log(actor, "opp_parents_agreement", opp.plan.case, opp)
    return opp


@transaction.atomic
def record_pupil_view(
    actor: Actor,
    opp: Opp,
    *,
    pupil_view: str,
    heard_on: dt.date | None,
    not_heard_reason: str = "",
) -> Opp:
    """AGE-04: the pupil's view of the OPP, or why the pupil could not be heard."""
    _require_manage(actor, opp.plan.case)
    errors: dict[str, str] = {}
    if heard_on is None and not not_heard_reason.strip():
        errors["heard_on"] = _("Vul in wanneer de leerling is gehoord, of waarom niet (AGE-04).")
    if heard_on is not None and not pupil_view.strip():
        errors["pupil_view"] = _("Vul de mening van de leerling in (AGE-04).")
    if heard_on is not None and heard_on > timezone.localdate():
        errors["heard_on"] = _("De datum van horen ligt in de toekomst.")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"pupil_view": pupil_view, "not_heard_reason": not_heard_reason})
    opp.pupil_view = pupil_view.strip()
    opp.pupil_heard_on = heard_on
    opp.pupil_not_heard_reason = "" if heard_on else not_heard_reason.strip()
    opp.save(update_fields=["pupil_view", "pupil_heard_on", "pupil_not_heard_reason"])
    _log(actor, "opp_pupil_view", opp.plan.case, opp)
    return opp


@transaction.atomic
def finalise_opp(actor: Actor, opp: Opp) -> Opp:
    """Final only with the parents' agreement (CON-04) and the pupil's view (AGE-04)."""
    _require_manage(actor, opp.plan.case)
    errors: dict[str, str] = {}
    if opp.parents_agreed_on is None:
        errors["parents_agreed_on"] = _(
            "Het handelingsdeel is pas definitief als de ouders ermee hebben ingestemd (CON-04)."
        )
    if opp.pupil_heard_on is None and not opp.pupil_not_heard_reason:
        errors["pupil_view"] = _(
            "Leg eerst de mening van de leerling vast, of waarom de leerling niet is gehoord (AGE-04)."
        )
    if opp.finalised_at is not None:
        errors["parents_agreed_on"] = _("Dit OPP is al vastgesteld.")
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    opp.finalised_at = timezone.now()
    opp.save(update_fields=["finalised_at"])
    for term in terms_for(OPP_TYPE, opp.pk):
        if term.is_open and term.rule.code == RULE_OPP_SET:
            terms.complete(term, today)
    if not any(
        t.is_open and t.rule.code == RULE_OPP_EVALUATION for t in terms_for(OPP_TYPE, opp.pk)
    ):
        _start_opp_evaluation(actor, opp, today)
    _log(actor, "finalise_opp", opp.plan.case, opp)
    return opp


def _start_opp_evaluation(actor: Actor, opp: Opp, start: dt.date) -> None:
    terms.start_term(
        RULE_OPP_EVALUATION,
        object_type=OPP_TYPE,
        object_id=opp.pk,
        start_date=start,
        owner=opp.plan.case.owner,
        subject_pseudonym=_subject(opp.plan.case),
        created_by=actor.user,
    )


@transaction.atomic
def evaluate_opp(actor: Actor, opp: Opp, *, evaluated_on: dt.date, exit_stage: str) -> Opp:
    """At least yearly (term); the uitstroomperspectief moves towards definitive (TLV-13)."""
    _require_manage(actor, opp.plan.case)
    if opp.finalised_at is None:
        raise ValidationError({"evaluated_on": _("Stel het OPP eerst vast.")})
    if evaluated_on is None or evaluated_on > timezone.localdate():
        raise ValidationError(
            {"evaluated_on": _("Vul de datum van evaluatie in (niet in de toekomst).")}
        )
    if exit_stage not in ("prognosis", "provisional", "definitive"):
        raise ValidationError(
            {"exit_stage": _("Kies de status van het uitstroomperspectief (TLV-13).")}
        )
    opp.evaluated_on = evaluated_on
    opp.exit_stage = exit_stage
    opp.save(update_fields=["evaluated_on", "exit_stage"])
    for term in terms_for(OPP_TYPE, opp.pk):
        if term.is_open and term.rule.code == RULE_OPP_EVALUATION:
            terms.complete(term, evaluated_on)
    _start_opp_evaluation(actor, opp, evaluated_on)
    _log(actor, "evaluate_opp", opp.plan.case, opp)
    return opp


def open_actions_count(plan: Plan) -> int:
    return plan.actions.filter(status__in=OPEN_ACTION_STATUSES).count()


# --- Retention (PRV-06) ------------------------------------------------------------------------


@transaction.atomic
def delete_for_case(case_id: int) -> dict[str, int]:
    """Deletes the case's agenda items (with minutes and invitees) and its plan (with goals,
    actions, progress notes, escalations, OPP and revisions), and their terms.

    Called by ``passend.retention`` inside its transaction; meetings themselves stay (they hold
    other cases' items). Returns counts per model, no personal data.
    """
    plan_ids = list(Plan.objects.filter(case_id=case_id).values_list("pk", flat=True))
    opp_ids = list(Opp.objects.filter(plan_id__in=plan_ids).values_list("pk", flat=True))
    objects = {(PLAN_TYPE, str(pk)) for pk in plan_ids} | {(OPP_TYPE, str(pk)) for pk in opp_ids}
    counts: dict[str, int] = {}
    for queryset in (
        AgendaItem.objects.filter(case_id=case_id),
        Plan.objects.filter(case_id=case_id),
    ):
        _total, per_model = queryset.delete()
        for label, number in per_model.items():
            counts[label.lower()] = counts.get(label.lower(), 0) + number
    removed_terms = terms.delete_for_objects(objects)
    if removed_terms:
        counts["terms.term"] = counts.get("terms.term", 0) + removed_terms
    return counts
