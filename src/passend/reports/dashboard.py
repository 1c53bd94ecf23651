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

Cost (issue 10): a constant number of queries whatever the number of cases. The sections first
name the cases they list (ids only), the policy decides all of them in one load
(``batch.decide_ids``), each section then builds from those rows, and the access log is written
once per processing activity (``batch.AccessLogBatch``), before the page is rendered: the same
entries as the sections would write one by one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.accounts.models import Membership, OrganisationKind, Role
from passend.arrangements import selectors as arrangement_selectors
from passend.arrangements.models import Arrangement
from passend.attendance import selectors as attendance_selectors
from passend.batch import AccessLogBatch, decide_ids, involved_index, rows_of
from passend.consultations import selectors as consultation_selectors
from passend.inquiries import selectors as inquiry_selectors
from passend.inquiries.services import DESK_ROLES
from passend.tlv import selectors as tlv_selectors
from passend.tlv.models import Tlv, TlvApplication

SHOWN = 10
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

    @property
    def overdue_count(self) -> int:
        return sum(1 for t in self.terms if t.overdue)


@dataclass
class _Work:
    """What one request's sections share: the cases each lists (ids, phase 1), the policy's
    rows for all of them (decided once), and the access-log batch."""

    request: HttpRequest
    log: AccessLogBatch
    tlv_ids: list[int] = field(default_factory=list)
    arrangement_ids: list[int] = field(default_factory=list)
    action_ids: list[int] = field(default_factory=list)
    attendance_ids: list[int] = field(default_factory=list)
    home_stay_ids: list[int] = field(default_factory=list)
    expiring: list[Tlv] = field(default_factory=list)
    decided: dict[int, Any] = field(default_factory=dict)

    def decide(self) -> None:
        self.decided = decide_ids(
            self.request,
            self.tlv_ids
            + self.arrangement_ids
            + self.action_ids
            + self.attendance_ids
            + self.home_stay_ids
            + [t.case_id for t in self.expiring],
        )

    def rows(self, ids: list[int]) -> list[Any]:
        return rows_of(self.decided, ids)


def _tlv(work: _Work, board: Dashboard, membership: Membership, today: dt.date) -> None:
    request = work.request
    data = tlv_selectors.overview(request, rows=work.rows(work.tlv_ids), log=work.log, light=True)
    rows = data["involved"] + data["queue"]
    for row in rows:
        url = reverse("tlv:detail", args=[row.application.case_id])
        for term in row.terms:
            board.terms.append(
                TermItem(
                    str(term.rule.name),
                    row.label,
                    term.due_date,
                    term.due_date < today and not term.is_suspended,
                    term.is_suspended,
                    url,
                )
            )
    role = membership.role
    status = TlvApplication.Status
    if role in CVA_ROLES:
        wanted = {status.SUBMITTED, status.SUSPENDED, status.IN_ASSESSMENT, status.BACK_TO_MDO}
        title = _("TLV-aanvragen te verdelen of te beoordelen")
    elif role == Role.SWV_DIRECTOR:
        wanted = {status.ADVISED}
        title = _("TLV-adviezen wachtend op uw besluit")
    elif role == Role.SCHOOL_BOARD:
        wanted = {status.DRAFT}
        title = _("TLV-aanvragen in te dienen")
    elif role == Role.SUPPORT_COORDINATOR:
        wanted = {status.DRAFT, status.SUSPENDED, status.BACK_TO_MDO}
        title = _("TLV-aanvragen voor te bereiden of aan te vullen")
    else:
        return
    waiting = [r for r in rows if r.application.status in wanted]
    board.waiting.append(
        WorkGroup(
            title,
            len(waiting),
            reverse("tlv:overview"),
            [
                (
                    r.label,
                    str(r.application.get_status_display()),
                    reverse("tlv:detail", args=[r.application.case_id]),
                )
                for r in waiting[:SHOWN]
            ],
        )
    )
    if role == Role.SUPPORT_COORDINATOR:
        board.expiring = tlv_selectors.expiring(
            request, today, tlvs=work.expiring, decided=work.decided, log=work.log
        )[:SHOWN]


def _arrangements(work: _Work, board: Dashboard, membership: Membership) -> None:
    data = arrangement_selectors.overview(
        work.request, rows=work.rows(work.arrangement_ids), log=work.log, light=True
    )
    status = Arrangement.Status
    if membership.role in arrangement_selectors.SWV_ROLES:
        rows = data["queue"] + [
            r
            for r in data["involved"]
            if r.arrangement.status in (status.SUBMITTED, status.ADVISED)
        ]
        title = _("Arrangementen wachtend op advies of besluit")
    else:
        rows = [r for r in data["involved"] if r.arrangement.status == status.SUBMITTED]
        title = _("Aangevraagde arrangementen in behandeling")
    if not rows and membership.role not in arrangement_selectors.SWV_ROLES:
        return
    board.waiting.append(
        WorkGroup(
            title,
            len(rows),
            reverse("arrangements:list"),
            [
                (
                    r.label,
                    str(r.arrangement.get_status_display()),
                    reverse("arrangements:detail", args=[r.arrangement.case_id]),
                )
                for r in rows[:SHOWN]
            ],
        )
    )


