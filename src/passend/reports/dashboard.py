"""The professional's start page (seed 000 §5 d): "my work" first.

Every case-level item comes from a feature app's selector, which applies the access policy and
writes the access log for what it returns; nothing here queries another app's models. What a
role sees:

* school (ondersteuningscoördinator): own TLV applications with their terms, TLVs about to
  expire, meldplichtige pupils of the school, own arrangements;
* school board: applications to submit;
* CvA secretary/chair: applications routed to the committee (triage, assessment);
* SWV staff: applications awaiting the board's decision, arrangements awaiting advice or
  decision, the informatiepunt;
* leerplicht: attendance and thuiszitters only (ABS-05).

Everyone: open terms (overdue first), own actions, next meetings.

Cost (issue 10): bounded by what the page shows, not by the user's number of cases. Each
section first takes from the database the few rows it shows (the 20 most urgent terms, the
first 10 actions and waiting files, each most urgent or oldest first) and its counts
(aggregates over the user's scope: ``access.involved_cases``, the policy's SQL pre-filter,
plus the organisation's queue; a count never includes a case outside that scope). Then the
policy decides exactly the cases shown in one load (``batch.decide_ids``), and every row shown
is logged once (``batch.AccessLogBatch``, all in one statement, before the page is
rendered; NEN 7513). Leerplicht is the exception: the absence category of the decision says
which signals it may see, so its attendance cases are decided in full (and only the shown
logged).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.access.batch import AccessLogBatch, decide_ids, involved_index, rows_of
from passend.accounts.models import Membership, OrganisationKind, Role
from passend.arrangements import selectors as arrangement_selectors
from passend.attendance import selectors as attendance_selectors
from passend.consultations import selectors as consultation_selectors
from passend.inquiries import selectors as inquiry_selectors
from passend.inquiries.services import DESK_ROLES
from passend.tlv import selectors as tlv_selectors
from passend.tlv.models import TlvApplication
from passend.urlreverse import reverse

SHOWN = 10
TERMS_SHOWN = 20  # the most urgent open terms; the rest on the TLV work list
CVA_ROLES = tlv_selectors.CVA_ROLES
SWV_STAFF = frozenset({Role.SWV_DIRECTOR, Role.ECT_MEMBER, Role.INFORMATION_DESK})


@dataclass(frozen=True)
class TermItem:
    what: str
    label: str
    due_date: dt.date
    overdue: bool
    suspended: bool
    url: str


@dataclass
class WorkGroup:
    """Files waiting for the user: a count that links to the (filtered) list, and the first
    few items."""

    title: str
    count: int
    url: str
    items: list[tuple[str, str, str]] = field(default_factory=list)  # label, detail, url


@dataclass
class Dashboard:
    role: str
    terms: list[TermItem] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)
    waiting: list[WorkGroup] = field(default_factory=list)
    meetings: list[Any] = field(default_factory=list)
    expiring: list[tuple[Any, Any]] = field(default_factory=list)
    # All open terms of the user's work and the overdue ones among them (counted, not only the
    # TERMS_SHOWN listed); ``terms_url``: the full list when there are more.
    term_count: int = 0
    overdue_count: int = 0
    terms_url: str = ""


@dataclass
class _Term:
    """A candidate row of the terms table: its sort key and how to build it once its case is
    decided (``build`` returns None when the policy hides it)."""

    overdue: bool
    due_date: dt.date
    order: tuple[int, int]  # source, id: a stable tie-break
    build: Any


@dataclass
class _Work:
    """What one request's sections share: the cases they show (ids, phase 1), the policy's
    rows for exactly those (decided once), and the access-log batch."""

    request: HttpRequest
    log: AccessLogBatch
    today: dt.date
    case_ids: list[int] = field(default_factory=list)
    terms: list[_Term] = field(default_factory=list)
    term_count: int = 0
    overdue_count: int = 0
    decided: dict[int, Any] = field(default_factory=dict)

    def decide(self) -> None:
        self.decided = decide_ids(self.request, self.case_ids)

    def rows(self, ids: list[int]) -> list[Any]:
        return rows_of(self.decided, ids)


class _Applications:
    """TLV applications shown (terms table, waiting list): the involved ones by the policy's
    decision of their case, the queued ones by pseudonym; each logged once when shown."""

    def __init__(self, work: _Work, applications: dict[int, TlvApplication]) -> None:
        self.work = work
        self.applications = applications
        work.case_ids.extend(
            a.case_id for a in applications.values() if getattr(a, "is_involved", False)
        )

    def label(self, pk: int) -> str | None:
        application = self.applications.get(pk)
        if application is None:
            return None
        row = (
            self.work.decided.get(application.case_id)
            if getattr(application, "is_involved", False)
            else None
        )
        if row is not None:
            self.work.log.rows([row])
            return str(row.display_name)
        if getattr(application, "in_queue", False):
            self.work.log.items(tlv_selectors.ACTIVITY, [tlv_selectors.queue_item(application)])
            return str(application.case.pseudonym)
        return None


def _tlv_waiting(role: str) -> tuple[set[Any], str] | None:
    status = TlvApplication.Status
    if role in CVA_ROLES:
        wanted = {status.SUBMITTED, status.SUSPENDED, status.IN_ASSESSMENT, status.BACK_TO_MDO}
        return wanted, _("TLV-aanvragen te verdelen of te beoordelen")
    if role == Role.SWV_DIRECTOR:
        return {status.ADVISED}, _("TLV-adviezen wachtend op uw besluit")
    if role == Role.SCHOOL_BOARD:
        return {status.DRAFT}, _("TLV-aanvragen in te dienen")
    if role == Role.SUPPORT_COORDINATOR:
        wanted = {status.DRAFT, status.SUSPENDED, status.BACK_TO_MDO}
        return wanted, _("TLV-aanvragen voor te bereiden of aan te vullen")
    return None


def _tlv(work: _Work, board: Dashboard, membership: Membership) -> Any:
    """Phase 1 of the TLV section: the most urgent terms and the first waiting applications
    (counted in the database over the user's scope); returns phase 3."""
    request, today = work.request, work.today
    waiting = _tlv_waiting(membership.role)
    found = tlv_selectors.dashboard_work(
        request,
        today,
        terms_shown=TERMS_SHOWN,
        waiting_statuses=waiting[0] if waiting else set(),
        waiting_shown=SHOWN,
    )
    terms, waiting_ids, waiting_count = found.terms, found.waiting_ids, found.waiting_count
    work.term_count += found.term_count
    work.overdue_count += found.overdue_count
    shown = _Applications(
        work,
        tlv_selectors.dashboard_applications(
            request,
            list(dict.fromkeys([t.application_id for t in terms] + waiting_ids)),
            found.involved,
        ),
    )

    def term_item(term: tlv_selectors.OpenTerm) -> TermItem | None:
        pk = term.application_id
        label = shown.label(pk)
        if label is None:
            return None
        application = shown.applications[pk]
        return TermItem(
            term.name,
            label,
            term.due_date,
            term.is_overdue(today),
            term.is_suspended,
            reverse("tlv:detail", args=[application.case_id]),
        )

    for term in terms:
        late = term.is_overdue(today)
        work.terms.append(_Term(late, term.due_date, (0, term.pk), lambda t=term: term_item(t)))

    def build() -> None:
        if waiting is None:
            return
        items = []
        for pk in waiting_ids:
            label = shown.label(pk)
            if label is not None:
                application = shown.applications[pk]
                items.append(
                    (
                        label,
                        str(application.get_status_display()),
                        reverse("tlv:detail", args=[application.case_id]),
                    )
                )
        board.waiting.append(WorkGroup(waiting[1], waiting_count, reverse("tlv:overview"), items))

    return build


def _expiring(work: _Work, board: Dashboard) -> Any:
    tlvs = tlv_selectors.expiring_tlvs(work.request, work.today, involved_only=True, limit=SHOWN)
    work.case_ids.extend(t.case_id for t in tlvs)

    def build() -> None:
        board.expiring = tlv_selectors.expiring(
            work.request, work.today, tlvs=tlvs, decided=work.decided, log=work.log
        )

    return build


def _arrangements(work: _Work, board: Dashboard, membership: Membership) -> Any:
    arrangements, count = arrangement_selectors.dashboard_waiting(work.request, SHOWN)
    work.case_ids.extend(a.case_id for a in arrangements if getattr(a, "is_involved", False))
    swv = membership.role in arrangement_selectors.SWV_ROLES

    def build() -> None:
        if not count and not swv:
            return
        items = []
        for a in arrangements:
            row = work.decided.get(a.case_id) if getattr(a, "is_involved", False) else None
            if row is not None:
                work.log.rows([row])
                label = str(row.display_name)
            elif getattr(a, "in_queue", False):
                work.log.items(
                    arrangement_selectors.ACTIVITY, arrangement_selectors.queue_items([a])
                )
                label = str(a.case.pseudonym)
            else:
                continue
            items.append(
                (
                    label,
                    str(a.get_status_display()),
                    reverse("arrangements:detail", args=[a.case_id]),
                )
            )
        title = (
            _("Arrangementen wachtend op advies of besluit")
            if swv
            else _("Aangevraagde arrangementen in behandeling")
        )
        board.waiting.append(WorkGroup(title, count, reverse("arrangements:list"), items))

    return build


def _inquiries(work: _Work, board: Dashboard, membership: Membership) -> Any:
    """Inquiries are SWV-internal objects, not cases: shown rows are logged with the
    informatiepunt's activity; the counts are aggregates over what the user may see."""
    request, today = work.request, work.today
    groups: list[WorkGroup] = []
    desk = membership.role in DESK_ROLES
    open_rows = inquiry_selectors.open_inquiries(request)
    mine = open_rows.filter(assigned_to=request.user.pk)
    in_terms = open_rows if desk else mine
    counts = in_terms.aggregate(
        total=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today))
    )
    work.term_count += counts["total"]
    work.overdue_count += counts["overdue"]

    def log(inquiries: list[Any]) -> None:
        work.log.items(inquiry_selectors.ACTIVITY, inquiry_selectors.list_items(inquiries))

    def shown(inquiry: Any, item: TermItem) -> TermItem:
        log([inquiry])
        return item

    for inquiry in in_terms.order_by("due_date", "id")[:TERMS_SHOWN] if counts["total"] else []:
        item = TermItem(
            str(inquiry.get_kind_display()),
            inquiry.topic,
            inquiry.due_date,
            inquiry.due_date < today,
            False,
            reverse("inquiries:detail", args=[inquiry.pk]),
        )
        work.terms.append(
            _Term(
                item.overdue, item.due_date, (1, inquiry.pk), lambda i=inquiry, t=item: shown(i, t)
            )
        )
    if desk:
        first_open = list(open_rows.order_by("due_date", "id")[:SHOWN])
        log(first_open)
        groups.append(
            WorkGroup(
                _("Open vragen en klachten"),
                counts["total"],  # in_terms is open_rows for the desk
                reverse("inquiries:queue") + "?status=open",
                [
                    (i.topic, str(i.get_status_display()), reverse("inquiries:detail", args=[i.pk]))
                    for i in first_open
                ],
            )
        )
        groups.append(
            WorkGroup(
                _("Vragen en klachten met verstreken termijn"),
                counts["overdue"],
                reverse("inquiries:queue") + "?overdue=on",
            )
        )
    mine_count = counts["total"] if not desk else mine.count()
    if mine_count or not desk:
        first_mine = list(mine.order_by("due_date", "id")[:SHOWN]) if mine_count else []
        log(first_mine)
        groups.append(
            WorkGroup(
                _("Vragen en klachten aan u toegewezen"),
                mine_count,
                reverse("inquiries:queue") + "?status=assigned",
                [
                    (i.topic, str(i.get_status_display()), reverse("inquiries:detail", args=[i.pk]))
                    for i in first_mine
                ],
            )
        )
    return lambda: board.waiting.extend(groups)


