"""Reads of case consultation for screens, API and exports.

Agenda items, minutes and plans belong to a Case; whether a viewer sees them is decided by
``passend.access`` (``decide_rows`` / ``get_case``) and every shown case is logged
(``log_rows``). A meeting shows the items the viewer may not see only as
"Agendapunt N (niet zichtbaar voor u)" (CO-03).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest

from passend.access import selectors as access
from passend.access.batch import AccessLogBatch, batch_or_now
from passend.access.policy import decide_case, phase_policies
from passend.access.selectors import CaseRow
from passend.accounts.models import Role
from passend.cases import selectors as case_selectors
from passend.cases.models import Case, Phase
from passend.consultations.models import (
    OPEN_ACTION_STATUSES,
    AgendaInvitee,
    AgendaItem,
    ConsultationKind,
    KnownName,
    Meeting,
    Minutes,
    Plan,
    PlanAction,
)
from passend.prepared import PreparedQuery
from passend.privacy.categories import DataCategory
from passend.privacy.context import AccessContext
from passend.privacy.models import Outcome
from passend.privacy.services import record_access
from passend.statements import id_rows

# --- Kinds -----------------------------------------------------------------------------------


def kinds_for(membership: Any) -> QuerySet[ConsultationKind]:
    """The covenant models and the kinds of the viewer's SWV (or their school's SWV)."""
    queryset = ConsultationKind.objects.select_related("swv")
    if membership is None:
        return queryset.filter(swv__isnull=True)
    organisation = membership.organisation
    swv_ids = {organisation.pk, organisation.swv_id} - {None}
    if membership.role == "functional_admin":
        return queryset.order_by("swv__name", "name")
    return queryset.filter(Q(swv__isnull=True) | Q(swv_id__in=swv_ids)).order_by(
        "swv__name", "name"
    )


def get_kind(membership: Any, pk: object) -> ConsultationKind:
    try:
        number = int(str(pk))
    except ValueError:
        raise Http404 from None
    kind = (
        kinds_for(membership)
        .prefetch_related("parties", "deviations__recorded_by")
        .filter(pk=number)
        .first()
    )
    if kind is None:
        raise Http404
    return kind


def plannable_kinds(membership: Any) -> QuerySet[ConsultationKind]:
    return kinds_for(membership).filter(is_active=True)


# --- Meetings --------------------------------------------------------------------------------


def next_meetings(user: Any, membership: Any, now: dt.datetime, limit: int) -> list[Meeting]:
    """The first ``limit`` planned meetings from ``now`` on that the user convenes or that
    have an item on a case they take part in (the policy's pre-filter ``involved_cases``),
    for the start page; by a query compiled once per role and limit (``prepared``)."""
    key = access.involvement_key(user, membership)
    if key is None or key.role == Role.FUNCTIONAL_ADMIN:
        return []
    return _NEXT_MEETINGS.fetch(
        key.role, limit, user=key.user, organisation=key.organisation, now=now
    )


def _next_meetings_query(
    role: str, limit: int, *, user: int, organisation: int, now: dt.datetime
) -> QuerySet[Meeting]:
    involved = access.involved_cases_of(user, organisation, role).values("pk")
    return (
        Meeting.objects.filter(Q(convener=user) | Q(items__case__in=involved))
        .filter(starts_at__gte=now, status="planned")
        .distinct()
        .select_related("kind")
        .order_by("starts_at", "id")[:limit]
    )


_NEXT_MEETINGS = PreparedQuery(_next_meetings_query, user=int, organisation=int, now=dt.datetime)


def meetings_to_list(user: Any, membership: Any) -> QuerySet[Meeting]:
    """The meetings list's pre-filter: meetings the user convenes, or with an item on a case
    of one of their active participations (``access.participation_case_ids``, a superset of
    the involved cases). ``meeting_rows`` decides every item and keeps only the meetings the
    user convenes or sees an item of.

    Read as "the meeting's id among those of the items on these cases", without a join: the
    join with DISTINCT sorted every matching item's meeting, and the involvement read each of
    the user's cases; for the CvA secretary of the large region (8,035 cases) that was 30 ms,
    now 3 ms (issue 10, session 24)."""
    if membership is None or membership.role in ("privacy_officer", "functional_admin"):
        return Meeting.objects.none()
    on_their_cases = AgendaItem.objects.filter(
        case_id__in=access.participation_case_ids(user, membership)
    ).values("meeting_id")
    return (
        Meeting.objects.filter(Q(convener=user) | Q(pk__in=on_their_cases))
        .select_related("kind")
        .order_by("-starts_at", "-id")
    )


def _item_details() -> list[Prefetch]:
    """What a meeting page shows of an item it may show: the case with its policy input,
    the invitees and the minutes."""
    return [
        Prefetch("case", queryset=access.with_policy_data(Case.objects.all())),
        Prefetch("invitees", queryset=AgendaInvitee.objects.select_related("user", "organisation")),
        Prefetch("minutes", queryset=Minutes.objects.select_related("written_by", "supplied_by")),
    ]


def _cases_possibly_visible(request: HttpRequest, case_ids: set[int]) -> set[int]:
    """Of these agenda cases, those the policy can let the viewer see at all: cases they are
    involved in, or hold a break-the-glass grant for (ORG-04, CON-05; ``decide_case`` denies
    every other case before it looks at anything else). The policy still decides each of them.

    Checked for just these cases, each as one array parameter: a CvA breed agenda holds dozens
    of other schools' cases, and as a condition on the agenda's query PostgreSQL read the
    viewer's whole involvement (the CvA secretary of the large region: 8,035 cases, 16 ms for
    a page of the meetings list; issue 10)."""
    from passend.emergency.selectors import active_grant_case_ids

    membership = getattr(request, "membership", None)
    if membership is None or not case_ids:
        return set()
    seeable = access.involved_among(request.user, membership, case_ids)
    others = sorted(case_ids - seeable)
    if others:
        seeable.update(
            row["case_id"]
            for row in active_grant_case_ids(request.user, membership.organisation_id).filter(
                case_id__in=id_rows(others)
            )
        )
    return seeable


@dataclass
class ItemView:
    item: AgendaItem
    row: CaseRow | None  # None: the viewer may not see this item

    @property
    def visible(self) -> bool:
        return self.row is not None

    @property
    def minutes(self) -> Minutes | None:
        if self.row is None:
            return None
        minutes = getattr(self.item, "minutes", None)
        if minutes is None:
            return None
        if not self.row.access.can_see(minutes.category) and (
            minutes.supplied_by_id != self.row.access.organisation_id
        ):
            return None
        return minutes

    @property
    def minutes_hidden(self) -> bool:
        return (
            self.row is not None
            and getattr(self.item, "minutes", None) is not None
            and (self.minutes is None)
        )


@dataclass
class MeetingView:
    meeting: Meeting
    items: list[ItemView] = field(default_factory=list)
    is_convener: bool = False
    # The list loads only the items that can be visible (meeting_rows) and counts the rest.
    item_count: int | None = None

    @property
    def visible_items(self) -> list[ItemView]:
        return [i for i in self.items if i.visible]

    @property
    def total_items(self) -> int:
        return len(self.items) if self.item_count is None else self.item_count


def _decide_items(
    request: HttpRequest, items: list[AgendaItem], candidates: set[int], policies: dict[str, Any]
) -> list[ItemView]:
    """Each item decided by the policy; an item whose case is not among ``candidates``
    (``_cases_possibly_visible``) is hidden without loading its case."""
    user, membership = request.user, getattr(request, "membership", None)
    views: list[ItemView] = []
    for item in items:
        if item.case_id not in candidates:
            views.append(ItemView(item, None))
            continue
        decision = decide_case(user, membership, item.case, phase_categories=policies)
        views.append(ItemView(item, CaseRow(item.case, decision) if decision.allowed else None))
    return views


def meeting_rows(request: HttpRequest, meetings: list[Meeting]) -> list[MeetingView]:
    """The list: per meeting how many of its items the viewer sees; logs those cases.

    An item can only be visible on a case the viewer takes part in, or holds a break-the-glass
    grant for (ORG-04, ``decide_case``), so only those items are loaded and decided, with the
    list's light policy input; the others are counted. A CvA breed agenda holds dozens of TLV
    cases of other schools: at region scale 50 meetings hold ~2,300 items, of which a
    coordinator may see a few dozen (issue 10).
    """
    if not meetings:
        return []
    user, membership = request.user, getattr(request, "membership", None)
    # Every item of the page's meetings as (id, meeting, case): counted, and the candidates
    # among them chosen without loading an item or a case.
    agenda = list(
        AgendaItem.objects.filter(meeting_id__in=[meeting.pk for meeting in meetings])
        .order_by()
        .values_list("pk", "meeting_id", "case_id")
    )
    totals = Counter(meeting_id for _pk, meeting_id, _case_id in agenda)
    seeable = _cases_possibly_visible(request, {case_id for _pk, _m, case_id in agenda})
    chosen = [pk for pk, _meeting_id, case_id in agenda if case_id in seeable]
    candidates: dict[int, list[AgendaItem]] = {}
    if chosen:
        items = (
            AgendaItem.objects.filter(pk__in=id_rows(chosen))
            .order_by("position", "id")
            .prefetch_related(Prefetch("case", queryset=access.row_cases(Case.objects.all())))
        )
        for item in items:
            candidates.setdefault(item.meeting_id, []).append(item)
        agenda_cases = [item.case for found in candidates.values() for item in found]
        access.attach_row_policy_data(agenda_cases, user, membership)
        access.attach_break_glass(agenda_cases, user, membership)
    policies = phase_policies()
    views: list[MeetingView] = []
    rows: list[CaseRow] = []
    for meeting in meetings:
        found = candidates.get(meeting.pk, [])
        decided = _decide_items(request, found, {item.case_id for item in found}, policies)
        view = MeetingView(
            meeting,
            decided,
            meeting.convener_id == request.user.pk,
            item_count=totals.get(meeting.pk, 0),
        )
        if view.is_convener or view.visible_items:
            views.append(view)
            rows.extend(i.row for i in view.visible_items if i.row is not None)
    access.log_rows(request, rows)
    return views


def get_meeting(request: HttpRequest, pk: object) -> MeetingView:
    """One meeting for the viewer, or Http404 when they convene it nor see any item of it."""
    try:
        number = int(str(pk))
    except ValueError:
        raise Http404 from None
    meeting = (
        Meeting.objects.select_related("kind", "organisation", "convener")
        .prefetch_related(Prefetch("items", queryset=AgendaItem.objects.order_by("position", "id")))
        .filter(pk=number)
        .first()
    )
    if meeting is None:
        raise Http404
    items = list(meeting.items.all())
    candidates = _cases_possibly_visible(request, {item.case_id for item in items})
    shown = [item for item in items if item.case_id in candidates]
    prefetch_related_objects(shown, *_item_details())
    access.attach_break_glass(
        (item.case for item in shown), request.user, getattr(request, "membership", None)
    )
    view = MeetingView(
        meeting,
        _decide_items(request, items, candidates, phase_policies()),
        meeting.convener_id == request.user.pk,
    )
    if not view.is_convener and not view.visible_items:
        # Logged as a denied read, answered as "not found": probing reveals nothing.
        record_access(
            AccessContext.from_request(request),
            action="view",
            activity="case_consultation",
            outcome=Outcome.DENIED,
            obj=meeting,
            reason="no agenda item of a case you are involved in (CO-03)",
        )
        raise Http404
    access.log_rows(
        request, [i.row for i in view.visible_items if i.row is not None], action="view"
    )
    return view


def get_item(
    request: HttpRequest, meeting_pk: object, item_pk: object
) -> tuple[MeetingView, ItemView]:
    view = get_meeting(request, meeting_pk)
    for item_view in view.items:
        if str(item_view.item.pk) == str(item_pk) and item_view.visible:
            return view, item_view
    raise Http404


# --- Plans -----------------------------------------------------------------------------------


def plan_of(row: CaseRow) -> Plan | None:
    """The plan of an authorised case, with goals, actions, notes, revisions and escalations."""
    return (
        Plan.objects.filter(case=row.case)
        .select_related("created_by")
        .prefetch_related(
            "goals",
            Prefetch("actions", queryset=PlanAction.objects.select_related("owner", "goal")),
            "progress_notes__written_by",
            "revisions__changed_by",
            "escalations__recorded_by",
        )
        .first()
    )


def opp_of(plan: Plan | None) -> Any:
    if plan is None:
        return None
    return getattr(plan, "opp", None) if hasattr(plan, "opp") else None


@dataclass(frozen=True)
class ActionRow:
    action: PlanAction
    row: CaseRow


def _action_cases(request: HttpRequest) -> QuerySet[Case]:
    """The cases of the user's open actions: only these are shown, so only these are decided and
    logged (a CvA secretary directs thousands of TLV cases, most without an open action)."""
    user = request.user
    return access.involved_cases(user, getattr(request, "membership", None)).filter(
        Exists(
            PlanAction.objects.filter(
                plan__case_id=OuterRef("pk"), status__in=OPEN_ACTION_STATUSES
            ).filter(Q(plan__case__case_director=user) | Q(owner=user))
        )
    )


def first_actions(request: HttpRequest, limit: int) -> list[PlanAction]:
    """The first ``limit`` actions of ``my_actions`` (due date, then id), in the cases the user
    takes part in (``access.involved_cases``, the policy's SQL pre-filter), not yet decided or
    logged: the dashboard decides and logs the cases of exactly these (``my_actions(actions=)``)."""
    key = access.involvement_key(request.user, getattr(request, "membership", None))
    if key is None:
        return []
    return _FIRST_ACTIONS.fetch(key.role, limit, user=key.user, organisation=key.organisation)


def _first_actions_query(role: str, limit: int, *, user: int, organisation: int) -> Any:
    """The query of ``first_actions``, compiled once per role and limit (``prepared``)."""
    involved = access.involved_cases_of(user, organisation, role)
    return (
        PlanAction.objects.filter(
            plan__case_id__in=involved.values("pk"), status__in=OPEN_ACTION_STATUSES
        )
        .filter(Q(plan__case__case_director=user) | Q(owner=user))
        .select_related("owner", "plan", "goal")
        .order_by("due_date", "id")[:limit]
    )


_FIRST_ACTIONS = PreparedQuery(_first_actions_query, user=int, organisation=int)


def my_actions(
    request: HttpRequest,
    *,
    rows: list[CaseRow] | None = None,
    log: AccessLogBatch | None = None,
    limit: int | None = None,
    actions: list[PlanAction] | None = None,
) -> list[ActionRow]:
    """'Mijn acties': open actions across the cases the user directs as casusregisseur,
    and open actions the user owns (CO-05). Each case shown is logged.

    ``rows``: the decided rows of the action cases when the caller decided them already
    (the dashboard); ``log``: the caller's batch; ``limit``: the first actions only (every case
    is logged all the same). ``actions``: ``first_actions`` with ``rows`` the decided rows of
    their cases: only the actions whose case the policy allows are shown, and only their cases
    are logged."""
    user = request.user
    if rows is None:
        cases = access.with_row_policy_data(
            _action_cases(request), user, getattr(request, "membership", None)
        )
        rows = access.decide_rows(request, cases)
    by_case = {r.case.pk: r for r in rows}
    if actions is not None:
        shown = [
            ActionRow(a, by_case[a.plan.case_id]) for a in actions if a.plan.case_id in by_case
        ]
        batch, write = batch_or_now(request, log)
        batch.rows(list({r.row.case.pk: r.row for r in shown}.values()))
        if write:
            batch.write()
        return shown
    queryset = (
        PlanAction.objects.filter(plan__case_id__in=by_case.keys(), status__in=OPEN_ACTION_STATUSES)
        .filter(Q(plan__case__case_director=user) | Q(owner=user))
        .select_related("owner", "plan", "goal")
        .order_by("due_date", "id")
    )
    if limit is not None:
        queryset = queryset[:limit]
    result = [ActionRow(a, by_case[a.plan.case_id]) for a in queryset] if by_case else []
    batch, write = batch_or_now(request, log)
    batch.rows(list(by_case.values()))
    if write:
        batch.write()
    return result


def known_names_of(row: CaseRow) -> list[KnownName]:
    return list(KnownName.objects.filter(case=row.case))


def can_see_plan(row: CaseRow) -> bool:
    """Plans hold ordinary data at least; the viewer needs that category (CO-02)."""
    return row.access.can_see(DataCategory.ORDINARY)


def resolve_invitee(line: str) -> tuple[Any, Any] | None:
    """'gebruikersnaam [organisatie-id]' or 'e-mailadres [organisatie-id]' -> (user, organisation).

    Without an organisation id the person's only current membership is used.
    """
    from passend.accounts.models import Membership

    parts = line.split()
    if not parts or len(parts) > 2:
        return None
    identifier = parts[0]
    memberships = (
        Membership.objects.active()
        .filter(Q(user__username__iexact=identifier) | Q(user__email__iexact=identifier))
        .select_related("user", "organisation")
        .order_by("pk")
    )
    if len(parts) == 2:
        if not parts[1].isdigit():
            return None
        memberships = memberships.filter(organisation_id=int(parts[1]))
    found = list(memberships[:2])
    if len(found) != 1:
        return None
    return found[0].user, found[0].organisation


# How many cases the agenda form offers at once; any other is found by name or pseudonym.
PLANNABLE_SHOWN = 50


def plannable_cases(request: HttpRequest, query: str = "") -> tuple[list[CaseRow], bool]:
    """Cases the viewer may put on an agenda: open, and managed by them (procesregisseur,
    casusregisseur, or their organisation owns it). The newest ``PLANNABLE_SHOWN``, or those
    that match ``query`` (a name the viewer may see, or a pseudonym); and whether more match.

    Only these are decided and logged, so a coordinator with a thousand cases gets the same
    page as one with ten (issue 10) and can reach every case by searching. The SQL narrows to
    the cases the viewer could manage; the policy decides (``can_manage``)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return [], False
    user_id = request.user.pk
    candidates = (
        access.involved_cases(request.user, membership)
        .exclude(phase=Phase.CLOSED)
        .filter(
            Q(owner_id=membership.organisation_id)
            | Q(process_director_id=user_id)
            | Q(case_director_id=user_id)
        )
    )
    rows, more = case_selectors.newest_rows(
        request,
        case_selectors.queryset_keys(case_selectors.filter_cases(candidates, query=query)),
        limit=PLANNABLE_SHOWN,
        query=query,
        keep=lambda row: row.access.can_manage,
    )
    access.log_rows(request, rows)
    return rows, more


def plannable_case(request: HttpRequest, case_id: str) -> CaseRow | None:
    """The case chosen on the agenda form, if the viewer may put it on an agenda; None
    otherwise. One decision, logged, a refused one too (``access.get_case``)."""
    if not case_id:
        return None
    try:
        row = access.get_case(request, case_id, shows_grounds=False)
    except Http404:
        return None
    return row if row.access.can_manage else None
