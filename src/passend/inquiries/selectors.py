"""Reads of the informatiepunt. Inquiries are SWV-internal: visible to the SWV's information
desk and director, and to the person an inquiry is assigned to (acting for that SWV). Each read
is logged; anything else is a logged 404.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest
from django.utils import timezone

from passend.access import selectors as access
from passend.access.batch import AccessLogBatch
from passend.accounts.models import Membership
from passend.inquiries.models import Inquiry, InquiryEvent
from passend.inquiries.services import ACTIVITY, DESK_ROLES, contact_subject
from passend.privacy.categories import DataCategory
from passend.privacy.context import AccessContext
from passend.privacy.models import Outcome
from passend.privacy.services import LogItem, record_access, record_access_many
from passend.terms.models import Term

QUEUE_LIMIT = 200
HISTORY_LIMIT = 50
OPEN_STATUSES = (Inquiry.Status.OPEN, Inquiry.Status.ASSIGNED)


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def visible_inquiries(user: Any, membership: Membership | None) -> QuerySet[Inquiry]:
    """The SQL form of the rule: own SWV, and desk/director role or assignee."""
    if membership is None or user is None or not user.is_authenticated:
        return Inquiry.objects.none()
    queryset = Inquiry.objects.filter(swv_id=membership.organisation_id)
    if membership.role in DESK_ROLES:
        return queryset
    return queryset.filter(assigned_to=user)


def filter_queue(
    queryset: QuerySet[Inquiry], *, status: str = "", kind: str = "", overdue: bool = False
) -> QuerySet[Inquiry]:
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if overdue:
        queryset = queryset.filter(status__in=OPEN_STATUSES, due_date__lt=timezone.localdate())
    return queryset


def _items(inquiries: list[Inquiry]) -> list[LogItem]:
    return [
        LogItem(
            subject_pseudonym=contact_subject(i),
            object_type="inquiries.inquiry",
            object_id=str(i.pk),
            data_categories=(DataCategory.ORDINARY,),
        )
        for i in inquiries
    ]


def open_inquiries(request: HttpRequest) -> QuerySet[Inquiry]:
    """The open inquiries the acting user may see (``visible_inquiries``), oldest due date
    first, for counts and the dashboard's first rows: not logged, whoever shows rows logs
    them (``list_items``)."""
    return visible_inquiries(request.user, _membership(request)).filter(status__in=OPEN_STATUSES)


def list_items(inquiries: list[Inquiry]) -> list[LogItem]:
    """Access-log items of inquiries listed (action list, activity ``ACTIVITY``)."""
    return _items(inquiries)


def _log_many(request: HttpRequest, inquiries: list[Inquiry], action: str = "list") -> None:
    record_access_many(
        AccessContext.from_request(request), _items(inquiries), action=action, activity=ACTIVITY
    )


def queue(
    request: HttpRequest,
    *,
    status: str = "",
    kind: str = "",
    overdue: bool = False,
    log: AccessLogBatch | None = None,
) -> list[Inquiry]:
    """The informatiepunt queue, oldest due date first; every row shown is logged (``log``: the
    caller's batch, written by the caller)."""
    inquiries = list(
        filter_queue(
            visible_inquiries(request.user, _membership(request)),
            status=status,
            kind=kind,
            overdue=overdue,
        ).select_related("assigned_to", "organisation")[:QUEUE_LIMIT]
    )
    if log is not None:
        log.items(ACTIVITY, _items(inquiries))
    else:
        _log_many(request, inquiries)
    return inquiries


def get_inquiry(request: HttpRequest, inquiry_id: object, *, action: str = "view") -> Inquiry:
    context = AccessContext.from_request(request)
    pk = access._valid_id(inquiry_id)
    inquiry = (
        visible_inquiries(request.user, _membership(request))
        .select_related("assigned_to", "organisation", "case", "registered_by", "swv")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if inquiry is None:
        record_access(
            context,
            action=action,
            activity=ACTIVITY,
            outcome=Outcome.DENIED,
            object_type="inquiries.inquiry",
            object_id=str(inquiry_id)[:64],
            reason="not an inquiry of this SWV for this person",
        )
        raise Http404
    record_access(
        context,
        action=action,
        activity=ACTIVITY,
        subject_pseudonym=contact_subject(inquiry),
        obj=inquiry,
        data_categories=[DataCategory.ORDINARY],
    )
    return inquiry


@dataclass
class InquiryDetail:
    inquiry: Inquiry
    events: list[InquiryEvent]
    history: list[Inquiry]  # other inquiries of the same contact (e-mail or phone)


def detail(request: HttpRequest, inquiry: Inquiry) -> InquiryDetail:
    """The timeline and the contact's history, in a constant number of queries.

    The history lists the contact's other inquiries that the viewer may see, and logs them.
    """
    events = list(inquiry.events.select_related("actor"))
    same_contact = Q()
    if inquiry.contact_email:
        same_contact |= Q(contact_email=inquiry.contact_email)
    if inquiry.contact_phone_key:
        same_contact |= Q(contact_phone_key=inquiry.contact_phone_key)
    history: list[Inquiry] = []
    if same_contact:
        history = list(
            visible_inquiries(request.user, _membership(request))
            .filter(same_contact)
            .exclude(pk=inquiry.pk)
            .order_by("-received_on", "-id")[:HISTORY_LIMIT]
        )
        _log_many(request, history, action="history")
    return InquiryDetail(inquiry, events, history)


def is_overdue(inquiry: Inquiry) -> bool:
    return inquiry.status in OPEN_STATUSES and inquiry.due_date < timezone.localdate()


# --- management information (module f, PRV-07): aggregates only -----------------------------


@dataclass
class InquiryStatistics:
    """Volumes and answer times of the informatiepunt (INF-01) for inquiries received in a
    period: per (month, kind) the number received; per kind answered (or referred) within and
    outside the term, the days it took, and open ones past their date."""

    received: dict[tuple[Any, str], int]
    handled: dict[str, int]
    within: dict[str, int]
    days_total: dict[str, int]
    open_overdue: dict[str, int]


def statistics(*, swv_ids: list[int], start: Any, end: Any, today: Any = None) -> InquiryStatistics:
    """Two queries whatever the volume; no contact data leaves."""
    today = today or timezone.localdate()
    inquiries = Inquiry.objects.filter(
        swv_id__in=swv_ids, received_on__gte=start, received_on__lte=end
    )
    received: dict[tuple[Any, str], int] = defaultdict(int)
    open_overdue: dict[str, int] = defaultdict(int)
    kind_of: dict[str, str] = {}
    for pk, kind, received_on, status, due in inquiries.values_list(
        "pk", "kind", "received_on", "status", "due_date"
    ):
        received[(received_on.replace(day=1), kind)] += 1
        kind_of[str(pk)] = kind
        if status in OPEN_STATUSES and due < today:
            open_overdue[kind] += 1
    handled: dict[str, int] = defaultdict(int)
    within: dict[str, int] = defaultdict(int)
    days_total: dict[str, int] = defaultdict(int)
    ids = inquiries.annotate(text_id=Cast("pk", CharField())).values("text_id")
    for object_id, begin, due, done, suspended in Term.objects.filter(
        object_type="inquiries.inquiry", object_id__in=ids, completed_on__isnull=False
    ).values_list("object_id", "start_date", "due_date", "completed_on", "suspended_days"):
        handled_kind = kind_of.get(object_id)
        if handled_kind is None or done is None:
            continue
        handled[handled_kind] += 1
        days_total[handled_kind] += (done - begin).days - suspended
        if done <= due:
            within[handled_kind] += 1
    return InquiryStatistics(
        dict(received), dict(handled), dict(within), dict(days_total), dict(open_overdue)
    )
