"""Reads of the arrangements module. Every read of pupil data goes through the access policy
and is logged.

* Case-bound reads start from ``access.selectors.get_case`` (the view calls it first).
* The SWV's queue (applications of its member schools awaiting advice or decision) shows only
  the case pseudonym and the kind, on the CON-04 ground the school recorded; each row shown is
  logged. The SWV person sees more only after taking the application up (participant).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.access import selectors as access
from passend.access.batch import AccessLogBatch, InvolvedCase, batch_or_now
from passend.access.selectors import CaseRow
from passend.accounts.models import Membership, Role
from passend.arrangements.models import (
    CONTENT_CATEGORY,
    METADATA_CATEGORY,
    Advice,
    Arrangement,
    ArrangementKind,
    Decision,
    Evaluation,
    Extension,
)
from passend.arrangements.services import euro, school_year_of
from passend.cases.models import CaseKind
from passend.consent.models import LegalBasis
from passend.prepared import PreparedQuery, aggregated
from passend.privacy.context import AccessContext
from passend.privacy.models import Outcome
from passend.privacy.services import LogItem, record_access

ACTIVITY = "arrangements"
SWV_ROLES = frozenset({Role.ECT_MEMBER, Role.SWV_DIRECTOR})
LIST_LIMIT = 200


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def _queryset() -> QuerySet[Arrangement]:
    return Arrangement.objects.select_related("case", "case__pupil", "kind", "school", "swv")


@dataclass
class ListRow:
    arrangement: Arrangement
    label: str  # the pupil's name where the policy allows, else the case pseudonym
    can_open: bool
    number: str = ""


def decision_numbers(ids: list[int]) -> dict[int, str]:
    return dict(
        Decision.objects.filter(arrangement_id__in=ids).values_list("arrangement_id", "number")
    )


def involved_rows(request: HttpRequest, *, status: str = "") -> list[CaseRow]:
    """Arrangement cases the acting person is involved in, decided by the policy (not logged)."""
    cases = access.involved_cases(request.user, _membership(request)).filter(
        kind=CaseKind.ARRANGEMENT
    )
    if status:
        cases = cases.filter(arrangement__status=status)
    return access.decide_rows(request, list(access.with_policy_data(cases)[:LIST_LIMIT]))


def overview_case_ids(index: list[InvolvedCase]) -> list[int]:
    """The arrangement cases of ``involved_rows``, picked from ``batch.involved_index``: own
    involvement, the latest 200."""
    return [c.pk for c in index if c.kind == CaseKind.ARRANGEMENT][:LIST_LIMIT]


def _light_queryset() -> QuerySet[Arrangement]:
    """Status and case (pseudonym, pupil id for the log subject) only: a list of work."""
    return Arrangement.objects.select_related("case").only(
        "id", "case_id", "status", "case__id", "case__pseudonym", "case__pupil_id"
    )


def overview(
    request: HttpRequest,
    *,
    rows: list[CaseRow] | None = None,
    log: AccessLogBatch | None = None,
    light: bool = False,
) -> dict[str, list[ListRow]]:
    """The Arrangementen page: own involvement plus, for ECT and decider, the SWV's queue.

    ``rows``: the decided rows of ``overview_case_ids`` when the caller decided them already
    (the dashboard); ``log``: the caller's batch (written by the caller). ``light``: status and
    case only, no kind, school or decision number (the dashboard's list of work).
    """
    membership = _membership(request)
    if membership is None:
        return {"involved": [], "queue": []}
    if rows is None:
        rows = involved_rows(request)
    visible = {row.case.pk: row for row in rows}
    base = _light_queryset() if light else _queryset()
    arrangements = list(base.filter(case_id__in=visible)) if visible else []
    queue: list[Arrangement] = []
    if membership.role in SWV_ROLES:
        waiting = Q(status=Arrangement.Status.ADVISED, kind__decider_role=membership.role)
        if membership.role == Role.ECT_MEMBER:
            waiting |= Q(status=Arrangement.Status.SUBMITTED)
        queue = list(
            base.filter(waiting, swv_id=membership.organisation_id).exclude(case_id__in=visible)[
                :LIST_LIMIT
            ]
        )
    numbers = {} if light else decision_numbers([a.pk for a in arrangements])
    involved = [
        ListRow(a, visible[a.case_id].display_name, True, numbers.get(a.pk, ""))
        for a in arrangements
    ]
    queued = [ListRow(a, a.case.pseudonym, False) for a in queue]
    batch, write = batch_or_now(request, log)
    batch.rows(rows)
    batch.items(ACTIVITY, _queue_items(queue))
    if write:
        batch.write()
    return {"involved": involved, "queue": queued}


def dashboard_waiting(request: HttpRequest, limit: int) -> tuple[list[Arrangement], int]:
    """The dashboard's arrangements awaiting work, the first ``limit`` (oldest first, light:
    status and case) and their number, not yet decided or logged. SWV staff: the SWV's queue
    (awaiting their advice or decision, pseudonym only) and submitted or advised arrangements
    of the cases they take part in; others: submitted arrangements of their cases. Annotated
    ``is_involved`` (the policy's SQL pre-filter ``access.involved_cases``) and ``in_queue``:
    the caller decides the involved cases and logs what it shows (``queue_items``)."""
    membership = _membership(request)
    key = access.involvement_key(request.user, membership)
    if key is None:
        return [], 0
    values = {"user": key.user, "organisation": key.organisation}
    ((count,),) = _WAITING_COUNT.fetch(key.role, **values)
    if not count:
        return [], 0
    return _WAITING_FIRST.fetch(key.role, limit, **values), count


def _waiting(role: str, user: int, organisation: int) -> tuple[Any, Any, Q]:
    """``dashboard_waiting``'s annotations ``is_involved`` and ``in_queue`` and the condition
    of its scope, for the role."""
    involved = access.involved_cases_of(user, organisation, role).filter(kind=CaseKind.ARRANGEMENT)
    is_involved = Exists(involved.filter(pk=OuterRef("case_id")))
    status = Arrangement.Status
    if role in SWV_ROLES:
        mine = Q(is_involved, status__in=[status.SUBMITTED, status.ADVISED])
        waiting = Q(status=status.ADVISED, kind__decider_role=role)
        if role == Role.ECT_MEMBER:
            waiting |= Q(status=status.SUBMITTED)
        queue = waiting & Q(swv_id=organisation)
        return is_involved, ExpressionWrapper(queue, BooleanField()), mine | queue
    return is_involved, Value(False), Q(is_involved, status=status.SUBMITTED)


def _waiting_scope(role: str, user: int, organisation: int) -> QuerySet[Arrangement]:
    is_involved, in_queue, condition = _waiting(role, user, organisation)
    return Arrangement.objects.annotate(is_involved=is_involved, in_queue=in_queue).filter(
        condition
    )


def _waiting_count_query(role: str, *, user: int, organisation: int) -> Any:
    return aggregated(_waiting_scope(role, user, organisation), count=Count("pk"))


def _waiting_first_query(
    role: str, limit: int, *, user: int, organisation: int
) -> QuerySet[Arrangement]:
    is_involved, in_queue, _condition = _waiting(role, user, organisation)
    first = _light_queryset().annotate(is_involved=is_involved, in_queue=in_queue)
    scope = _waiting_scope(role, user, organisation)
    return first.filter(pk__in=scope.values("pk")).order_by("pk")[:limit]


# ``dashboard_waiting``'s queries, compiled once per role and limit (``prepared``).
_WAITING_COUNT = PreparedQuery(_waiting_count_query, user=int, organisation=int)
_WAITING_FIRST = PreparedQuery(_waiting_first_query, user=int, organisation=int)


def queue_items(queue: list[Arrangement]) -> list[LogItem]:
    """Access-log items of queued arrangements shown by pseudonym (CON-04 ground)."""
    return _queue_items(queue)


def _queue_items(queue: list[Arrangement]) -> list[LogItem]:
    return [
        LogItem(
            subject_pseudonym=access.case_subject(a.case),
            object_type="arrangements.arrangement",
            object_id=str(a.pk),
            legal_ground=LegalBasis.EXTRA_SUPPORT,
        )
        for a in queue
    ]


def queued_arrangement(request: HttpRequest, case_id: object) -> Arrangement:
    """An application of the acting SWV that awaits its advice or decision, found through the
    CON-04 ground the SWV holds. Logged either way; 404 otherwise."""
    membership = _membership(request)
    context = AccessContext.from_request(request)
    arrangement = None
    pk = _valid_id(case_id)
    if pk is not None and membership is not None and membership.role in SWV_ROLES:
        arrangement = (
            _queryset()
            .filter(
                case_id=pk,
                swv_id=membership.organisation_id,
                status__in=[Arrangement.Status.SUBMITTED, Arrangement.Status.ADVISED],
                case__legal_grounds__organisation_id=membership.organisation_id,
                case__legal_grounds__ended_at__isnull=True,
            )
            .first()
        )
    if arrangement is None:
        record_access(
            context,
            action="view",
            activity=ACTIVITY,
            outcome=Outcome.DENIED,
            object_type="cases.case",
            object_id=str(case_id)[:64],
            reason="not an application of this SWV awaiting it",
        )
        raise Http404
    record_access(
        context,
        action="view",
        activity=ACTIVITY,
        subject_pseudonym=access.case_subject(arrangement.case),
        obj=arrangement,
        data_categories=[METADATA_CATEGORY],
        legal_ground=LegalBasis.EXTRA_SUPPORT,
    )
    return arrangement


def _valid_id(value: object) -> int | None:
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


def arrangement_for(row: CaseRow) -> Arrangement:
    arrangement = _queryset().filter(case=row.case).first()
    if arrangement is None:
        raise Http404
    return arrangement


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    text: str


@dataclass
class Detail:
    arrangement: Arrangement
    advice: Advice | None
    decision: Decision | None
    evaluations: list[Evaluation]
    extensions: list[Extension]
    fields: list[tuple[str, Any]]
    timeline: list[TimelineEvent] = field(default_factory=list)


def _person(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def _as_datetime(day: Any) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def detail(arrangement: Arrangement) -> Detail:
    """Everything of one arrangement in a constant number of queries."""
    advice = Advice.objects.select_related("advised_by").filter(arrangement=arrangement).first()
    decision = Decision.objects.select_related("decided_by").filter(arrangement=arrangement).first()
    evaluations = list(arrangement.evaluations.select_related("evaluated_by"))
    extensions = list(arrangement.extensions.select_related("decided_by"))
    values = arrangement.values or {}
    fields = [
        (spec["label"], values.get(spec["name"], ""))
        for spec in arrangement.kind.field_specs()
        if spec["name"] in values
    ]
    timeline = [
        TimelineEvent(
            _as_datetime(arrangement.applied_on),
            _("Aangevraagd door %(school)s") % {"school": arrangement.school.name},
        )
    ]
    if advice is not None:
        timeline.append(
            TimelineEvent(
                advice.advised_at,
                _("Advies ECT: %(outcome)s (%(who)s)")
                % {"outcome": advice.get_outcome_display(), "who": _person(advice.advised_by)},
            )
        )
    if decision is not None:
        timeline.append(
            TimelineEvent(
                decision.decided_at,
                _("Besluit %(number)s: %(what)s (%(who)s)")
                % {
                    "number": decision.number,
                    "what": _("toegekend") if decision.granted else _("afgewezen"),
                    "who": _person(decision.decided_by),
                },
            )
        )
    for evaluation in evaluations:
        timeline.append(
            TimelineEvent(
                evaluation.recorded_at,
                _("Evaluatie: doelen behaald — %(met)s (%(who)s)")
                % {
                    "met": evaluation.get_goals_met_display(),
                    "who": _person(evaluation.evaluated_by),
                },
            )
        )
    for extension in extensions:
        timeline.append(
            TimelineEvent(
                extension.recorded_at,
                _("Verlengd tot en met %(end)s (%(who)s)")
                % {
                    "end": extension.new_end.strftime("%d-%m-%Y"),
                    "who": _person(extension.decided_by),
                },
            )
        )
    if arrangement.status == Arrangement.Status.WITHDRAWN:
        timeline.append(TimelineEvent(arrangement.updated_at, _("Aanvraag ingetrokken")))
    timeline.sort(key=lambda e: e.at)
    return Detail(arrangement, advice, decision, evaluations, extensions, fields, timeline)


# --- budget -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetLine:
    kind: ArrangementKind
    school_year: str
    budget: Decimal | None
    used: Decimal

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.used

    @property
    def budget_display(self) -> str:
        return euro(self.budget) if self.budget is not None else _("geen budgetbewaking")

    @property
    def used_display(self) -> str:
        return euro(self.used)

    @property
    def remaining_display(self) -> str:
        return euro(self.remaining) if self.remaining is not None else ""


def budget_overview(membership: Membership | None, school_year: str = "") -> list[BudgetLine]:
    """Per kind of the acting SWV: budget, granted, remaining (amounts only, no pupil data)."""
    if membership is None or membership.role not in SWV_ROLES:
        return []
    year = school_year or school_year_of(timezone.localdate())
    kinds = list(ArrangementKind.objects.filter(swv_id=membership.organisation_id))
    decided = dict(
        Decision.objects.filter(arrangement__kind__in=kinds, granted=True, school_year=year)
        .values("arrangement__kind")
        .annotate(total=Sum("amount"))
        .values_list("arrangement__kind", "total")
    )
    extended = dict(
        Extension.objects.filter(arrangement__kind__in=kinds, school_year=year)
        .values("arrangement__kind")
        .annotate(total=Sum("amount"))
        .values_list("arrangement__kind", "total")
    )
    return [
        BudgetLine(
            kind,
            year,
            kind.budget_per_school_year,
            (decided.get(kind.pk) or Decimal("0")) + (extended.get(kind.pk) or Decimal("0")),
        )
        for kind in kinds
    ]


def kind_of_swv(membership: Membership | None, kind_id: int) -> ArrangementKind:
    from passend.arrangements.services import kinds_for

    for kind in kinds_for(membership):
        if kind.pk == kind_id:
            return kind
    raise Http404


def can_see_content(row: CaseRow) -> bool:
    return row.access.can_see(CONTENT_CATEGORY)


def can_see_metadata(row: CaseRow) -> bool:
    return row.access.can_see(METADATA_CATEGORY)


# --- management information (module f, PRV-07): aggregates only -----------------------------


def statistics(
    *,
    swv_ids: list[int],
    start: Any,
    end: Any,
    board_id: int | None = None,
    school_id: int | None = None,
) -> dict[tuple[str, str], list[Any]]:
    """Arrangements applied for in [start, end]: per (kind name, status) the number and the
    amount granted (Decimal). One query; no pupil data."""
    arrangements = Arrangement.objects.filter(
        swv_id__in=swv_ids, applied_on__gte=start, applied_on__lte=end
    )
    if board_id:
        arrangements = arrangements.filter(school__board_id=board_id)
    if school_id:
        arrangements = arrangements.filter(school_id=school_id)
    result: dict[tuple[str, str], list[Any]] = {}
    for kind_name, status, granted, amount in arrangements.values_list(
        "kind__name", "status", "decision__granted", "decision__amount"
    ):
        line = result.setdefault((kind_name, status), [0, Decimal("0")])
        line[0] += 1
        if granted and amount is not None:
            line[1] += amount
    return result