def _inquiries(work: _Work, board: Dashboard, membership: Membership, today: dt.date) -> None:
    request = work.request
    rows = inquiry_selectors.queue(request, status="", log=work.log)
    open_rows = [i for i in rows if i.is_open]
    mine = [i for i in open_rows if i.assigned_to_id == request.user.pk]
    shown = open_rows if membership.role in DESK_ROLES else mine
    for inquiry in shown:
        board.terms.append(
            TermItem(
                str(inquiry.get_kind_display()),
                inquiry.topic,
                inquiry.due_date,
                inquiry.due_date < today,
                False,
                reverse("inquiries:detail", args=[inquiry.pk]),
            )
        )
    if membership.role in DESK_ROLES:
        overdue = [i for i in open_rows if i.due_date < today]
        board.waiting.append(
            WorkGroup(
                _("Open vragen en klachten"),
                len(open_rows),
                reverse("inquiries:queue") + "?status=open",
                [
                    (i.topic, str(i.get_status_display()), reverse("inquiries:detail", args=[i.pk]))
                    for i in open_rows[:SHOWN]
                ],
            )
        )
        board.waiting.append(
            WorkGroup(
                _("Vragen en klachten met verstreken termijn"),
                len(overdue),
                reverse("inquiries:queue") + "?overdue=on",
            )
        )
    if mine or membership.role not in DESK_ROLES:
        board.waiting.append(
            WorkGroup(
                _("Vragen en klachten aan u toegewezen"),
                len(mine),
                reverse("inquiries:queue") + "?status=assigned",
                [
                    (i.topic, str(i.get_status_display()), reverse("inquiries:detail", args=[i.pk]))
                    for i in mine[:SHOWN]
                ],
            )
        )


def _school_attendance(
    work: _Work, board: Dashboard, membership: Membership, today: dt.date
) -> None:
    rows = attendance_selectors.reportables_for_school(
        work.request, membership.organisation, log=work.log, light=True
    )
    url = reverse("attendance:reportables")
    for reportable in rows:
        if reportable.term is not None:
            board.terms.append(
                TermItem(
                    str(reportable.term.rule.name),
                    str(reportable.pupil),
                    reportable.term.due_date,
                    reportable.term.due_date < today,
                    reportable.term.is_suspended,
                    url,
                )
            )
    board.waiting.append(WorkGroup(_("Meldplichtige leerlingen (ABS-01)"), len(rows), url))


def _officer_attendance(work: _Work, board: Dashboard, today: dt.date) -> None:
    reportables = attendance_selectors.reportables_in_cases(
        work.request, rows=work.rows(work.attendance_ids), log=work.log, light=True
    )
    for reportable, row in reportables:
        if reportable.term is not None:
            board.terms.append(
                TermItem(
                    str(reportable.term.rule.name),
                    row.display_name,
                    reportable.term.due_date,
                    reportable.term.due_date < today,
                    reportable.term.is_suspended,
                    reverse("attendance:case", args=[row.case.pk]),
                )
            )
    stays = attendance_selectors.home_stay_rows(
        work.request, rows=work.rows(work.home_stay_ids), log=work.log
    )
    flagged = [s for s in stays if s.flagged]
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
                for s in flagged[:SHOWN]
            ],
        )
    )
    board.waiting.append(WorkGroup(_("Thuiszitters"), len(stays), url))


def _meetings(request: HttpRequest, board: Dashboard, membership: Membership) -> None:
    now = timezone.now()
    board.meetings = list(
        consultation_selectors.meetings_for(request.user, membership)
        .filter(starts_at__gte=now, status="planned")
        .order_by("starts_at", "id")[:5]
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
    # Phase 1: the cases every section lists, picked from one scan of the user's involvement;
    # phase 2: one policy load for all of them.
    work = _Work(request, AccessLogBatch(request))
    index = involved_index(request, consultation_selectors.open_action_of(request.user))
    if officer:
        # ABS-05: leerplicht sees the attendance module only.
        work.attendance_ids = attendance_selectors.attendance_case_ids(index)
        work.home_stay_ids = attendance_selectors.home_stay_case_ids(index)
    if tlv:
        work.tlv_ids = tlv_selectors.overview_case_ids(index)
        work.expiring = tlv_selectors.expiring_tlvs(request, today)
    if arrangements:
        work.arrangement_ids = arrangement_selectors.overview_case_ids(index)
    work.action_ids = consultation_selectors.action_case_ids(request.user, index)
    work.decide()
    # Phase 3: the sections, from the decided rows; their log entries go to the batch.
    if officer:
        _officer_attendance(work, board, today)
    if tlv:
        _tlv(work, board, membership, today)
    if arrangements:
        _arrangements(work, board, membership)
    if inquiries:
        _inquiries(work, board, membership, today)
    if school_attendance:
        _school_attendance(work, board, membership, today)
    board.actions = consultation_selectors.my_actions(
        request, rows=work.rows(work.action_ids), log=work.log, limit=SHOWN
    )
    work.log.write()
    _meetings(request, board, membership)
    # "my work" first: overdue terms on top, then by due date.
    board.terms.sort(key=lambda t: (not t.overdue, t.due_date, t.label))
    return board
