"""Reads of the cases app for its screens and API.

Everything here starts from a ``CaseRow`` that ``passend.access.selectors`` already decided and
logged (``get_case`` / ``decide_rows`` + ``log_rows``): these functions only fetch the related
rows of an authorised case, in a constant number of queries, and leave out what the viewer's
categories do not cover. They never widen access.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from django.db.models import F, Model, Q, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from passend import statements
from passend.access.selectors import (
    CaseRow,
    cases_for_rows,
    consents_relation_statement,
    decide_rows,
    entries_statement,
    involved_cases,
    involved_cases_of,
    involvement_key,
    visible_among,
)
from passend.accounts.models import Membership, Organisation, OrganisationKind
from passend.cases.models import (
    Case,
    CaseEntry,
    CaseKind,
    Hearing,
    Participant,
    Phase,
    PhaseChange,
)
from passend.consent.models import Consent, Justification, LegalGround
from passend.prepared import PreparedQuery, opaque_id, opaque_moment
from passend.privacy.categories import DataCategory
from passend.pupils.models import Guardian, Pupil
from passend.pupils.selectors import pupils_enrolled_at

# --- Lists -----------------------------------------------------------------------------------


def filter_cases(
    queryset: QuerySet[Case],
    *,
    phase: str = "",
    kind: str = "",
    status: str = "",
    query: str = "",
) -> QuerySet[Case]:
    """Filters of the "Mijn trajecten" list, applied to an already scoped queryset.

    The name search is only a pre-filter: ``matches_query`` decides afterwards, with the
    policy's answer, whether the name may count (a name the viewer cannot see never matches).
    """
    if phase:
        queryset = queryset.filter(phase=phase)
    if kind:
        queryset = queryset.filter(kind=kind)
    if status == Case.Status.OPEN:
        queryset = queryset.exclude(phase="closed")
    elif status == Case.Status.CLOSED:
        queryset = queryset.filter(phase="closed")
    query = query.strip()
    if query:
        condition = Q(pseudonym__icontains=query)
        for word in query.split():
            condition |= Q(is_anonymous=False) & (
                Q(pupil__first_name__icontains=word) | Q(pupil__last_name__icontains=word)
            )
        queryset = queryset.filter(condition)
    return queryset


def matches_query(row: CaseRow, query: str) -> bool:
    """Does the row match the search, counting the name only when the viewer may see it?"""
    query = query.strip().lower()
    if not query:
        return True
    if query in row.case.pseudonym.lower():
        return True
    if not row.access.can_see(DataCategory.ORDINARY) or row.case.is_anonymous:
        return False
    pupil = row.case.pupil
    if pupil is None:
        return False
    name = pupil.full_name.lower()
    return all(word in name for word in query.split())


def encode_cursor(case: Case) -> str:
    """An opaque keyset position (opened_at, id); holds no personal data."""
    return encode_position(case.opened_at, case.pk)


def encode_position(moment: datetime, pk: int) -> str:
    """An opaque keyset position of a list in the order (-moment, -id); ``decode_cursor``
    reads it back."""
    raw = f"{moment.isoformat()}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[datetime, int] | None:
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        stamp, pk = raw.rsplit("|", 1)
        moment = parse_datetime(stamp)
        number = int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    # Only what ``encode_position`` writes: an aware time and an id a key can hold. A list's
    # keys are a prepared query (``involved_keys``) whose parameters go to the database as
    # they are, where an id beyond 64 bits would be an error instead of no rows.
    if moment is None or timezone.is_naive(moment) or not 0 < number < 2**63:
        return None
    return moment, number


# The case's opened_at as copied onto the viewer's own participation, which
# ``access.involved_cases`` joins: a list ordered and paged on it reads its page in order from
# the index ``participant_user_org_recent`` instead of sorting every case the viewer is
# involved in (issue 10). The same value as the case's opened_at.
INVOLVED_OPENED_AT = "involved_opened_at"
# The id of that participation, for ``access.cases_for_rows``.
INVOLVED_PARTICIPATION = "involved_participation"


def newest_first(involved: QuerySet[Case]) -> QuerySet[Case]:
    """The viewer's cases (``access.involved_cases``, filtered) in the stable order
    (-opened_at, -id), with the sort key annotated as ``INVOLVED_OPENED_AT`` and the viewer's
    participation as ``INVOLVED_PARTICIPATION``.

    Only for ``involved_cases``: the annotation reuses its join of the viewer's participation
    (one active participation per case, user and organisation), on any other queryset it would
    join every participant."""
    return involved.annotate(
        **{
            INVOLVED_OPENED_AT: F("participants__case_opened_at"),
            INVOLVED_PARTICIPATION: F("participants__id"),
        }
    ).order_by(f"-{INVOLVED_OPENED_AT}", "-id")


def after_cursor(
    involved: QuerySet[Case], cursor: tuple[datetime, int] | None, *, generic: bool = False
) -> QuerySet[Case]:
    """Keyset pagination of ``newest_first``."""
    return after_position(newest_first(involved), cursor, INVOLVED_OPENED_AT, generic=generic)


def after_position[M: Model](
    queryset: QuerySet[M],
    cursor: tuple[datetime, int] | None,
    moment_field: str,
    *,
    generic: bool = False,
) -> QuerySet[M]:
    """The rows after a keyset position (``decode_cursor``) of a list ordered by
    (-``moment_field``, -id). ``generic``: the position as values PostgreSQL's planner does
    not look at (``prepared.opaque_moment``, ``opaque_id``), for a prepared statement that
    reads the same index range wherever the position is."""
    if cursor is None:
        return queryset
    moment: Any = opaque_moment(cursor[0]) if generic else cursor[0]
    pk: Any = opaque_id(cursor[1]) if generic else cursor[1]
    # "<=" on its own as well: a range the index of the order can start from, where the OR
    # alone would make PostgreSQL read every row of the scope and sort them.
    return queryset.filter(
        Q(**{f"{moment_field}__lte": moment})
        & (Q(**{f"{moment_field}__lt": moment}) | Q(id__lt=pk))
    )


# A list's keys: (the opening time the list sorts on, the case's id, the viewer's participation),
# newest first after a keyset cursor, at most ``limit`` of them.
Cursor = tuple[datetime, int]
Keys = Callable[[Cursor | None, int], list[tuple[datetime, int, int]]]


def queryset_keys(involved: QuerySet[Case]) -> Keys:
    """The keys of ``involved`` (``access.involved_cases``, filtered): its query built and
    compiled by Django for every batch. For filters of any shape (a name search)."""

    def keys(cursor: Cursor | None, limit: int) -> list[tuple[datetime, int, int]]:
        return list(
            after_cursor(involved, cursor).values_list(
                INVOLVED_OPENED_AT, "pk", INVOLVED_PARTICIPATION
            )[:limit]
        )

    return keys


def _involved_keys_query(
    role: str,
    status: str,
    limit: int,
    *,
    user: int,
    organisation: int,
    phase: str = "",
    kind: str = "",
    moment: datetime | None = None,
    pk: int | None = None,
) -> QuerySet[Any]:
    # The person's participations newest first, by their index, whoever they are: a plan for
    # any person (``generic``), not planned again for each (issue 10, session 42).
    involved = filter_cases(
        involved_cases_of(user, organisation, role, generic=True),
        phase=phase,
        kind=kind,
        status=status,
    )
    cursor = (moment, pk) if moment is not None and pk is not None else None
    return after_cursor(involved, cursor, generic=True).values_list(
        INVOLVED_OPENED_AT, "pk", INVOLVED_PARTICIPATION
    )[:limit]


def _by_filters(
    build: Callable[..., QuerySet[Any]], **positioned: Any
) -> dict[tuple[bool, bool, bool], PreparedQuery]:
    """``build`` prepared per filter given (phase, kind) and with or without a position: the
    values each of them takes (``positioned``: those of a position)."""
    return {
        (by_phase, by_kind, after): PreparedQuery(
            build,
            user=int,
            organisation=int,
            **({"phase": str} if by_phase else {}),
            **({"kind": str} if by_kind else {}),
            **(positioned if after else {}),
        )
        for by_phase in (False, True)
        for by_kind in (False, True)
        for after in (False, True)
    }


_INVOLVED_KEYS = _by_filters(_involved_keys_query, moment=datetime, pk=int)


def involved_keys(
    user: Any, membership: Membership | None, *, phase: str = "", kind: str = "", status: str = ""
) -> Keys:
    """``queryset_keys`` of ``filter_cases(involved_cases(user, membership), ...)`` without a
    name search, its query compiled once per process for each role, status, filters given and
    cursor (``prepared``): building and compiling it was 0.4-0.6 ms of a list page's CPU
    (issue 10, session 37)."""
    key = involvement_key(user, membership)
    if status not in (Case.Status.OPEN, Case.Status.CLOSED):
        status = ""

    def keys(cursor: Cursor | None, limit: int) -> list[tuple[datetime, int, int]]:
        if key is None:
            return []  # as ``involved_cases``: nobody's involvement, no cases
        values: dict[str, Any] = {"user": key.user, "organisation": key.organisation}
        if phase:
            values["phase"] = phase
        if kind:
            values["kind"] = kind
        if cursor is not None:
            values["moment"], values["pk"] = cursor
        query = _INVOLVED_KEYS[(bool(phase), bool(kind), cursor is not None)]
        return query.fetch(key.role, status, limit, **values)

    return keys


# The API's order (``CasePagination.ordering``) and its reverse, as DRF's CursorPagination
# applies them.
API_ORDER = (f"-{INVOLVED_OPENED_AT}", "-id")
_API_ORDER_REVERSED = (INVOLVED_OPENED_AT, "id")
_API_KEYS = ("id", INVOLVED_OPENED_AT, INVOLVED_PARTICIPATION)


def _involved_api_keys_query(
    role: str,
    status: str,
    limit: int,
    direction: str,
    *,
    user: int,
    organisation: int,
    phase: str = "",
    kind: str = "",
    moment: datetime | None = None,
) -> QuerySet[Any]:
    """What DRF's CursorPagination reads of ``newest_first(filter_cases(involved_cases))``:
    the first keys (``direction`` "first"), those older than a position in the API's order
    ("older") or those newer in the reverse order ("newer", a previous page).

    As the list page's keys (``_involved_keys_query``): the person's participations by their
    index, up to a page, in either direction, whoever they are (``generic``). Planned for its
    values, PostgreSQL planned it again at every request: 0.4 ms of its 3.2 ms per list API
    request under load (issue 10, session 45). The position of "older" and "newer" likewise
    (``prepared.opaque_moment``)."""
    involved = filter_cases(
        involved_cases_of(user, organisation, role, generic=True),
        phase=phase,
        kind=kind,
        status=status,
    )
    queryset = newest_first(involved)
    if direction == "older":
        queryset = queryset.filter(**{f"{INVOLVED_OPENED_AT}__lt": opaque_moment(moment)})
    elif direction == "newer":
        queryset = queryset.filter(**{f"{INVOLVED_OPENED_AT}__gt": opaque_moment(moment)}).order_by(
            *_API_ORDER_REVERSED
        )
    return queryset.values(*_API_KEYS)[:limit]


_INVOLVED_API_KEYS = _by_filters(_involved_api_keys_query, moment=datetime)


class InvolvedApiKeys:
    """The keys of the viewer's cases (``filter_cases(involved_cases(...))``, filtered) for
    DRF's ``CursorPagination``, which orders, filters on its cursor's position and slices what
    it is given: these three from a query compiled once per process (``prepared``) instead of
    a queryset built and compiled per request (0.4-0.7 ms of the list API's CPU; issue 10,
    session 38). The same rows in the same order as the queryset, and DRF's own cursors.

    Anything else DRF could ask (an offset past rows with the same time, another order or
    lookup, a position that is not a time with a zone) goes to the queryset itself."""

    def __init__(
        self, user: Any, membership: Membership | None, *, phase: str, kind: str, status: str
    ) -> None:
        self._key = involvement_key(user, membership)
        self._status = status if status in (Case.Status.OPEN, Case.Status.CLOSED) else ""
        self._filters = {"phase": phase, "kind": kind}
        self._user, self._membership = user, membership
        self._ordering: tuple[str, ...] = ()
        self._lookup: dict[str, Any] = {}

    def queryset(self) -> QuerySet[Any]:
        """The same keys as a queryset: what the API paged before, and the way for the rest."""
        involved = filter_cases(
            involved_cases(self._user, self._membership), status=self._status, **self._filters
        )
        return newest_first(involved).values(*_API_KEYS)

    def order_by(self, *ordering: str) -> InvolvedApiKeys:
        self._ordering = ordering
        return self

    def filter(self, **lookup: Any) -> InvolvedApiKeys:
        self._lookup = lookup
        return self

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        direction, moment = self._direction()
        if direction is None or window.start or window.step or window.stop is None:
            queryset = self.queryset().order_by(*self._ordering).filter(**self._lookup)
            return list(queryset[window])
        if self._key is None:
            return []  # as ``involved_cases``: nobody's involvement, no cases
        values: dict[str, Any] = {"user": self._key.user, "organisation": self._key.organisation}
        values.update((name, value) for name, value in self._filters.items() if value)
        if moment is not None:
            values["moment"] = moment
        query = _INVOLVED_API_KEYS[
            (bool(self._filters["phase"]), bool(self._filters["kind"]), moment is not None)
        ]
        return query.fetch(self._key.role, self._status, window.stop, direction, **values)

    def _direction(self) -> tuple[str | None, datetime | None]:
        """ "first", "older" or "newer" with the position's time, or (None, None) for any other
        ordering or lookup."""
        if self._ordering == API_ORDER and not self._lookup:
            return "first", None
        (lookup, position), *others = self._lookup.items() or [("", None)]
        try:
            moment = parse_datetime(position) if isinstance(position, str) else None
        except ValueError:
            moment = None
        if others or moment is None or timezone.is_naive(moment):
            return None, None
        if self._ordering == API_ORDER and lookup == f"{INVOLVED_OPENED_AT}__lt":
            return "older", moment
        if self._ordering == _API_ORDER_REVERSED and lookup == f"{INVOLVED_OPENED_AT}__gt":
            return "newer", moment
        return None, None


# How many batches of keys one list page reads at most when rows drop out after the policy's
# decision (a name the viewer may not see, a case they may not manage): a safety valve.
MAX_BATCHES = 5


def newest_rows(
    request: HttpRequest,
    keys: Keys,
    *,
    limit: int,
    query: str = "",
    cursor: Cursor | None = None,
    keep: Callable[[CaseRow], bool] | None = None,
) -> tuple[list[CaseRow], bool]:
    """Up to ``limit`` decided rows of the cases of ``keys`` (``involved_keys`` or
    ``queryset_keys``), newest first after ``cursor``, that match ``query`` (``matches_query``)
    and ``keep``; and whether more follow. Not logged: the caller logs the rows it shows
    (``access.log_rows``).

    Per batch, the keys first (a light sorted query on the viewer's participation), then only
    those cases with the light policy input, decided; at most ``MAX_BATCHES`` batches of
    ``limit + 1``, so the number of queries does not grow with the viewer's cases (issue 10)."""
    membership = getattr(request, "membership", None)
    rows: list[CaseRow] = []
    for _batch in range(MAX_BATCHES):
        batch_keys = keys(cursor, limit + 1)
        batch = cases_for_rows(
            [pk for _at, pk, _own in batch_keys],
            request.user,
            membership,
            participations=[own for _at, _pk, own in batch_keys],
            directors=True,  # the list shows them
        )
        rows.extend(
            row
            for row in decide_rows(request, batch)
            if matches_query(row, query) and (keep is None or keep(row))
        )
        if len(rows) > limit:
            return rows[:limit], True
        if len(batch_keys) <= limit:
            return rows, False
        cursor = batch_keys[-1][0], batch_keys[-1][1]
    return rows[:limit], True


class CaseListItem(TypedDict):
    """One row of "Mijn trajecten", as plain text: the template only prints it.

    Built from a decided row (``name`` is the pupil's name only when the policy lets the viewer
    see category "ordinary"); labels and dates are resolved once per page, not per cell. A dict,
    because the template language tries a key lookup first.
    """

    url: str
    name: str
    pseudonym: str
    shows_pseudonym: bool
    kind: str
    phase: str
    owner: str
    process_director: str
    opened: str


_PK_SENTINEL = 987654321


def list_items(rows: list[CaseRow]) -> list[CaseListItem]:
    """The table rows of the case list: the same texts as the case fields' displays."""
    sentinel = str(_PK_SENTINEL)
    detail_url = reverse("cases:detail", args=[_PK_SENTINEL])
    kinds = {value: str(label) for value, label in CaseKind.choices}
    phases = {value: str(label) for value, label in Phase.choices}
    current_tz = timezone.get_current_timezone()
    items: list[CaseListItem] = []
    for row in rows:
        case = row.case
        director = case.process_director
        name = row.display_name
        items.append(
            {
                "url": detail_url.replace(sentinel, str(case.pk)),
                "name": name,
                "pseudonym": case.pseudonym,
                "shows_pseudonym": name != case.pseudonym,
                "kind": kinds.get(case.kind, case.kind),
                "phase": phases.get(case.phase, case.phase),
                "owner": case.owner.name,
                "process_director": director.get_full_name() or director.username,
                "opened": case.opened_at.astimezone(current_tz).strftime("%d-%m-%Y"),
            }
        )
    return items


# --- New case --------------------------------------------------------------------------------


def openable_pupils(membership: Membership | None) -> QuerySet[Pupil]:
    """Pupils the acting organisation may open a case for (ORG-04).

    A school: its currently enrolled pupils. An SWV: pupils currently enrolled at its member
    schools. Other organisations choose no pupil here (they discuss a case anonymously or are
    added to the school's case).
    """
    if membership is None:
        return Pupil.objects.none()
    organisation = membership.organisation
    if organisation.kind == OrganisationKind.SCHOOL:
        return pupils_enrolled_at(organisation).order_by("last_name", "first_name", "pk")
    if organisation.kind == OrganisationKind.SWV:
        today = timezone.localdate()
        return (
            Pupil.objects.filter(
                Q(enrolments__end_date__isnull=True) | Q(enrolments__end_date__gte=today),
                enrolments__school__swv=organisation,
                enrolments__start_date__lte=today,
            )
            .distinct()
            .order_by("last_name", "first_name", "pk")
        )
    return Pupil.objects.none()


def active_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(is_active=True).order_by("name")


def find_colleague(organisation: Organisation, identifier: str) -> Any | None:
    """A person with a current membership at ``organisation``, by username or e-mail."""
    identifier = identifier.strip()
    if not identifier:
        return None
    membership = (
        Membership.objects.active()
        .filter(organisation=organisation)
        .filter(Q(user__username__iexact=identifier) | Q(user__email__iexact=identifier))
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership is not None else None


# --- Detail ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    text: str


@dataclass
class CaseDetail:
    """What the case page shows, already cut to the viewer's categories."""

    row: CaseRow
    participants: list[Participant]
    active_participants: list[Participant]
    consents: list[Consent]
    legal_grounds: list[LegalGround]
    justifications: list[Justification]
    hearings: list[Hearing]
    entries: list[CaseEntry]
    timeline: list[TimelineEvent] = field(default_factory=list)
    guardians: list[Guardian] = field(default_factory=list)

    @property
    def active_consents(self) -> list[Consent]:
        return [c for c in self.consents if c.revoked_at is None]

    @property
    def participant_organisations(self) -> list[Organisation]:
        seen: dict[int, Organisation] = {}
        for participant in self.active_participants:
            seen.setdefault(participant.organisation_id, participant.organisation)
        return sorted(seen.values(), key=lambda o: (o.name, o.pk))

    @property
    def participant_users(self) -> list[Any]:
        seen: dict[int, Any] = {}
        for participant in self.active_participants:
            seen.setdefault(participant.user_id, participant.user)
        return sorted(seen.values(), key=lambda u: (u.get_full_name() or u.username, u.pk))


def _person(user: Any) -> str:
    return user.get_full_name() or user.get_username()


@functools.cache
def _detail_reads() -> statements.Together:
    """The case page's own related rows (guardians of its consents, hearings, phase changes,
    entries), each with the case's id as its one parameter, in one round trip: they were four
    (issue 10, session 40)."""
    on_case = "WHERE t.case_id = %s"
    return statements.Together(
        (
            ("given_by_guardians", consents_relation_statement("given_by_guardians")),
            (
                "hearings",
                statements.Statement(
                    Hearing, tail=on_case, order=statements.ordering(Hearing, "t")
                ),
            ),
            (
                "phase_changes",
                statements.Statement(
                    PhaseChange,
                    joins=("changed_by",),
                    tail=on_case,
                    order=statements.ordering(PhaseChange, "t"),
                ),
            ),
            ("entries", entries_statement()),
        )
    )


def case_detail(row: CaseRow, *, with_guardians: bool = False) -> CaseDetail:
    """The related rows of an authorised case, in a constant number of queries.

    Participants, consents (with parties), legal grounds and justifications are already
    prefetched by ``with_policy_data``; this adds their people and organisations, the hearings,
    the phase changes and the visible entries.
    """
    case = row.case
    participants = list(case.participants.all())
    consents = list(case.consents.all())
    grounds = list(case.legal_grounds.all())
    decisions = list(case.justifications.all())
    # Only what the case page shows (who recorded a consent, ground or hearing is not shown).
    # From statements written once (issue 10): see passend.statements.
    found = _detail_reads().rows_for(case.pk)
    guardians_of = statements.group(found["given_by_guardians"], lambda _g, extra: extra[0])
    for consent in consents:
        statements.attach(consent, "given_by_guardians", guardians_of.get(consent.pk, []))
    prefetch_related_objects(grounds, "organisation")  # joined by get_case: no query then
    prefetch_related_objects(decisions, "organisation", "decided_by")
    hearings = statements.instances(found["hearings"])
    changes = statements.instances(found["phase_changes"])
    entries = visible_among(row, statements.instances(found["entries"]))
    guardians: list[Guardian] = []
    if with_guardians and case.pupil_id is not None and not case.is_anonymous:
        guardians = list(Guardian.objects.filter(pupil_id=case.pupil_id).order_by("pk"))

    detail = CaseDetail(
        row=row,
        participants=participants,
        active_participants=[p for p in participants if p.ended_at is None],
        consents=sorted(consents, key=lambda c: (c.recorded_at, c.pk), reverse=True),
        legal_grounds=grounds,
        justifications=decisions,
        hearings=hearings,
        entries=entries,
        guardians=guardians,
    )
    detail.timeline = _timeline(changes, participants, consents)
    return detail


def _timeline(
    changes: list[PhaseChange], participants: list[Participant], consents: list[Consent]
) -> list[TimelineEvent]:
    events: list[TimelineEvent] = []
    for change in changes:
        if change.from_phase:
            text = _("Fase van %(from)s naar %(to)s (%(who)s)") % {
                "from": change.get_from_phase_display(),
                "to": change.get_to_phase_display(),
                "who": _person(change.changed_by),
            }
        else:
            text = _("Traject geopend in fase %(to)s (%(who)s)") % {
                "to": change.get_to_phase_display(),
                "who": _person(change.changed_by),
            }
        events.append(TimelineEvent(change.changed_at, text))
    for participant in participants:
        who = {"who": _person(participant.user), "org": participant.organisation.name}
        events.append(TimelineEvent(participant.joined_at, _("%(who)s (%(org)s) neemt deel") % who))
        if participant.ended_at is not None:
            events.append(
                TimelineEvent(
                    participant.ended_at, _("Deelname van %(who)s (%(org)s) beëindigd") % who
                )
            )
    for consent in consents:
        parties = ", ".join(sorted(p.name for p in consent.parties.all()))
        events.append(
            TimelineEvent(
                consent.recorded_at,
                _("Toestemming vastgelegd voor: %(parties)s") % {"parties": parties},
            )
        )
        if consent.revoked_at is not None:
            events.append(
                TimelineEvent(
                    consent.revoked_at,
                    _("Toestemming ingetrokken voor: %(parties)s") % {"parties": parties},
                )
            )
    return sorted(events, key=lambda e: e.at, reverse=True)


def find_participant(row: CaseRow, participant_id: int) -> Participant | None:
    """A participant of this (authorised) case, from the prefetched rows."""
    return next((p for p in row.case.participants.all() if p.pk == participant_id), None)


def find_consent(row: CaseRow, consent_id: int) -> Consent | None:
    """A consent of this (authorised) case, from the prefetched rows."""
    return next((c for c in row.case.consents.all() if c.pk == consent_id), None)
