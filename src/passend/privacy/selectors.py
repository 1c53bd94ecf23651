"""Reads of the privacy app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from passend.privacy import chain
from passend.privacy.context import AccessContext
from passend.privacy.models import (
    GENESIS_HASH,
    AccessLogEntry,
    AccessLogSeal,
    Disclosure,
    Outcome,
    ProcessingRestriction,
    SubjectRequest,
    SubjectRequestEvent,
)
from passend.privacy.services import LogItem, record_access, record_access_many


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    problem: str


def verify_chain(chunk_size: int = 5000) -> Iterator[ChainBreak]:
    """Recompute every sealed block in order; yield every block where the chain breaks.

    A block breaks when it does not follow the block before it, or when the entries in its id
    range (after the previous block's last id, up to its own) no longer give its hash: an entry
    was changed, added or removed after sealing. Entries after the last block are not sealed
    yet; ``unsealed_entries`` lists them.
    """
    previous, after = GENESIS_HASH, 0
    entries = (
        AccessLogEntry.objects.order_by("id")
        .values_list(*chain.ROW_COLUMNS)
        .iterator(chunk_size=chunk_size)
    )
    pending = next(entries, None)
    for seal in AccessLogSeal.objects.order_by("last_entry_id").iterator(chunk_size=chunk_size):
        digests = []
        first = pending[0] if pending is not None else after + 1  # ids may have gaps
        while pending is not None and pending[0] <= seal.last_entry_id:
            digests.append(chain.row_digest(pending))
            pending = next(entries, None)
        if seal.previous_hash != previous or seal.after_entry_id != after:
            yield ChainBreak(first, "the sealed block does not follow the block before it")
        elif chain.block_hash(previous, after, seal.last_entry_id, digests) != seal.block_hash:
            yield ChainBreak(
                first,
                f"the block of entries {first}-{seal.last_entry_id} was changed, or an entry "
                "was added to or removed from it, after sealing",
            )
        previous, after = seal.block_hash, seal.last_entry_id


def unsealed_entries() -> QuerySet[AccessLogEntry]:
    """Entries written after the last sealed block (``privacy.services.seal_access_log``)."""
    last = AccessLogSeal.objects.order_by("-last_entry_id").values_list("last_entry_id", flat=True)
    return AccessLogEntry.objects.filter(id__gt=last.first() or 0)


# --- Subject requests (PRV-01..04) and disclosures (PRV-05), issue 8 --------------------------

QUEUE_LIMIT = 200
OPEN_STATUSES = ("received", "assigned", "decided")


def overdue_subject_requests(
    today: dt.date | None = None, organisation_id: int | None = None
) -> QuerySet[SubjectRequest]:
    """Open requests past their due date (for the FG console and reminders).

    A request whose term is suspended (identity not yet verified, PRV-02) is not overdue: its
    clock stands still. Decided-but-not-executed requests count as open only until decided,
    because the term is the decision term (PRV-03). Not logged here: the caller logs what it
    shows (the rows carry only the pupil pseudonym besides the reference).
    """
    today = today or timezone.localdate()
    queryset = SubjectRequest.objects.filter(
        status__in=("received", "assigned"),
        identity_verified_on__isnull=False,
        due_date__lt=today,
    )
    if organisation_id is not None:
        queryset = queryset.filter(organisation_id=organisation_id)
    return queryset.order_by("due_date", "id")


def _membership(request: HttpRequest) -> Any:
    return getattr(request, "membership", None)


def visible_requests(user: Any, membership: Any) -> QuerySet[SubjectRequest]:
    """Own organisation's requests for a handler role; otherwise only those assigned to you."""
    from passend.privacy.services import HANDLER_ROLES

    if membership is None or user is None or not user.is_authenticated:
        return SubjectRequest.objects.none()
    queryset = SubjectRequest.objects.filter(organisation_id=membership.organisation_id)
    if membership.role in HANDLER_ROLES:
        return queryset
    return queryset.filter(assigned_to=user)


def _log_many(request: HttpRequest, rows: list[SubjectRequest], action: str = "list") -> None:
    record_access_many(
        AccessContext.from_request(request),
        [
            LogItem(
                subject_pseudonym=r.subject_pseudonym,
                object_type="privacy.subjectrequest",
                object_id=str(r.pk),
                data_categories=("ordinary",),
            )
            for r in rows
        ],
        action=action,
        activity="subject_rights",
    )


def request_queue(
    request: HttpRequest, *, status: str = "", kind: str = "", overdue: bool = False
) -> list[SubjectRequest]:
    """The list of requests, earliest due date first; every row shown is logged."""
    queryset = visible_requests(request.user, _membership(request))
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if overdue:
        queryset = queryset.filter(pk__in=overdue_subject_requests().values("pk"))
    rows = list(
        queryset.select_related("pupil", "assigned_to").order_by("due_date", "id")[:QUEUE_LIMIT]
    )
    _log_many(request, rows)
    return rows


def get_request(
    request: HttpRequest, request_id: object, *, action: str = "view"
) -> SubjectRequest:
    """One request for a handler of its organisation (or its assignee); else a logged 404."""
    context = AccessContext.from_request(request)
    try:
        pk = int(str(request_id))
    except ValueError:
        pk = 0
    found = (
        visible_requests(request.user, _membership(request))
        .select_related("pupil", "assigned_to", "registered_by")
        .filter(pk=pk)
        .first()
        if 0 < pk < 2**63
        else None
    )
    if found is None:
        record_access(
            context,
            action=action,
            activity="subject_rights",
            outcome=Outcome.DENIED,
            object_type="privacy.subjectrequest",
            object_id=str(request_id)[:64],
            reason="not a request of this organisation for this person",
        )
        raise Http404
    record_access(
        context,
        action=action,
        activity="subject_rights",
        subject_pseudonym=found.subject_pseudonym,
        obj=found,
        data_categories=["ordinary"],
        legal_ground="AVG art. 12-22",
    )
    return found


def is_overdue(subject_request: SubjectRequest, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        subject_request.status in ("received", "assigned")
        and subject_request.identity_verified_on is not None
        and subject_request.due_date < today
    )


def request_events(subject_request: SubjectRequest) -> list[SubjectRequestEvent]:
    return list(subject_request.events.select_related("actor"))


def active_restriction(pupil_id: int | None) -> ProcessingRestriction | None:
    if pupil_id is None:
        return None
    return (
        ProcessingRestriction.objects.filter(pupil_id=pupil_id, lifted_at__isnull=True)
        .select_related("request")
        .first()
    )


def disclosures_for(subject_pseudonym: str) -> QuerySet[Disclosure]:
    return Disclosure.objects.filter(subject_pseudonym=subject_pseudonym).order_by(
        "disclosed_at", "id"
    )


# --- The access bundle (PRV-02, AVG art. 15) -------------------------------------------------


def _organisation_names(ids: set[int]) -> dict[int, str]:
    from django.apps import apps

    organisation = apps.get_model("accounts", "Organisation")
    return {o.pk: o.name for o in organisation.objects.filter(pk__in=ids)}


def _role_labels() -> dict[str, str]:
    from django.apps import apps

    field = apps.get_model("accounts", "Membership")._meta.get_field("role")
    return {str(value): str(label) for value, label in field.choices or ()}


def access_bundle(subject_request: SubjectRequest) -> dict[str, Any]:
    """Every piece of data about the pupil across all modules (the registered exporters), with
    purposes, origins, recipients (the disclosure log) and who accessed the file (the access
    log: organisation, role, when, what, under which ground). Plain JSON values.

    The caller logs the generation (``privacy.services.record_bundle``).
    """
    from passend.privacy import activities, subject_data
    from passend.privacy.categories import DataCategory

    if subject_request.pupil_id is None:
        raise Http404
    pupil_id = subject_request.pupil_id
    sections = subject_data.collect(pupil_id)
    used_activities: dict[str, dict[str, str]] = {}
    out_sections = []
    for section in sections:
        try:
            activity = activities.get(section.activity)
        except LookupError:
            activity = None
        if activity is not None and activity.code not in used_activities:
            used_activities[activity.code] = {
                "code": activity.code,
                "name": str(activity.name),
                "purpose": str(activity.purpose),
                "legal_basis": str(activity.legal_basis),
                "retention": str(activity.retention),
            }
        records = []
        for record in section.records:
            record = dict(record)
            record["_origin"] = subject_data.origin_of(record, str(section.origin))
            records.append(record)
        out_sections.append(
            {
                "source": section.source,
                "model": section.model,
                "title": str(section.title),
                "activity": section.activity,
                "purpose": used_activities.get(section.activity, {}).get("purpose", ""),
                "origin": str(section.origin),
                "records": records,
            }
        )
    pseudonym = subject_request.subject_pseudonym
    disclosures = list(disclosures_for(pseudonym))
    entries = list(
        AccessLogEntry.objects.filter(subject_pseudonym=pseudonym)
        .order_by("occurred_at", "id")
        .values(
            "occurred_at",
            "organisation_id",
            "role",
            "action",
            "object_type",
            "object_id",
            "data_categories",
            "activity",
            "legal_ground",
            "outcome",
        )
    )
    names = _organisation_names(
        {e["organisation_id"] for e in entries if e["organisation_id"]}
        | {d.recipient_organisation_id for d in disclosures if d.recipient_organisation_id}
        | {d.disclosing_organisation_id for d in disclosures if d.disclosing_organisation_id}
    )
    roles = _role_labels()
    # Translated once: a busy pupil's bundle lists thousands of accesses (issue 10).
    category_labels = {value: str(label) for value, label in DataCategory.choices}
    return {
        "generated_at": timezone.now().isoformat(),
        "request": {
            "reference": subject_request.reference,
            "received_on": subject_request.received_on.isoformat(),
            "requester_name": subject_request.requester_name,
            "requester_relation": subject_request.get_requester_relation_display(),
        },
        "subject": {
            "pupil_id": pupil_id,
            "name": subject_request.pupil.full_name if subject_request.pupil else "",
        },
        "purposes": list(used_activities.values()),
        "sections": out_sections,
        "recipients": [
            {
                "recipient": d.recipient,
                "recipient_organisation": names.get(d.recipient_organisation_id or 0, ""),
                "what": d.description,
                "categories": [category_labels.get(c, c) for c in d.data_categories],
                "legal_ground": d.legal_ground,
                "disclosed_at": d.disclosed_at.isoformat(),
                "disclosed_by_organisation": names.get(d.disclosing_organisation_id or 0, ""),
            }
            for d in disclosures
        ],
        "accesses": [
            {
                "when": e["occurred_at"].isoformat(),
                "organisation": names.get(e["organisation_id"] or 0, ""),
                "role": roles.get(e["role"], e["role"]),
                "action": e["action"],
                "what": f"{e['object_type']} {e['object_id']}".strip(),
                "categories": [
                    category_labels.get(c, c) for c in e["data_categories"].split(",") if c
                ],
                "activity": e["activity"],
                "legal_ground": e["legal_ground"],
                "outcome": e["outcome"],
            }
            for e in entries
        ],
    }