def _school_attendance(work: _Work, board: Dashboard, membership: Membership) -> Any:
    """The school's meldplichtige pupils (its own task, Leerplichtwet art. 21a): counted, the
    most urgent terms offered to the terms table; a pupil is logged when shown."""
    today = work.today
    groups: list[WorkGroup] = []
    # All three counts in one statement (one round trip fewer per start page, issue 10).
    (open_count, total, overdue), first = attendance_selectors.school_reportables_summary(
        membership.organisation_id, today, TERMS_SHOWN
    )
    work.term_count += total
    work.overdue_count += overdue
    url = reverse("attendance:reportables")

    def item(reportable: Any) -> TermItem:
        work.log.items(
            attendance_selectors.ACTIVITY, attendance_selectors.reportable_items([reportable])
        )
        return TermItem(
            str(reportable.term.rule.name),
            str(reportable.pupil),
            reportable.term.due_date,
            reportable.term.due_date < today,
            reportable.term.is_suspended,
            url,
        )

    for r in first:
        due = r.term.due_date if r.term is not None else today
        work.terms.append(_Term(due < today, due, (2, r.pk), lambda r=r: item(r)))
    groups.append(WorkGroup(_("Meldplichtige leerlingen (ABS-01)"), open_count, url))
    return lambda: board.waiting.extend(groups)


