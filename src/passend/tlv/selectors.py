"""Reads of the TLV module. Every read of pupil data goes through the access policy and is logged.

* Case-bound reads start from ``access.selectors.get_case`` (the view calls it first).
* Queues start from the acting organisation: the CvA sees the pseudonyms of applications
  routed to it (it holds the CON-04 ground from submission), the SWV those awaiting its
  decision; names only where the policy allows.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, NamedTuple, NoReturn, cast

from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.functions import Cast, Coalesce, ExtractYear, Least
from django.http import Http404, HttpRequest
from django.utils import timezone

from passend.access import selectors as access
from passend.access.batch import AccessLogBatch, batch_or_now
from passend.access.selectors import CaseRow
from passend.accounts.models import Membership, Organisation, Role
from passend.cases.models import Case, CaseKind
from passend.consent.models import LegalBasis
from passend.prepared import IDS, PreparedQuery
from passend.privacy.categories import DataCategory
from passend.privacy.context import AccessContext
from passend.privacy.models import Outcome
from passend.privacy.services import LogItem, record_access, record_access_many
from passend.statements import id_rows, id_texts, planned
from passend.terms.calendar import add_months
from passend.terms.models import Term, TermRule, Unit
from passend.tlv import criteria, report_figures
from passend.tlv.models import (
    REPORT_TERMS,
    Advice,
    ApplicationFigures,
    Assessment,
    Decision,
    FundingCategory,
    Objection,
    Tlv,
    TlvApplication,
    TlvSettings,
)

ACTIVITY = "tlv_procedure"
CVA_ROLES = frozenset(
    {Role.CVA_SECRETARY, Role.CVA_CHAIR, Role.CVA_MEDICAL_SPECIALIST, Role.CVA_SOCIAL_WORKER}
)


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


class OpenTerm(NamedTuple):
    """An open term of an application as the work list and the start page show it: its id,
    the application's, its rule's name, due date and whether it is suspended. Read as plain
    values: as ``Term`` instances with their rule joined, the terms of one page of the work
    list (100 on the CvA secretary's first page) took an eighth of its CPU (issue 10,
    session 41)."""

    pk: int
    application_id: int
    name: str
    due_date: dt.date
    is_suspended: bool

    def is_overdue(self, today: dt.date) -> bool:
        """Past its date and not suspended (TLV-04: a suspended term stands still)."""
        return self.due_date < today and not self.is_suspended


# ``OpenTerm``'s columns, as a statement of open terms reads them.
_OPEN_TERM_COLUMNS = ("id", "object_id", "rule__name", "due_date", "suspended_since")


def _open_term(pk: int, object_id: str, name: str, due_date: dt.date, suspended: Any) -> OpenTerm:
    return OpenTerm(pk, int(object_id), name, due_date, suspended is not None)


@dataclass
class QueueRow:
    application: TlvApplication
    label: str  # the pupil's name where the policy allows, else the case pseudonym
    terms: list[OpenTerm] = field(default_factory=list)
    can_open: bool = False


def _application_queryset() -> QuerySet[TlvApplication]:
    return TlvApplication.objects.select_related(
        "case", "case__pupil", "committee", "swv", "requesting_school", "intended_school"
    )


# --- the term overview: the files that need work, most urgent term first (TLV-04) -----------

OVERVIEW_PAGE_SIZE = 50
# Open-term keys examined at first; the rest, when the acting organisation's scope holds fewer.
_KEY_BATCH = 4 * OVERVIEW_PAGE_SIZE
_APP_OBJECT = "tlv.tlvapplication"
# A keyset position: (earliest open term's due date, application id); no date for the
# applications without an open term, which follow the others, newest first.
_OverviewKey = tuple[dt.date | None, int]


@dataclass
class OverviewPage:
    rows: list[QueueRow]
    next_token: str = ""  # cursor of the next page ("?na="), empty on the last page
    is_first_page: bool = True


def _encode_overview_cursor(key: _OverviewKey) -> str:
    """An opaque keyset position; holds a due date and an application id, no personal data."""
    due, pk = key
    raw = f"{due.isoformat() if due else '-'}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_overview_cursor(token: str) -> _OverviewKey | None:
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        stamp, pk = raw.rsplit("|", 1)
        due = None if stamp == "-" else dt.date.fromisoformat(stamp)
        number = int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return (due, number) if 0 < number < 2**63 else None


def _queue_filter(membership: Membership) -> Q | None:
    """The organisation's queue (``overview``): the CvA's incoming applications, the SWV's
    advised ones awaiting its decision."""
    return _queue_of(membership.role, membership.organisation_id)


def _queue_of(role: str, organisation_id: int) -> Q | None:
    if role in CVA_ROLES:
        return Q(
            committee_id=organisation_id,
            status__in=[TlvApplication.Status.SUBMITTED, TlvApplication.Status.SUSPENDED],
        )
    if role == Role.SWV_DIRECTOR:
        return Q(swv_id=organisation_id, status=TlvApplication.Status.ADVISED)
    return None


def _open_application_terms() -> QuerySet[Term]:
    return Term.objects.filter(object_type=_APP_OBJECT, completed_on__isnull=True)


def _open_term_keys(after: _OverviewKey | None, limit: int | None) -> list[tuple[int, dt.date]]:
    """(application id, earliest open term's due date) of every application with an open term,
    most urgent first, after the cursor: one aggregate over the open terms (their index), not a
    look-up per application of the organisation's history."""
    if after is not None and after[0] is not None:
        due, pk = after
        return _OPEN_TERM_KEYS_AFTER.fetch(limit, due=due, pk=pk)
    return _OPEN_TERM_KEYS.fetch(limit)


def _open_term_keys_query(limit: int | None, **after: Any) -> QuerySet[Any]:
    keys = (
        _open_application_terms()
        .annotate(app_id=Cast("object_id", BigIntegerField()))
        .values("app_id")
        .annotate(first_due=Min("due_date"))
    )
    if after:
        due, pk = after["due"], after["pk"]
        keys = keys.filter(Q(first_due__gt=due) | Q(first_due=due, app_id__gt=pk))
    ordered = keys.order_by("first_due", "app_id").values_list("app_id", "first_due")
    return ordered[:limit] if limit is not None else ordered


# The work list's keys (``_open_term_keys``), compiled once per limit (``prepared``).
_OPEN_TERM_KEYS = PreparedQuery(_open_term_keys_query)
_OPEN_TERM_KEYS_AFTER = PreparedQuery(_open_term_keys_query, due=dt.date, pk=int)


def _open_terms_of(ids: list[int]) -> dict[int, list[OpenTerm]]:
    """The open terms of the listed applications, with the columns the list shows."""
    result: dict[int, list[OpenTerm]] = defaultdict(list)
    if not ids:
        return result
    for row in _OPEN_TERMS_OF.fetch(ids=ids):
        term = _open_term(*row)
        result[term.application_id].append(term)
    return result


def _open_terms_of_query(*, ids: Any) -> QuerySet[Any]:
    return (
        _open_application_terms()
        .filter(object_id__in=id_texts(ids))  # as text: the index on (type, object id)
        .order_by("due_date", "id")
        .values_list(*_OPEN_TERM_COLUMNS)
    )


# The work list's terms (``_open_terms_of``), compiled once per process (``prepared``).
_OPEN_TERMS_OF = PreparedQuery(_open_terms_of_query, ids=IDS)

# The cases of the work list's queue rows: the pseudonym, and the pupil for the log's subject.
_QUEUED_CASES = PreparedQuery(
    lambda *, ids: (
        Case.objects.filter(pk__in=id_rows(ids)).order_by().only("id", "pseudonym", "pupil_id")
    ),
    ids=IDS,
)


# An application of the work list as plain values: id, case id, status, involved, queued.
_WorkRow = tuple[int, int, str, bool, bool]
# The columns of the files without an open term (``overview_page``); whether involved is
# checked once they are found.
_REST_ROW = ("id", "case_id", "status", "in_queue")


def _light_application(row: _WorkRow) -> TlvApplication:
    """The application of a work-list row with its id, case and status loaded (the others
    deferred, as ``.only()`` gives) and ``is_involved`` / ``in_queue`` set."""
    pk, case_id, status, is_involved, in_queue = row
    application = TlvApplication.from_columns(
        connection.alias, ("id", "case_id", "status"), (pk, case_id, status)
    )
    application.is_involved = is_involved  # type: ignore[attr-defined]
    application.in_queue = in_queue  # type: ignore[attr-defined]
    return application


def overview_page(request: HttpRequest, cursor_token: str = "") -> OverviewPage:
    """The TLV work list of the acting user: the applications of the cases they are involved
    in plus their organisation's queue, in one list, most urgent first (the earliest due date
    of an open term, then id; the applications without an open term follow, newest first),
    ``OVERVIEW_PAGE_SIZE`` per page with a keyset cursor (no count).

    Each involved case is decided by the policy (``access.decide_rows``); a queue row shows
    the pseudonym only (CON-04 ground of the organisation). Exactly the rows shown are logged.
    """
    cursor = _decode_overview_cursor(cursor_token)
    page = OverviewPage(rows=[], is_first_page=cursor is None)
    membership = _membership(request)
    if membership is None:
        return page
    wanted = OVERVIEW_PAGE_SIZE + 1
    picked: list[tuple[_OverviewKey, _WorkRow]] = []
    if cursor is None or cursor[0] is not None:
        # 1. Applications with an open term: keys from the open terms, then the scope.
        limit: int | None = _KEY_BATCH
        after = cursor
        while True:
            keys = _open_term_keys(after, limit)
            ids = [pk for pk, _due in keys]
            if not ids:
                found = {}
            elif limit is not None:
                # A batch: the involvement of just its cases (``_work_rows_of``).
                found = _work_rows_of(request.user, membership, ids)
            else:
                # Every other open application of the region (thousands): the applications
                # of the user's participations and of the organisation's queue, then the
                # policy's pre-filter for those among these ids (``_participation_work_rows``).
                found = _participation_work_rows(request.user, membership, ids)
            picked.extend(((due, pk), found[pk]) for pk, due in keys if pk in found)
            if len(picked) >= wanted or limit is None or len(keys) < limit:
                break
            after, limit = (keys[-1][1], keys[-1][0]), None
    if len(picked) < wanted:
        # 2. The others (drafts, decided, withdrawn): newest first, from the applications in
        # scope. No join, no ordering but the step's. Read as plain values (id, case, status,
        # involved, queued): an application has 45 columns to lay out per instance.
        open_term = _open_application_terms().filter(object_id=Cast(OuterRef("pk"), CharField()))
        rest = _dashboard_scope(request).order_by().filter(~Exists(open_term))
        if cursor is not None and cursor[0] is None:
            rest = rest.filter(pk__lt=cursor[1])
        # Whether involved, checked for the rows found (the policy's pre-filter, as the scope's
        # own): selected as well, PostgreSQL worked out the user's whole involvement a second
        # time for the select list (an SWV director's 3,344 TLV cases: 20 -> 9 ms, issue 10).
        found_rest = list(rest.order_by("-pk").values_list(*_REST_ROW)[: wanted - len(picked)])
        picked.extend(
            ((None, row[0]), row)
            for row in _checked_work_rows(request.user, membership, found_rest)
        )
    shown = [(key, _light_application(row)) for key, row in picked[:OVERVIEW_PAGE_SIZE]]
    if len(picked) > OVERVIEW_PAGE_SIZE:
        page.next_token = _encode_overview_cursor(shown[-1][0])
    # The policy decides the involved cases (the light row data of ``access``).
    case_ids = [a.case_id for _key, a in shown if getattr(a, "is_involved", False)]
    cases = access.cases_for_rows(case_ids, request.user, membership)
    decided = {row.case.pk: row for row in access.decide_rows(request, cases)}
    # Queue rows show the pseudonym; the log names the pupil's pseudonym as subject.
    queued_ids = [a.case_id for _key, a in shown if a.case_id not in decided]
    queued_cases = (
        {case.pk: case for case in _QUEUED_CASES.fetch(ids=queued_ids)} if queued_ids else {}
    )
    terms = _open_terms_of([a.pk for _key, a in shown])
    case_rows: list[CaseRow] = []
    queue_items: list[LogItem] = []
    for _key, a in shown:
        row = decided.get(a.case_id)
        if row is not None:
            case_rows.append(row)
            page.rows.append(QueueRow(a, row.display_name, terms.get(a.pk, []), True))
        elif getattr(a, "in_queue", False):
            # Involved but not allowed (or not involved): the queue row, pseudonym only.
            case = queued_cases[a.case_id]
            queue_items.append(
                LogItem(
                    subject_pseudonym=access.case_subject(case),
                    object_type=_APP_OBJECT,
                    object_id=str(a.pk),
                    legal_ground=LegalBasis.EXTRA_SUPPORT,
                )
            )
            page.rows.append(QueueRow(a, case.pseudonym, terms.get(a.pk, []), False))
    access.log_rows(request, case_rows)
    record_access_many(
        AccessContext.from_request(request), queue_items, action="list", activity=ACTIVITY
    )
    return page


def application_for(row: CaseRow) -> TlvApplication:
    application = (
        _application_queryset()
        .select_related("board", "previous_tlv")
        .filter(case=row.case)
        .first()
    )
    if application is None:
        raise Http404
    return application


def deny_queued(request: HttpRequest, case_id: object, reason: str) -> NoReturn:
    """A refused queue step is logged like every denied read (NEN 7513), then answered 404."""
    record_access(
        AccessContext.from_request(request),
        action="view",
        activity=ACTIVITY,
        outcome=Outcome.DENIED,
        object_type="cases.case",
        object_id=str(case_id)[:64],
        reason=reason,
    )
    raise Http404


def queued_application(request: HttpRequest, case_id: int) -> TlvApplication:
    """An application routed to the acting CvA (before triage) or awaiting the acting SWV's
    decision, found through the CON-04 ground the organisation holds. Logged; else 404."""
    membership = _membership(request)
    context = AccessContext.from_request(request)
    application = None
    if membership is not None and membership.role in CVA_ROLES | {Role.SWV_DIRECTOR}:
        field_name = "committee_id" if membership.role in CVA_ROLES else "swv_id"
        application = (
            _application_queryset()
            .filter(
                case_id=case_id,
                **{field_name: membership.organisation_id},
                case__legal_grounds__organisation_id=membership.organisation_id,
                case__legal_grounds__ended_at__isnull=True,
            )
            .first()
        )
    if application is None:
        deny_queued(request, case_id, "not routed to this organisation")
    record_access(
        context,
        action="view",
        activity=ACTIVITY,
        subject_pseudonym=access.case_subject(application.case),
        obj=application,
        data_categories=[DataCategory.ORDINARY],
        legal_ground=LegalBasis.EXTRA_SUPPORT,
    )
    return application


@dataclass
class ApplicationDetail:
    application: TlvApplication
    terms: list[Term]
    letters: list[Any]
    assessment: Any
    advice: Advice | None
    decision: Any
    tlv: Tlv | None
    placements: list[Any]
    objections: list[Objection]
    placement_terms: dict[int, list[Term]]
    objection_terms: dict[int, list[Term]]


def _terms_for_many(object_type: str, ids: list[int]) -> dict[int, list[Term]]:
    result: dict[int, list[Term]] = defaultdict(list)
    for term in Term.objects.filter(
        object_type=object_type, object_id__in=[str(i) for i in ids]
    ).select_related("rule"):
        result[int(term.object_id)].append(term)
    return result


def application_detail(application: TlvApplication) -> ApplicationDetail:
    """Everything of one application in a constant number of queries."""
    terms = list(
        Term.objects.filter(
            object_type="tlv.tlvapplication", object_id=str(application.pk)
        ).select_related("rule")
    )
    advice = Advice.objects.filter(application=application).first()
    decision_obj = (
        Decision.objects.select_related("safety_net").filter(application=application).first()
    )
    tlv = Tlv.objects.filter(decision=decision_obj).first() if decision_obj else None
    placements = list(application.case.tlv_placements.select_related("school"))
    objections = list(decision_obj.objections.all()) if decision_obj else []
    return ApplicationDetail(
        application=application,
        terms=terms,
        letters=list(application.letters.all()),
        assessment=Assessment.objects.filter(application=application).first(),
        advice=advice,
        decision=decision_obj,
        tlv=tlv,
        placements=placements,
        objections=objections,
        placement_terms=_terms_for_many("tlv.placement", [p.pk for p in placements]),
        objection_terms=_terms_for_many("tlv.objection", [o.pk for o in objections]),
    )


# --- expiring TLVs and DUO export (TLV-11) --------------------------------------------------


def expiring_tlvs(
    request: HttpRequest,
    today: dt.date | None = None,
    *,
    involved_only: bool = False,
    limit: int = 200,
) -> list[Tlv]:
    """TLVs of the acting school that end within the warning period (default 4 months); not
    yet decided by the policy (``expiring`` does that).

    ``involved_only``: only the TLVs of cases the user takes part in (``access.involved_cases``,
    the policy's SQL pre-filter), so that the first ``limit`` are the ones the dashboard shows."""
    membership = _membership(request)
    if membership is None or membership.role != Role.SUPPORT_COORDINATOR:
        return []
    today = today or timezone.localdate()
    horizon = add_months(today, TlvSettings.current().expiry_warning_months)
    if involved_only:
        key = access.involvement_key(request.user, membership)
        if key is None:
            return []
        return _EXPIRING_INVOLVED.fetch(
            key.role,
            limit,
            organisation=key.organisation,
            user=key.user,
            today=today,
            horizon=horizon,
        )
    return list(_expiring_of_school(membership.organisation_id, today, horizon)[:limit])


def _expiring_of_school(school: int, today: dt.date, horizon: dt.date) -> QuerySet[Tlv]:
    return (
        Tlv.objects.filter(current_school_id=school, end_date__gte=today, end_date__lte=horizon)
        .exclude(extensions__status__in=_LIVE_STATUSES)
        .order_by("end_date", "id")
    )


def _expiring_involved_query(
    role: str, limit: int, *, organisation: int, user: int, today: dt.date, horizon: dt.date
) -> QuerySet[Tlv]:
    """The start page's expiring TLVs (``expiring_tlvs(involved_only=True)``), compiled once
    per role and limit (``prepared``)."""
    involved = access.involved_cases_of(user, organisation, role)
    return _expiring_of_school(organisation, today, horizon).filter(
        case_id__in=involved.values("pk")
    )[:limit]


_EXPIRING_INVOLVED = PreparedQuery(
    _expiring_involved_query, organisation=int, user=int, today=dt.date, horizon=dt.date
)


def expiring(
    request: HttpRequest,
    today: dt.date | None = None,
    *,
    tlvs: list[Tlv] | None = None,
    decided: dict[int, CaseRow] | None = None,
    log: AccessLogBatch | None = None,
) -> list[tuple[Tlv, CaseRow]]:
    """TLVs of the acting school that end within the warning period (default 4 months), with
    their case as the policy allows it; each case shown is logged.

    ``tlvs`` / ``decided`` / ``log``: ``expiring_tlvs`` and the decided rows of their cases
    when the caller has them (the dashboard), and the caller's log batch."""
    if tlvs is None:
        tlvs = expiring_tlvs(request, today)
    if not tlvs:
        return []
    if decided is None:
        cases = access.with_policy_data(Case.objects.filter(pk__in=[t.case_id for t in tlvs]))
        decided = {row.case.pk: row for row in access.decide_rows(request, list(cases))}
    result = [(t, decided[t.case_id]) for t in tlvs if t.case_id in decided]
    batch, write = batch_or_now(request, log)
    batch.rows([row for _t, row in result])
    if write:
        batch.write()
    return result


# --- the dashboard: the applications and terms it shows, counted in the database ---------


def _dashboard_scope(request: HttpRequest) -> QuerySet[TlvApplication]:
    """The applications of the acting user's work: the cases they take part in (the policy's
    SQL pre-filter ``access.involved_cases``) and their organisation's queue (CON-04 ground,
    pseudonym only), annotated ``is_involved`` / ``in_queue``."""
    membership = _membership(request)
    if membership is None:
        return TlvApplication.objects.none()
    involved = access.involved_cases(request.user, membership).filter(kind=CaseKind.TLV)
    # A correlated EXISTS (one probe of the participant's unique index per application): the
    # callers narrow the applications first (open terms, statuses), whereas the user's whole
    # involvement can be thousands of cases (a CvA secretary on the large region: 8,000).
    is_involved = Exists(involved.filter(pk=OuterRef("case_id")))
    queue = _queue_filter(membership)
    return TlvApplication.objects.annotate(
        is_involved=is_involved, in_queue=_in_queue(queue)
    ).filter(Q(is_involved) | queue if queue is not None else Q(is_involved))


def _in_queue(queue: Q | None) -> Any:
    """``_queue_filter`` as a boolean annotation (false without a queue)."""
    return ExpressionWrapper(queue, BooleanField()) if queue is not None else Value(False)


def _dashboard_open_terms() -> str:
    quote = connection.ops.quote_name
    column = {f.name: quote(str(f.column)) for f in Term._meta.concrete_fields}
    return (
        f"SELECT 1, t.{column['id']}, s.case_id, s.queued, "  # noqa: S608 - identifiers only
        f"CASE WHEN t.{column['due_date']} < %s AND t.{column['suspended_since']} IS NULL "
        f"THEN 1 ELSE 0 END, t.{column['due_date']} "
        f"FROM {quote(Term._meta.db_table)} t "
        # The object id compared as the text it is stored as (``str(pk)``), so that each
        # application in scope is looked up in the index of open terms by object
        # (``term_open_object``) instead of every open application term of the region being
        # cast and hashed (issue 10, session 42).
        f"JOIN scope s ON t.{column['object_id']} = CAST(s.id AS text) "
        f"WHERE t.{column['completed_on']} IS NULL AND t.{column['object_type']} = %s"
    )


# The open terms of the applications in ``scope`` (``dashboard_work``); parameters: today, the
# applications' object type.
_DASHBOARD_OPEN_TERMS = _dashboard_open_terms()


def _participations_applications() -> str:
    """The applications of the cases of a participation query (``%s``: its SQL), as
    (id, case_id, status), joined to the participations (one per case: a person's active
    participation is unique per case and organisation)."""
    quote = connection.ops.quote_name
    meta = TlvApplication._meta
    column = {f.name: quote(str(f.column)) for f in meta.concrete_fields}
    return (
        f"SELECT a.{column['id']}, a.{column['case']}, a.{column['status']} "  # noqa: S608
        f"FROM (%s) p JOIN {quote(meta.db_table)} a ON a.{column['case']} = p.case_id"
    )


_PARTICIPATIONS_APPLICATIONS = _participations_applications()

# The applications of an organisation's queue (``_queue_of``) as (id, case_id, status): the
# candidates of the start page's TLV work and of the work list's later pages, compiled once per
# process and role (``prepared``).
_QUEUE_CANDIDATES = PreparedQuery(
    lambda role, *, organisation: (
        TlvApplication.objects.filter(_queue_of(role, organisation))
        .order_by()
        .values_list("id", "case_id", "status")
    ),
    organisation=int,
)


def _participation_applications_sql(
    user: Any, membership: Membership, *, tlv_open_only: bool = False
) -> tuple[str, tuple[Any, ...]] | None:
    """SQL and parameters of (id, case_id, status) of the applications of the user's
    participations for this membership (``access.participation_case_ids``): candidates only,
    whose cases the caller checks with ``_involved_among`` before it shows or counts anything
    of them. None: no participations to read (the privacy officer).

    ``tlv_open_only``: only those of participations whose case's application has not ended
    (``Participant.case_tlv_ended_at``), a superset of the undecided applications."""
    participations = access.participation_case_ids_sql(
        user, membership, tlv_open_only=tlv_open_only
    )
    if participations is None:
        return None
    sql, params = participations
    return _PARTICIPATIONS_APPLICATIONS % sql, params


@dataclass(frozen=True)
class DashboardWork:
    """The start page's TLV work of the acting user (``dashboard_work``): the ``terms`` most
    urgent open terms (overdue first, then due date) with the numbers of open and overdue
    terms, and the ids of the first waiting applications (oldest first) with their number.

    ``involved``: the cases among these applications' that the user is involved in (the
    policy's pre-filter), as ``dashboard_work`` checked them for ``dashboard_applications``."""

    terms: list[OpenTerm]
    term_count: int
    overdue_count: int
    waiting_ids: list[int]
    waiting_count: int
    involved: frozenset[int] = frozenset()


def dashboard_work(
    request: HttpRequest,
    today: dt.date,
    *,
    terms_shown: int,
    waiting_statuses: set[str],
    waiting_shown: int,
) -> DashboardWork:
    """The open terms of the acting user's applications (those of ``_dashboard_scope``:
    involved, or in the organisation's queue) and those of them waiting in
    ``waiting_statuses``, counted over that scope from their keys (nothing of a case outside it is counted). Not logged: the
    caller decides and logs the applications it shows (``dashboard_applications``).

    One statement, its candidates a CTE that both parts read: the open terms joined to it and
    the waiting applications filtered from it. Raw SQL because the ORM has no CTE; the
    candidates are the ORM's queries with their parameters: the applications of the user's
    participations (``access.participation_case_ids``, read without a case's row) and those
    of the organisation's queue (``_queue_filter``). Then the policy's pre-filter
    (``_involved_among``) checks the cases of just the rows found that are not queued: about
    120 of the busiest coordinator's 1,360 TLV cases (issue 10; docs/performance.md, sessions
    11 and 23).

    Checking every case of the scope in the statement read each case's row: 4.3 ms for that
    coordinator, now 2.4 ms and 0.5 ms for the check. With a queue, the check was a correlated
    EXISTS beside an OR, which PostgreSQL's generic plan, once the statement was prepared,
    ran against the participations' wrong index: an SWV director's start page 124 ms
    (session 23)."""
    if waiting_statuses & TlvApplication.ENDED_STATUSES:
        # The participations read are those of undecided applications only (below).
        raise ValueError("dashboard_work shows no decided applications as waiting")
    membership = _membership(request)
    if membership is None:
        return DashboardWork([], 0, 0, [], 0)
    candidates: list[str] = []
    params: list[Any] = []
    # Of the participations, only those of undecided applications: a decided one has no open
    # term and no waiting status (TLV-04), and a busy person's history is mostly decided (the
    # busiest coordinator of the large region: 121 undecided of 1,361; issue 10, session 35).
    participations = _participation_applications_sql(request.user, membership, tlv_open_only=True)
    if participations is not None:
        candidates.append(f"SELECT w.id, w.case_id, w.status, 0 FROM ({participations[0]}) w")  # noqa: S608
        params.extend(participations[1])
    queue = _queue_filter(membership)
    if queue is not None:
        sql, own = _QUEUE_CANDIDATES.sql(membership.role, organisation=membership.organisation_id)
        candidates.append(f"SELECT q.id, q.case_id, q.status, 1 FROM ({sql}) q")  # noqa: S608
        params.extend(own)
    if not candidates:
        return DashboardWork([], 0, 0, [], 0)
    # Kind 0: a waiting application; kind 1: an open term (its late flag and due date). An
    # application both involved and queued comes twice (counted once below). Identifiers are
    # the models' own; values are parameters.
    parts = []
    statuses = sorted(waiting_statuses)
    if statuses:
        marks = ", ".join(["%s"] * len(statuses))
        parts.append(
            "SELECT 0, s.id, s.case_id, s.queued, 0, NULL FROM scope s "  # noqa: S608
            f"WHERE s.status IN ({marks})"
        )
        params.extend(statuses)
    parts.append(_DASHBOARD_OPEN_TERMS)
    params.extend([today, _APP_OBJECT])
    scope = " UNION ALL ".join(candidates)
    sql = (
        f"WITH scope (id, case_id, status, queued) AS MATERIALIZED ({scope}) "
        + " UNION ALL ".join(parts)
    )
    # A queue's statuses are parameters: prepared, PostgreSQL's generic plan read every
    # application for the CvA's queue (18 ms) instead of its index (1 ms), so a queue's
    # statement is planned for its values each time (about 2 ms).
    planning = planned(plan_cache_mode="force_custom_plan") if queue is not None else nullcontext()
    with planning, connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # The policy's pre-filter over the cases of the participations' rows found (restriction,
    # processing restriction, the case's kind): what it leaves out is neither shown nor
    # counted, unless the organisation's queue holds it (CON-04, shown by pseudonym).
    involved = frozenset(
        _involved_among(
            request.user, membership, {case for _k, _pk, case, queued, *_ in rows if not queued}
        )
    )
    kept = [row for row in rows if row[3] or row[2] in involved]
    waiting = sorted({pk for kind, pk, *_ in kept if kind == 0})
    open_terms = {pk: (late, due) for kind, pk, _case, _q, late, due in kept if kind == 1}
    # Sorted in Python: SQLite returns the dates as ISO text, which sorts the same way.
    keys = sorted((not late, due, pk) for pk, (late, due) in open_terms.items())
    ids = [pk for _early, _due, pk in keys[:terms_shown]]
    first = {row[0]: _open_term(*row) for row in _DASHBOARD_TERMS.fetch(ids=ids)} if ids else {}
    return DashboardWork(
        terms=[first[pk] for pk in ids if pk in first],
        term_count=len(keys),
        overdue_count=sum(1 for early, _due, _pk in keys if not early),
        waiting_ids=waiting[:waiting_shown],
        waiting_count=len(waiting),
        involved=involved,
    )


def dashboard_applications(
    request: HttpRequest, ids: list[int], involved: frozenset[int] | None = None
) -> dict[int, TlvApplication]:
    """These applications of the acting user's work, light (status and case), annotated
    ``is_involved`` / ``in_queue``: the caller decides the involved cases by the policy and
    shows the others, when queued, by pseudonym (``queue_item`` logs them).

    ``involved``: the involved cases as ``dashboard_work`` found them for these ids (its
    ``involved``), so that they are not checked twice; a case outside it counts as not
    involved."""
    membership = _membership(request)
    if not ids or membership is None:
        return {}
    found = _by_queue(membership, _DASHBOARD_APPLICATIONS, _DASHBOARD_QUEUE_APPLICATIONS, ids)
    return _of_the_users_work(request.user, membership, {app.pk: app for app in found}, involved)


def _dashboard_terms_query(*, ids: Any) -> QuerySet[Any]:
    return _open_application_terms().filter(pk__in=id_rows(ids)).values_list(*_OPEN_TERM_COLUMNS)


def _dashboard_applications_query(queue: Q | None, *, ids: Any) -> QuerySet[TlvApplication]:
    return (
        TlvApplication.objects.filter(pk__in=id_rows(ids))
        .select_related("case")
        .only("id", "case_id", "status", "case__id", "case__pseudonym", "case__pupil_id")
        .annotate(in_queue=_in_queue(queue))
    )


def _dashboard_queue_applications_query(
    role: str, *, organisation: int, ids: Any
) -> QuerySet[TlvApplication]:
    return _dashboard_applications_query(_queue_of(role, organisation), ids=ids)


def _by_queue(
    membership: Membership, without: PreparedQuery, with_queue: PreparedQuery, ids: list[int]
) -> list[Any]:
    """The applications ``ids`` by the prepared query for the membership: ``with_queue`` (per
    role, the organisation's queue as ``in_queue``) where its role has a queue, else
    ``without`` (which takes no organisation: a prepared query refuses a value it does not
    use)."""
    if _queue_filter(membership) is None:
        return without.fetch(ids=ids)
    return with_queue.fetch(membership.role, organisation=membership.organisation_id, ids=ids)


def _work_rows_query(queue: Q | None, *, ids: Any) -> QuerySet[Any]:
    return (
        TlvApplication.objects.filter(pk__in=id_rows(ids))
        .annotate(in_queue=_in_queue(queue))
        .values_list("id", "case_id", "status", "in_queue")
    )


# ``_work_rows_of``'s applications, compiled once per process, the queue's per role.
_WORK_ROWS = PreparedQuery(lambda *, ids: _work_rows_query(None, ids=ids), ids=IDS)
_QUEUE_WORK_ROWS = PreparedQuery(
    lambda role, *, organisation, ids: _work_rows_query(_queue_of(role, organisation), ids=ids),
    organisation=int,
    ids=IDS,
)


# The start page's open terms and applications (``dashboard_work``, ``dashboard_applications``):
# compiled once per process (``prepared``), the queue's per role.
_DASHBOARD_TERMS = PreparedQuery(_dashboard_terms_query, ids=IDS)
_DASHBOARD_APPLICATIONS = PreparedQuery(
    lambda *, ids: _dashboard_applications_query(None, ids=ids), ids=IDS
)
_DASHBOARD_QUEUE_APPLICATIONS = PreparedQuery(
    _dashboard_queue_applications_query, organisation=int, ids=IDS
)


def _of_the_users_work(
    user: Any,
    membership: Membership,
    found: dict[int, TlvApplication],
    involved: frozenset[int] | None = None,
) -> dict[int, TlvApplication]:
    """Of the applications ``found`` (by id, annotated ``in_queue``), those of the user's work
    (``_dashboard_scope``: involved, or in the organisation's queue), annotated
    ``is_involved``, by id (the checks of ``_work_rows_of``; ``involved``: the involved
    cases, when already checked)."""
    if involved is None:
        involved = frozenset(
            _involved_among(user, membership, {app.case_id for app in found.values()})
        )
    shown: dict[int, TlvApplication] = {}
    for pk, app in found.items():
        is_involved = app.case_id in involved
        if is_involved or getattr(app, "in_queue", False):
            setattr(app, "is_involved", is_involved)  # noqa: B010 - as the annotation would
            shown[pk] = app
    return shown


def _work_rows_of(user: Any, membership: Membership, ids: list[int]) -> dict[int, _WorkRow]:
    """``_of_the_users_work`` as plain values (``_WorkRow``), for the work list's batches."""
    found = _by_queue(membership, _WORK_ROWS, _QUEUE_WORK_ROWS, ids)
    return {row[0]: row for row in _checked_work_rows(user, membership, found)}


def _checked_work_rows(
    user: Any, membership: Membership, found: list[tuple[int, int, str, bool]]
) -> list[_WorkRow]:
    """Of these (id, case id, status, queued) rows, those of the user's work: involved (the
    policy's pre-filter, checked for just their cases) or in the organisation's queue, in
    their order, as ``_WorkRow``."""
    involved = _involved_among(user, membership, {case_id for _pk, case_id, _s, _q in found})
    return [
        (pk, case_id, status, case_id in involved, in_queue)
        for pk, case_id, status, in_queue in found
        if case_id in involved or in_queue
    ]


def _participation_work_rows(
    user: Any, membership: Membership, ids: list[int]
) -> dict[int, _WorkRow]:
    """``_work_rows_of`` for thousands of ids: the applications of the user's participations
    (1,360 of the busiest coordinator of the large region, 3,344 of an SWV director) and of
    the organisation's queue, kept where among ``ids``; the cases of the participations' ones
    checked by the policy's pre-filter. Checking the ids against the user's involvement in SQL
    read every one of the cases involved: 32 ms on that coordinator's TLV work list, 30 ms on
    the director's (issue 10, session 23)."""
    wanted = set(ids)
    candidates: list[tuple[int, int, str]] = []
    participations = _participation_applications_sql(user, membership)
    if participations is not None:
        with connection.cursor() as cursor:
            cursor.execute(*participations)
            candidates = [row for row in cursor.fetchall() if row[0] in wanted]
    involved = _involved_among(user, membership, {case_id for _pk, case_id, _s in candidates})
    rows: dict[int, _WorkRow] = {
        pk: (pk, case_id, status, True, False)
        for pk, case_id, status in candidates
        if case_id in involved
    }
    if _queue_filter(membership) is not None:
        queued = _QUEUE_CANDIDATES.fetch(membership.role, organisation=membership.organisation_id)
        for pk, case_id, status in queued:
            if pk in wanted:
                rows[pk] = (pk, case_id, status, pk in rows, True)
    return rows


def _involved_among(user: Any, membership: Membership, case_ids: set[int]) -> set[int]:
    """Which of these cases the user is involved in (the policy's SQL pre-filter).

    A query of its own, after the applications': as one query with the scope as a correlated
    EXISTS, PostgreSQL hashed the user's whole involvement instead, misled by its estimate of
    the user's participations: on the large region the busiest coordinator's 1,360 TLV cases
    (4 ms for 20 applications, now 0.85 ms) and the CvA secretary's 8,035 (13 ms for a batch
    of 200 of the TLV overview; issue 10)."""
    return access.involved_among(user, membership, case_ids, kind=CaseKind.TLV)


def queue_item(application: TlvApplication) -> LogItem:
    """The access-log item of a queued application shown by pseudonym (CON-04 ground)."""
    return LogItem(
        subject_pseudonym=access.case_subject(application.case),
        object_type=_APP_OBJECT,
        object_id=str(application.pk),
        legal_ground=LegalBasis.EXTRA_SUPPORT,
    )


_LIVE_STATUSES = [
    TlvApplication.Status.DRAFT,
    TlvApplication.Status.SUSPENDED,
    TlvApplication.Status.SUBMITTED,
    TlvApplication.Status.IN_ASSESSMENT,
    TlvApplication.Status.BACK_TO_MDO,
    TlvApplication.Status.ADVISED,
]


DUO_COLUMNS = ("tlv_nummer", "soort", "categorie", "startdatum", "einddatum", "brin", "leerling")


def duo_export_rows(request: HttpRequest) -> list[dict[str, str]]:
    """What the receiving school registers with DUO (ROD/BRON): never a BSN (AGE-02)."""
    membership = _membership(request)
    if membership is None or membership.role != Role.SUPPORT_COORDINATOR:
        return []
    tlvs = list(
        Tlv.objects.filter(school_id=membership.organisation_id, collected_on__isnull=False)
        .select_related("school")
        .order_by("number")[:5000]
    )
    # An export of up to 5,000 rows: the light policy input of lists (same decisions), and any
    # break-the-glass grants in one query (the school need not take part in every case).
    cases = list(
        access.with_row_policy_data(
            Case.objects.filter(pk__in=[t.case_id for t in tlvs]), request.user, membership
        )
    )
    access.attach_break_glass(cases, request.user, membership)
    rows = {row.case.pk: row for row in access.decide_rows(request, cases)}
    result = []
    shown = []
    for tlv in tlvs:
        row = rows.get(tlv.case_id)
        if row is None:
            continue
        shown.append(row)
        result.append(
            {
                "tlv_nummer": tlv.number,
                "soort": tlv.tlv_type.upper(),
                "categorie": str(tlv.category or ""),
                "startdatum": tlv.start_date.strftime("%d-%m-%Y"),
                "einddatum": tlv.end_date.strftime("%d-%m-%Y"),
                "brin": tlv.school.brin_code,
                "leerling": row.display_name,
            }
        )
    record_access_many(
        AccessContext.from_request(request),
        [
            LogItem(
                subject_pseudonym=access.case_subject(row.case),
                object_type="cases.case",
                object_id=str(row.case.pk),
                data_categories=(DataCategory.ORDINARY,),
                legal_ground=row.access.legal_ground_summary,
            )
            for row in shown
        ],
        action="export",
        activity="tlv_duo_export",
    )
    return result


# --- signals about school boards (TLV-12) ---------------------------------------------------


@dataclass(frozen=True)
class BoardSignal:
    board: Organisation
    applications: int
    incomplete_share: float
    by_gavel_share: float
    negative_share: float
    below_target: bool


def board_signals(swv: Organisation) -> list[BoardSignal]:
    """Per board: applications, share incomplete, share by hamerslag (target 80%), share
    negative. Counts only: no pupil data (PRV-07)."""
    target = TlvSettings.current().hamerslag_target_percent / 100
    # From the report's figures, one row per submitted application (``ApplicationFigures``):
    # counting each application's letters, advice and decision took 25 ms for an SWV of the
    # large region (issue 10, session 37). By gavel is only ever a positive advice (TLV-12,
    # ``give_advice``).
    stats = (
        ApplicationFigures.objects.filter(swv=swv)
        .values("board")
        .annotate(
            total=Count("pk"),
            incomplete=Count("pk", filter=Q(incomplete_letter=True)),
            gavel=Count("pk", filter=Q(by_gavel=True)),
            negative=Count("pk", filter=Q(negative_decision=True)),
        )
        .order_by("board")
    )
    boards = {o.pk: o for o in Organisation.objects.filter(pk__in=[s["board"] for s in stats])}
    result = []
    for s in stats:
        if s["board"] is None:
            continue
        total = s["total"] or 1
        gavel = s["gavel"] / total
        result.append(
            BoardSignal(
                board=boards[s["board"]],
                applications=s["total"],
                incomplete_share=s["incomplete"] / total,
                by_gavel_share=gavel,
                negative_share=s["negative"] / total,
                below_target=gavel < target,
            )
        )
    return result


# --- management information (module f, PRV-07): aggregates only -----------------------------


@dataclass
class TermStatistic:
    """Throughput against one TLV-04 term: completed (within the term or not), days used."""

    code: str
    name: str
    length: int
    unit: str
    completed: int = 0
    within: int = 0
    days_total: int = 0
    open: int = 0
    overdue: int = 0


@dataclass
class TlvStatistics:
    """Counts of the applications submitted in a period (no pupil, no case, no id)."""

    submitted: int = 0
    by_route: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_route_status: dict[str, dict[str, int]] = field(default_factory=dict)
    terms: list[TermStatistic] = field(default_factory=list)
    suspended: int = 0
    suspended_days: int = 0
    positive_advice: int = 0
    by_gavel: int = 0
    hamerslag_target_percent: int = 80
    # TLV-05: "secretary", "secretary_chair", "full_4", "full_10", "full_later", "" (not yet)
    triage: dict[str, int] = field(default_factory=dict)
    decided: int = 0
    positive_decisions: int = 0
    # (tlv_type, category) -> (count, personnel total, material total)
    granted: dict[tuple[str, int | None], list[Any]] = field(default_factory=dict)
    # tlv_type -> (expiring, of which an extension was applied for)
    expiring: dict[str, list[int]] = field(default_factory=dict)
    # (lodged_by, outcome or "pending") -> count; appeals
    objections: dict[tuple[str, str], int] = field(default_factory=dict)
    appeals: int = 0


# The TLV-04 terms of the report, in the order it shows them.
TERM_CODES = tuple(REPORT_TERMS)


def _scoped_applications(
    swv_ids: list[int],
    board_id: int | None,
    school_id: int | None,
    tlv_type: str,
    prefix: str = "",
) -> Q:
    return Q(**{f"{prefix}swv_id__in": swv_ids}) & _application_filters(
        board_id, school_id, tlv_type, prefix
    )


def _application_filters(
    board_id: int | None, school_id: int | None, tlv_type: str, prefix: str = ""
) -> Q:
    """The report's filters other than the SWV: board, school (either side) and type."""
    condition = Q()
    if board_id:
        condition &= Q(**{f"{prefix}board_id": board_id})
    if school_id:
        condition &= Q(**{f"{prefix}requesting_school_id": school_id}) | Q(
            **{f"{prefix}intended_school_id": school_id}
        )
    if tlv_type:
        condition &= Q(**{f"{prefix}requested_type": tlv_type})
    return condition


class _DaysBetween(Func):
    """Whole days from the second date to the first (``end - start``), in the database: the
    same number as Python's ``(end - start).days``."""

    arity = 2
    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def report_figures_out_of_step() -> int:
    """How many applications' report figures differ from their rows (``manage.py
    tlv_report_figures --check``); no application is named."""
    return report_figures.out_of_step(TlvApplication.objects.values_list("pk", flat=True))


def statistics(
    *,
    swv_ids: list[int],
    start: dt.date,
    end: dt.date,
    board_id: int | None = None,
    school_id: int | None = None,
    tlv_type: str = "",
    today: dt.date | None = None,
) -> TlvStatistics:
    """Management figures of the TLV procedure for applications submitted in [start, end].

    A fixed number of queries whatever the number of applications, each one an aggregate in
    the database (no application or term is loaded); the result holds counts, days and amounts
    only (PRV-07 suppression is applied by the reports app)."""
    today = today or timezone.localdate()
    result = TlvStatistics()
    tlv_settings = TlvSettings.current()
    result.hamerslag_target_percent = tlv_settings.hamerslag_target_percent
    scope = _scoped_applications(swv_ids, board_id, school_id, tlv_type)
    # The TLV-04 term rules' labels by code (a rule the applications have no term of is left
    # out below).
    rules = {
        rule["code"]: rule
        for rule in TermRule.objects.filter(code__in=TERM_CODES).values(
            "code", "name", "length", "unit"
        )
    }
    # One pass over the applications' figures (``ApplicationFigures``, one row each, kept in
    # step by the services): route x status x triage, with the advice, the decision and every
    # TLV-04 term summed. Reading each application's advice, decision and terms instead grew
    # with the SWV's applications: 10 ms for the 771 of a school year of the large region
    # against 1 ms for their figures (issue 10, session 36).
    day = Value(today, output_field=DateField())
    sums: dict[str, Any] = {}
    for prefix in REPORT_TERMS.values():
        for name in ("completed", "within", "days", "open"):
            sums[f"{prefix}_{name}_sum"] = Sum(f"{prefix}_{name}")
        sums[f"{prefix}_overdue_sum"] = Count("pk", filter=Q(**{f"{prefix}_due__lt": today}))
    groups = (
        ApplicationFigures.objects.filter(scope, submitted_on__gte=start, submitted_on__lte=end)
        .order_by()
        .values("route", "status", "triage_key")
        .annotate(
            count=Count("pk"),
            positive_advice_count=Count("pk", filter=Q(positive_advice=True)),
            by_gavel_count=Count("pk", filter=Q(by_gavel=True)),
            positive_decisions=Count("pk", filter=Q(positive_decision=True)),
            suspended=Sum("overall_suspended"),
            days_suspended=Sum("overall_suspended_days"),
            days_still_suspended=Sum(
                _DaysBetween(
                    Least(Coalesce("overall_suspended_until", day), day),
                    "overall_suspended_since",
                ),
                filter=Q(overall_suspended_since__isnull=False),
            ),
            **sums,
        )
    )
    per_term: dict[str, dict[str, int]] = {code: {} for code in REPORT_TERMS}
    # The sums' names are made above, so each row is read as a plain mapping.
    for row in cast("list[Mapping[str, Any]]", list(groups)):
        route, status, triage, count = row["route"], row["status"], row["triage_key"], row["count"]
        result.submitted += count
        result.by_route[route] = result.by_route.get(route, 0) + count
        result.by_status[status] = result.by_status.get(status, 0) + count
        per_route = result.by_route_status.setdefault(route, {})
        per_route[status] = per_route.get(status, 0) + count
        if status == TlvApplication.Status.DECIDED:
            result.decided += count
        result.triage[triage] = result.triage.get(triage, 0) + count
        result.positive_advice += row["positive_advice_count"]
        result.by_gavel += row["by_gavel_count"]
        result.positive_decisions += row["positive_decisions"]
        result.suspended += row["suspended"] or 0
        result.suspended_days += (row["days_suspended"] or 0) + (row["days_still_suspended"] or 0)
        for code, prefix in REPORT_TERMS.items():
            figures = per_term[code]
            for name in ("completed", "within", "days", "open", "overdue"):
                figures[name] = figures.get(name, 0) + (row[f"{prefix}_{name}_sum"] or 0)
    units = dict(Unit.choices)
    for code in TERM_CODES:
        rule, figures = rules.get(code), per_term[code]
        # A rule counts once one of the applications has a term of it, running or completed.
        if rule is None or not (figures.get("completed") or figures.get("open")):
            continue
        result.terms.append(
            TermStatistic(
                code,
                rule["name"],
                rule["length"],
                str(units.get(rule["unit"], rule["unit"])),
                completed=figures["completed"],
                within=figures["within"],
                days_total=figures["days"],
                open=figures["open"],
                overdue=figures["overdue"],
            )
        )
    # TLVs granted in the period by type and category, with the funding of their school year.
    funding = {(f.school_year, f.category): f for f in FundingCategory.objects.all().order_by("id")}
    latest: dict[int, Any] = {}
    for (_year, level), f in sorted(funding.items()):
        latest[level] = f
    # A TLV's own SWV (index tlv_swv_start / tlv_swv_end): the application is joined only for
    # the other filters, so the region's other TLVs of the year are never read (issue 10).
    tlv_scope = Q(swv_id__in=swv_ids) & _application_filters(
        board_id, school_id, tlv_type, prefix="decision__application__"
    )
    objection_scope = _scoped_applications(
        swv_ids, board_id, school_id, tlv_type, prefix="decision__application__"
    )
    first_year = SqlCase(
        When(start_date__month__gte=8, then=ExtractYear("start_date")),
        default=ExtractYear("start_date") - 1,
        output_field=IntegerField(),
    )
    for tlv_type_value, category, year, count in (
        Tlv.objects.filter(tlv_scope, start_date__gte=start, start_date__lte=end)
        .annotate(first_year=first_year)
        .values_list("tlv_type", "category", "first_year")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        line = result.granted.setdefault((tlv_type_value, category), [0, 0, 0])
        line[0] += count
        amounts = (
            funding.get((criteria.school_year_of(dt.date(year, 8, 1)), category))
            or latest.get(category)
            if category
            else None
        )
        if amounts is not None:
            line[1] += amounts.personnel * count
            line[2] += amounts.material * count
    # TLVs ending in the period, and whether an extension was applied for.
    live_extension = TlvApplication.objects.filter(
        previous_tlv=OuterRef("pk"), status__in=[*_LIVE_STATUSES, TlvApplication.Status.DECIDED]
    )
    for tlv_type_value, count, extended in (
        Tlv.objects.filter(tlv_scope, end_date__gte=start, end_date__lte=end)
        .values_list("tlv_type")
        .annotate(count=Count("pk"), extended=Count("pk", filter=Exists(live_extension)))
        .order_by()
    ):
        line = result.expiring.setdefault(tlv_type_value, [0, 0])
        line[0] += count
        line[1] += extended
    # Objections received in the period (TLV-10) and their outcome.
    for lodged_by, outcome, count, appeals in (
        Objection.objects.filter(objection_scope, received_on__gte=start, received_on__lte=end)
        .values_list("lodged_by", "outcome")
        .annotate(count=Count("pk"), appeals=Count("pk", filter=Q(appeal_on__isnull=False)))
        .order_by()
    ):
        outcome_key = (lodged_by, outcome or "pending")
        result.objections[outcome_key] = result.objections.get(outcome_key, 0) + count
        result.appeals += appeals
    return result