def _officer_attendance(work: _Work, board: Dashboard, index: list[Any]) -> Any:
    """Leerplicht (ABS-05): the policy decides their attendance and thuiszitter cases (the
    absence category decides which signals are shown, so the counts are over decided rows);
    only the rows shown are logged."""
    attendance_ids = attendance_selectors.attendance_case_ids(index)
    home_stay_ids = attendance_selectors.home_stay_case_ids(index)
    work.case_ids.extend(attendance_ids + home_stay_ids)
    request, today = work.request, work.today
    scratch = AccessLogBatch(request)  # never written: the selectors' entries for all rows

    def build_terms() -> None:
        reportables = attendance_selectors.reportables_in_cases(
            request, rows=work.rows(attendance_ids), log=scratch, light=True
        )
        for reportable, row in reportables:
            term = reportable.term
            if term is None:
                continue
            work.term_count += 1
            late = term.due_date < today
            work.overdue_count += late

            def item(r: Any = reportable, row: Any = row) -> TermItem:
                work.log.items(
                    attendance_selectors.ACTIVITY, attendance_selectors.reportable_items([r])
                )
                return TermItem(
                    str(r.term.rule.name),
                    row.display_name,
                    r.term.due_date,
                    r.term.due_date < today,
                    r.term.is_suspended,
                    reverse("attendance:case", args=[row.case.pk]),
                )

            work.terms.append(_Term(late, term.due_date, (3, reportable.pk), item))

    def build() -> None:
        stays = attendance_selectors.home_stay_rows(
            request, rows=work.rows(home_stay_ids), log=scratch
        )
        flagged = [s for s in stays if s.flagged]
        shown = flagged[:SHOWN]
        work.log.rows([s.row for s in shown])
        url = reverse("attendance:home_stays")
        board.waiting.append(
            WorkGroup(
                _("Thuiszitters langer dan 3 maanden zonder passend aanbod (ABS-04)"),
                len(flagged),
                url,
                [
                    (
                        s.row.display_name,
                        _("thuis sinds %(d)s") % {"d": s.home_stay.start_date.strftime("%d-%m-%Y")},
                        url,
                    )
                    for s in shown
                ],
            )
        )
        board.waiting.append(WorkGroup(_("Thuiszitters"), len(stays), url))

    return build_terms, build


def _meetings(request: HttpRequest, board: Dashboard, membership: Membership) -> None:
    board.meetings = consultation_selectors.next_meetings(
        request.user, membership, timezone.now(), 5
    )


def dashboard(request: HttpRequest, today: dt.date | None = None) -> Dashboard:
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None:
        return Dashboard(role="")
    today = today or timezone.localdate()
    role = membership.role
    board = Dashboard(role=role)
    if role in (Role.PRIVACY_OFFICER, Role.FUNCTIONAL_ADMIN):
        return board
    officer = role == Role.ATTENDANCE_OFFICER
    tlv = not officer and role in CVA_ROLES | {
        Role.SWV_DIRECTOR,
        Role.SCHOOL_BOARD,
        Role.SUPPORT_COORDINATOR,
    }
    arrangements = not officer and (
        role in arrangement_selectors.SWV_ROLES or role == Role.SUPPORT_COORDINATOR
    )
    inquiries = not officer and membership.organisation.kind == OrganisationKind.SWV
    school_attendance = (
        role == Role.SUPPORT_COORDINATOR and membership.organisation.kind == OrganisationKind.SCHOOL
    )
    # Phase 1: what every section shows (the first rows, by urgency) and its counts, from the
    # user's scope in the database; nothing decided or logged yet.
    work = _Work(request, AccessLogBatch(request), today)
    builders: list[Any] = []
    officer_terms: Any = None
    if officer:
        index = involved_index(request)
        officer_terms, officer_build = _officer_attendance(work, board, index)
        builders.append(officer_build)
    if tlv:
        builders.append(_tlv(work, board, membership))
    if arrangements:
        builders.append(_arrangements(work, board, membership))
    if inquiries:
        builders.append(_inquiries(work, board, membership))
    if school_attendance:
        builders.append(_school_attendance(work, board, membership))
    if role == Role.SUPPORT_COORDINATOR:
        builders.append(_expiring(work, board))
    actions = consultation_selectors.first_actions(request, SHOWN)
    work.case_ids.extend(a.plan.case_id for a in actions)
    # Phase 2: one policy load for exactly the cases shown (the officer: all of theirs, as the
    # absence category decides what is shown).
    work.decide()
    # Phase 3: the sections from the decided rows; each row shown goes to the log batch once.
    if officer_terms is not None:
        officer_terms()
    for build in builders:
        build()
    board.actions = consultation_selectors.my_actions(
        request, rows=work.rows([a.plan.case_id for a in actions]), log=work.log, actions=actions
    )
    # The terms table: the TERMS_SHOWN most urgent, overdue first, then by due date.
    work.terms.sort(key=lambda t: (not t.overdue, t.due_date, t.order))
    for candidate in work.terms[:TERMS_SHOWN]:
        item = candidate.build()
        if item is not None:
            board.terms.append(item)
    board.term_count = work.term_count
    board.overdue_count = work.overdue_count
    if work.term_count > len(board.terms):
        # The full work list: the TLV terms (most urgent first), else the open inquiries.
        if tlv:
            board.terms_url = reverse("tlv:overview")
        elif inquiries:
            board.terms_url = reverse("inquiries:queue") + "?status=open"
    work.log.write()
    # The candidates' builders hold the work that holds them: a reference cycle that would keep
    # this request's rows alive until the garbage collector finds it (issue 10, session 38).
    work.terms.clear()
    _meetings(request, board, membership)
    board.terms.sort(key=lambda t: (not t.overdue, t.due_date, t.label))
    return board
