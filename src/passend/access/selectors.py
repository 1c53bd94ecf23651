"""Scoped reads of case data. Every function here applies the policy AND writes the log.

Views, API views, exports and reports read case data only through these functions.
A denied access is logged and answered as "not found", so that probing reveals nothing.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    ManyToManyField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    TextField,
)
from django.http import Http404, HttpRequest

from passend import statements
from passend.access.policy import (
    CaseAccess,
    LazyPhasePolicies,
    decide_case,
    restriction_exists,
)
from passend.accounts.models import Membership, Organisation, Role
from passend.cases.models import ATTENDANCE_KINDS, Case, CaseEntry, Participant, PhaseDataPolicy
from passend.consent.models import Consent, Justification, LegalGround
from passend.prepared import IDS, PreparedQuery, opaque_id
from passend.privacy.categories import DataCategory
from passend.privacy.context import AccessContext, subject_pseudonym
from passend.privacy.models import Outcome, ProcessingRestriction
from passend.privacy.services import LogItem, record_access, record_access_many

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

ACTIVITY = "case_management"


def case_subject(case: Case) -> str:
    if case.pupil_id is None:
        return subject_pseudonym("case", case.pk)
    return subject_pseudonym("pupil", case.pupil_id)


def _with_case_and_participants(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """The case's own policy input: restriction, directors, participants."""
    return (
        queryset.annotate(pupil_restricted=restriction_exists())
        .select_related("owner", "pupil", "process_director", "case_director")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related("organisation", "user"),
            )
        )
    )


def with_policy_data(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Everything the policy needs, in a constant number of queries."""
    return _with_case_and_participants(queryset).prefetch_related(
        Prefetch("consents", queryset=Consent.objects.prefetch_related("parties")),
        "legal_grounds",
        "justifications",
    )


def _restricted_sql() -> str:
    """``restriction_exists()`` for a statement's case ``t``: its pupil has an active
    processing restriction (AVG art. 18)."""
    table = connection.ops.quote_name(ProcessingRestriction._meta.db_table)
    return (
        f"EXISTS (SELECT 1 FROM {table} r "  # noqa: S608 - a table name
        "WHERE r.pupil_id = t.pupil_id AND r.lifted_at IS NULL)"
    )


def _phases_sql() -> str:
    """``phase_policies()`` as JSON text of one object (phase: categories), for a case's own
    statement: the case page decides its case with them, and read by a statement of their own
    they were a round trip and 0.3 ms of its CPU (issue 10, session 39)."""
    table = connection.ops.quote_name(PhaseDataPolicy._meta.db_table)
    if connection.vendor == "postgresql":
        aggregate = "CAST(json_object_agg(ph.phase, ph.categories) AS text)"
    else:
        aggregate = "json_group_object(ph.phase, json(ph.categories))"
    return f"(SELECT {aggregate} FROM {table} ph)"  # noqa: S608 - a table name


def _phases_of(text: str | None) -> dict[str, frozenset[str]]:
    return {phase: frozenset(categories) for phase, categories in json.loads(text or "{}").items()}


@functools.cache
def _case_statements() -> dict[str, statements.Statement]:
    """The statements of ``case_with_policy_data``, each with the case's id as its one
    parameter; the same rows, joins and order as ``with_policy_data`` gives. Read together
    (``_case_reads``), in one round trip."""
    on_case = "WHERE t.case_id = %s"
    return {
        "case": statements.Statement(
            Case,
            joins=("pupil", "owner", "process_director", "case_director"),
            extra=(_restricted_sql(), _phases_sql()),
            extra_fields=(BooleanField(), TextField()),
            tail="WHERE t.id = %s",
        ),
        "participants": statements.Statement(
            Participant,
            joins=("organisation", "user"),
            tail=on_case,
            order=statements.ordering(Participant, "t"),
        ),
        "consents": statements.Statement(
            Consent, tail=on_case, order=statements.ordering(Consent, "t")
        ),
        "parties": consents_relation_statement("parties"),
        "legal_grounds": statements.Statement(
            LegalGround,
            joins=("organisation",),
            tail=on_case,
            order=statements.ordering(LegalGround, "t"),
        ),
        "justifications": statements.Statement(
            Justification,
            joins=("organisation", "decided_by"),
            tail=on_case,
            order=statements.ordering(Justification, "t"),
        ),
    }


def consents_relation_statement(name: str) -> statements.Statement:
    """The rows of the consents' many-to-many relation ``name`` (``parties``,
    ``given_by_guardians``) for one case's consents, with the case's id as its one parameter:
    each row with its consent's id as its extra, in the related model's order, then by id."""
    field = Consent._meta.get_field(name)
    if not isinstance(field, ManyToManyField):
        raise ValueError(f"Consent.{name} is not a many-to-many relation")
    through: Any = field.remote_field.through
    model: Any = field.related_model
    quote = connection.ops.quote_name
    consent = f"m.{quote(field.m2m_column_name())}"
    return statements.Statement(
        model,
        more_from=(
            f"JOIN {quote(through._meta.db_table)} m ON m.{quote(field.m2m_reverse_name())} = t.id "
            f"JOIN {quote(Consent._meta.db_table)} c ON c.id = {consent}"
        ),
        extra=(consent,),
        extra_fields=(through._meta.get_field(field.m2m_field_name()),),
        tail="WHERE c.case_id = %s",
        order=statements.ordering(model, "t", tie="t.id"),
    )


@functools.cache
def _case_reads(*names: str) -> statements.Together:
    """These of ``_case_statements`` in one round trip (``statements.Together``): as six round
    trips the case page's took 0.78-0.93 ms of the worker's CPU, together 0.45-0.58 ms
    (issue 10, session 40)."""
    found = _case_statements()
    return statements.Together(tuple((name, found[name]) for name in names))


_CASE_AND_POLICY = (
    "case",
    "participants",
    "consents",
    "parties",
    "legal_grounds",
    "justifications",
)
_CASE_AND_PARTICIPANTS = ("case", "participants")


def _case_alone(rows: list[tuple[Any, tuple[Any, ...]]]) -> Any:
    """The case of its statement's rows, with pupil, owner and directors joined, its pupil's
    restriction and the phases' categories (CO-02) that its decision reads; None if none."""
    if not rows:
        return None
    case, (restricted, phases) = rows[0]
    case.pupil_restricted = bool(restricted)
    case.policy_phase_categories = _phases_of(phases)
    return case


def case_with_viewer_grounds(pk: int, user: Any, membership: Membership) -> Case | None:
    """One case for a caller that shows its participants but no consents or grounds (the
    API's case): the case and its participants as ``case_with_policy_data`` reads them, and
    of the consents, grounds and justifications only what the policy looks at for this viewer
    (``attach_row_policy_data``, as for a list row); the decision is the same."""
    found = _case_reads(*_CASE_AND_PARTICIPANTS).rows_for(pk)
    case = _case_alone(found["case"])
    if case is None:
        return None
    statements.attach(case, "participants", statements.instances(found["participants"]))
    attach_row_policy_data([case], user, membership)
    return case


def case_with_policy_data(pk: int) -> Case | None:
    """One case with everything the policy reads and a case page shows of it: pupil, owner
    and directors joined, the pupil's restriction, and the participants (with person and
    organisation), consents (with parties), legal grounds and justifications (with their
    organisation and decider) — what ``with_policy_data(...).first()`` gives, from six
    statements written once (``passend.statements``) instead of six querysets built and
    compiled per request, which were 40 % of the case page (issue 10, session 13), read in
    one round trip (session 40)."""
    found = _case_reads(*_CASE_AND_POLICY).rows_for(pk)
    case = _case_alone(found["case"])
    if case is None:
        return None
    consents = statements.instances(found["consents"])
    parties = statements.group(found["parties"], lambda _o, extra: extra[0])
    for consent in consents:
        statements.attach(consent, "parties", parties.get(consent.pk, []))
    statements.attach(case, "participants", statements.instances(found["participants"]))
    statements.attach(case, "consents", consents)
    statements.attach(case, "legal_grounds", statements.instances(found["legal_grounds"]))
    statements.attach(case, "justifications", statements.instances(found["justifications"]))
    return case


# Columns of the related rows a case list shows (name, owner, directors); the policy needs none
# of them. No password hashes or addresses are loaded for a list.
_PUPIL_NAME_FIELDS = ("pupil__first_name", "pupil__name_prefix", "pupil__last_name")
_USER_NAME_FIELDS = ("id", "username", "first_name", "last_name")


# The columns of the related rows that the policy reads (``attach_row_policy_data``).
_PARTICIPANT_COLUMNS = ("id", "case_id", "user_id", "organisation_id", "joined_phase", "ended_at")
_CONSENT_COLUMNS = ("id", "case_id", "categories", "given_on", "form_version", "revoked_at")
_GROUND_COLUMNS = (
    "id",
    "case_id",
    "organisation_id",
    "basis",
    "categories",
    "recorded_at",
    "ended_at",
)
_JUSTIFICATION_COLUMNS = (
    "id",
    "case_id",
    "organisation_id",
    "categories",
    "decided_at",
    "ended_at",
)


_OWNER_FIELDS = ("owner__id", "owner__name", "owner__kind")


def row_cases(queryset: QuerySet[Case], *, directors: bool = False) -> QuerySet[Case]:
    """The cases of a list: their own columns, the pupil's name, the owner (id, name, kind) and
    the pupil's restriction, and with ``directors`` the process and case directors' names; the
    viewer's part of the policy input follows in one query (``attach_row_policy_data``). A list
    page filters on ids, so the joins cost next to nothing to plan (they did on the sorted,
    filtered query of session 6, ~15 ms for four)."""
    related = ["pupil", "owner"]
    fields = [f.name for f in Case._meta.concrete_fields]
    fields += [*_PUPIL_NAME_FIELDS, *_OWNER_FIELDS]
    if directors:
        related += ["process_director", "case_director"]
        fields += [f"{director}__{name}" for director in related[2:] for name in _USER_NAME_FIELDS]
    return (
        queryset.annotate(pupil_restricted=restriction_exists())
        .select_related(*related)
        .only(*fields)
    )


@functools.cache
def _row_cases_statement(directors: bool) -> statements.Statement:
    """``row_cases(..., directors=directors)`` for a page of ids, as a statement written once:
    the same columns, joins and restriction (issue 10, session 13)."""
    user_names = tuple(name for name in _USER_NAME_FIELDS if name != "id")
    joins: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("pupil", tuple(name.split("__")[1] for name in _PUPIL_NAME_FIELDS)),
        ("owner", tuple(name.split("__")[1] for name in _OWNER_FIELDS if name != "owner__id")),
    )
    if directors:
        joins += (("process_director", user_names), ("case_director", user_names))
    return statements.Statement(
        Case,
        joins=joins,
        extra=(_restricted_sql(),),
        tail="WHERE " + statements.among("t.id"),
    )


def _cases_by_id(ids: list[int], *, directors: bool) -> list[Case]:
    """The cases of these ids as ``row_cases(..., directors=directors)`` loads them, in no
    order."""
    cases = []
    for case, (restricted,) in _row_cases_statement(directors).rows([statements.id_list(ids)]):
        case.pupil_restricted = bool(restricted)  # type: ignore[attr-defined]
        cases.append(case)
    return cases  # type: ignore[return-value]


def with_row_policy_data(
    queryset: QuerySet[Case],
    user: Any,
    membership: Membership | None,
    participations: list[int] | None = None,
    *,
    directors: bool = False,
) -> list[Case]:
    """``with_policy_data`` for lists: the same decisions with far fewer, lighter objects.

    The cases of ``row_cases`` with the viewer's policy input attached
    (``attach_row_policy_data``): two queries for any number of cases. The lists
    ``policy_<relation>`` are the policy's input only: never show them (a case page uses
    ``with_policy_data`` / ``get_case``).
    """
    if membership is None or getattr(user, "pk", None) is None:
        return list(with_policy_data(queryset))  # the policy denies these anyway
    cases = list(row_cases(queryset, directors=directors))
    attach_row_policy_data(cases, user, membership, participations)
    return cases


# The row kinds of the policy input statement (``_row_policy_sql``).
_PARTICIPANT, _CONSENT, _LEGAL_GROUND, _JUSTIFICATION, _PHASE_POLICY = range(5)


@functools.cache
def _row_policy_sql(vendor: str, by_participation: bool) -> str:
    """One statement for the viewer's policy input of a list's cases: their own active
    participation, the unrevoked consents naming their organisation, and that organisation's
    unended legal grounds and justifications, as rows of one shape (kind, id, case, user,
    organisation, text, categories, date, moment), in the order the relations' ``Meta.ordering``
    gives. It replaces five prefetch queries, which Django built, compiled and matched per
    page: a third of a case list's time (issue 10, session 12). The case ids are one array
    parameter (PostgreSQL) or one JSON text (SQLite), so the SQL text is the same for every
    page and psycopg converts it once. Its last rows are the phases' categories (CO-02, no case:
    ``phase_policies()``), which a list's decisions read in a statement of their own otherwise
    (0.3 ms of a list request's CPU, session 39).

    ``by_participation``: the participations are named by id (the list's key query joined
    them, ``cases.selectors.newest_first``), else by person and organisation. Both keep only
    active ones; ``decide_case`` checks that each is the viewer's own."""

    def among(column: str) -> str:
        if vendor == "postgresql":
            # Read as rows, not as "= ANY": a prepared statement's generic plan cannot see how
            # few ids there are, and with "= ANY" it read all of an organisation's legal
            # grounds to pick the page's (session 14).
            return f"{column} IN (SELECT unnest(%s::bigint[]))"
        return f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 — a column name

    def null(field: Any) -> str:
        return f"CAST(NULL AS {field.db_type(connection)})"

    participant, phases = Participant._meta, PhaseDataPolicy._meta
    consent, ground, justification = Consent._meta, LegalGround._meta, Justification._meta
    parties = Consent.parties.through._meta
    categories = Consent._meta.get_field("categories")
    day = Consent._meta.get_field("given_on")
    moment = LegalGround._meta.get_field("recorded_at")
    text = Participant._meta.get_field("joined_phase")
    if by_participation:
        participants = f"{participant.db_table} p WHERE {among('p.id')} AND {among('p.case_id')}"
    elif vendor == "postgresql":
        # Each case's active participants, then the viewer's among them: the cost follows the
        # page's cases. A generic plan (prepared statements, settings.py) otherwise takes the
        # person's index and reads every participation of a busy viewer, 8,000 for the CvA
        # secretary of the large region: 12.8 against 0.5 ms (session 14). OFFSET 0 keeps
        # PostgreSQL from merging the subquery into the outer filter.
        participants = (
            "unnest(%s::bigint[]) AS page(case_id) CROSS JOIN LATERAL "  # noqa: S608 - table name
            "(SELECT p.id, p.case_id, p.user_id, p.organisation_id, p.joined_phase, p.ended_at "
            f"FROM {participant.db_table} p WHERE p.case_id = page.case_id "
            "AND p.ended_at IS NULL OFFSET 0) p WHERE p.user_id = %s AND p.organisation_id = %s"
        )
    else:
        participants = (
            f"{participant.db_table} p WHERE {among('p.case_id')} "
            "AND p.user_id = %s AND p.organisation_id = %s"
        )
    # Only table and column names of the models and constants go into the text (S608).
    return f"""
SELECT {_PARTICIPANT}, p.id, p.case_id, p.user_id, p.organisation_id, p.joined_phase,
       {null(categories)}, {null(day)}, {null(moment)}
  FROM {participants} AND p.ended_at IS NULL
UNION ALL
SELECT {_CONSENT}, c.id, c.case_id, NULL, cp.organisation_id, c.form_version,
       c.categories, c.given_on, {null(moment)}
  FROM {consent.db_table} c
  JOIN {parties.db_table} cp ON cp.consent_id = c.id AND cp.organisation_id = %s
 WHERE {among("c.case_id")} AND c.revoked_at IS NULL
UNION ALL
SELECT {_LEGAL_GROUND}, g.id, g.case_id, NULL, g.organisation_id, g.basis,
       g.categories, {null(day)}, g.recorded_at
  FROM {ground.db_table} g
 WHERE {among("g.case_id")} AND g.organisation_id = %s AND g.ended_at IS NULL
UNION ALL
SELECT {_JUSTIFICATION}, j.id, j.case_id, NULL, j.organisation_id, {null(text)},
       j.categories, {null(day)}, j.decided_at
  FROM {justification.db_table} j
 WHERE {among("j.case_id")} AND j.organisation_id = %s AND j.ended_at IS NULL
UNION ALL
SELECT {_PHASE_POLICY}, ph.id, NULL, NULL, NULL, ph.phase,
       ph.categories, {null(day)}, {null(moment)}
  FROM {phases.db_table} ph
 ORDER BY 1, 3, 8 DESC, 9 DESC, 2 DESC"""  # noqa: S608


@functools.cache
def _converters(vendor: str, model: Any, name: str) -> list[Any]:
    """Django's own conversions of a column read without the ORM (SQLite's dates, JSON)."""
    column = model._meta.get_field(name).get_col(model._meta.db_table)
    return [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)]


def _convert(value: Any, converters: list[Any], db: BaseDatabaseWrapper) -> Any:
    for convert in converters:
        value = convert(value, None, db)
    return value


def _partial(db: BaseDatabaseWrapper, model: Any, names: tuple[str, ...], *values: Any) -> Any:
    """An instance with only these columns loaded, as ``.only()`` gives: the others deferred
    (``from_columns``). ``db``: the connection itself, not the ``connection`` proxy, whose
    every attribute is looked up in a context-local store (a list page makes about 90 of
    these; issue 10, session 34)."""
    return model.from_columns(db.alias, names, values)


def attach_row_policy_data(
    cases: list[Case],
    user: Any,
    membership: Membership | None,
    participations: list[int] | None = None,
) -> None:
    """Attaches to each case the rows ``decide_case`` looks at for this viewer, and only those:
    their own active participation, the unrevoked consents that name their organisation, and
    that organisation's unended legal grounds and justifications (the policy's own filters, so
    its answer is unchanged), as plain lists ``policy_<relation>`` with the columns it reads,
    from one query (``_row_policy_sql``).

    ``participations``: the ids of the viewer's participations that the list's key query
    joined (``cases.selectors.newest_first``), read again by id; ``decide_case`` checks that
    each is the viewer's own and active. Filtered on person and organisation instead, a page
    of the busiest coordinator's list made PostgreSQL read all 1,414 of their participations
    (session 10); the start page, whose cases come from other queries, uses that filter."""
    for case in cases:
        case.policy_participants = []  # type: ignore[attr-defined]
        case.policy_consents = []  # type: ignore[attr-defined]
        case.policy_legal_grounds = []  # type: ignore[attr-defined]
        case.policy_justifications = []  # type: ignore[attr-defined]
    user_id = getattr(user, "pk", None)
    if not cases or membership is None or user_id is None:
        return  # the policy denies these before it looks at any of them
    organisation_id = membership.organisation_id
    by_id: dict[int, list[Case]] = {}
    for case in cases:  # one case may be loaded twice (two agenda items): both get the rows
        by_id.setdefault(case.pk, []).append(case)
    ids = statements.id_list(by_id)  # an array (PostgreSQL) or JSON text (SQLite)
    own: list[Any]
    if participations is not None:
        own = [statements.id_list(participations), ids]
    else:
        own = [ids, user_id, organisation_id]
    params = [*own, organisation_id, ids, ids, organisation_id, ids, organisation_id]
    with connection.cursor() as cursor:
        cursor.execute(_row_policy_sql(connection.vendor, participations is not None), params)
        rows = cursor.fetchall()
        db = cursor.db
    if not rows:
        return
    vendor = db.vendor
    to_categories = _converters(vendor, Consent, "categories")
    to_day = _converters(vendor, Consent, "given_on")
    to_moment = _converters(vendor, LegalGround, "recorded_at")
    to_phase_categories = _converters(vendor, PhaseDataPolicy, "categories")
    party = _partial(db, Organisation, ("id",), organisation_id)
    phases: dict[str, frozenset[str]] = {}
    for kind, pk, case_id, row_user, organisation, text, categories, day, moment in rows:
        if kind == _PHASE_POLICY:
            phases[text] = frozenset(_convert(categories, to_phase_categories, db))
            continue
        if kind == _PARTICIPANT:
            relation = "policy_participants"
            row: Any = _partial(
                db,
                Participant,
                _PARTICIPANT_COLUMNS,
                pk,
                case_id,
                row_user,
                organisation,
                text,
                None,
            )
        elif kind == _CONSENT:
            relation = "policy_consents"
            row = _partial(
                db,
                Consent,
                _CONSENT_COLUMNS,
                pk,
                case_id,
                _convert(categories, to_categories, db),
                _convert(day, to_day, db),
                text,
                None,
            )
            row.policy_parties = [party]
        elif kind == _LEGAL_GROUND:
            relation = "policy_legal_grounds"
            row = _partial(
                db,
                LegalGround,
                _GROUND_COLUMNS,
                pk,
                case_id,
                organisation,
                text,
                _convert(categories, to_categories, db),
                _convert(moment, to_moment, db),
                None,
            )
        else:
            relation = "policy_justifications"
            row = _partial(
                db,
                Justification,
                _JUSTIFICATION_COLUMNS,
                pk,
                case_id,
                organisation,
                _convert(categories, to_categories, db),
                _convert(moment, to_moment, db),
                None,
            )
        for case in by_id[case_id]:
            getattr(case, relation).append(row)
    for case in cases:
        # One mapping for all, read in this statement: ``decide_rows`` passes it to the policy.
        case.policy_phase_categories = phases  # type: ignore[attr-defined]


def cases_for_rows(
    ids: list[int],
    user: Any,
    membership: Membership | None,
    participations: list[int] | None = None,
    *,
    directors: bool = False,
) -> list[Case]:
    """The cases of one list page, in the order of ``ids``, with the light policy input.

    ``directors``: with the process and case directors' names (``row_cases``), for the lists
    that show them (the case list and its API). The others show a case by its label only, and
    the policy reads the directors' ids, not their rows: two joined rows fewer per case (the
    CvA secretary's TLV work list: 49 of its 570 model instances; issue 10, session 41).

    A list first takes the page's ids from its scoped, sorted query (case and participation
    only: at 1,400 cases of one person that is 4 ms against 10 ms when every joined row is
    carried through the sort) and then loads these few cases here. The policy decides on what
    this second query reads, so a change between the two is never shown unchecked.
    """
    if not ids:
        return []
    cases: list[Case]
    if membership is None or getattr(user, "pk", None) is None:
        cases = list(with_policy_data(Case.objects.filter(pk__in=ids)))  # the policy denies these
    else:
        cases = _cases_by_id(ids, directors=directors)
        attach_row_policy_data(cases, user, membership, participations)
    by_id = {case.pk: case for case in cases}
    return [by_id[pk] for pk in ids if pk in by_id]


def attach_break_glass(cases: Iterable[Case], user: Any, membership: Membership | None) -> None:
    """The user's active break-the-glass grants for these cases, in one query, where the policy
    looks for them (``policy_break_glass``; None: no grant). For pages whose cases are not
    filtered on the user's involvement, where the policy would otherwise query per case."""
    cases = list(cases)
    if membership is None or not cases:
        return
    from passend.emergency.selectors import active_grants

    grants = active_grants(user, membership.organisation_id, [case.pk for case in cases])
    for case in cases:
        case.policy_break_glass = grants.get(case.pk)  # type: ignore[attr-defined]


def involved_cases(user: Any, membership: Membership | None) -> QuerySet[Case]:
    """Cases in which the user, acting for this membership, is an active participant.

    The SQL pre-filter of the policy (ORG-04, ABS-05, AVG art. 18 per case and per pupil); the
    policy itself then decides per case which categories are visible.
    """
    key = involvement_key(user, membership)
    if key is None:
        return Case.objects.none()
    return _involved_cases(key.user, key.organisation, key.role).all()


@dataclass(frozen=True)
class InvolvementKey:
    """What ``involved_cases`` depends on: the person, the organisation and the role."""

    user: int
    organisation: int
    role: str


def involvement_key(user: Any, membership: Membership | None) -> InvolvementKey | None:
    """The key of the user's involvement for this membership, or None where they have no
    involved cases at all (no membership or no user; the privacy officer, who reads the log,
    not cases). A ``prepared.PreparedQuery`` takes its values, ``involved_cases_of`` its
    query."""
    user_id = getattr(user, "pk", None)
    if membership is None or membership.role == Role.PRIVACY_OFFICER or user_id is None:
        return None
    return InvolvementKey(user_id, membership.organisation_id, membership.role)


def involved_cases_of(
    user_id: int, organisation_id: int, role: str, *, generic: bool = False
) -> QuerySet[Case]:
    """``involved_cases`` from the ids, for a ``prepared.PreparedQuery``'s builder (whose
    caller has checked that the membership may have involved cases at all).

    ``generic``: the person and organisation as values the planner does not look at
    (``prepared.opaque_id``), for a statement whose plan is the same for a busy person and a
    quiet one (the case list's keys: the person's participations newest first, by their
    index, up to a page)."""
    return _involved_cases(user_id, organisation_id, role, generic).all()


@functools.lru_cache(maxsize=256)
def _involved_cases(
    user_id: int, organisation_id: int, role: str, generic: bool = False
) -> QuerySet[Case]:
    """The query of ``involved_cases``, built once per person, organisation and role: it holds
    SQL and parameters only, never rows (callers get a copy, ``.all()``). The start page uses
    it seven times; building it each time was 7 % of that page's time (issue 10)."""
    user: Any = opaque_id(user_id) if generic else user_id
    organisation: Any = opaque_id(organisation_id) if generic else organisation_id
    queryset = Case.objects.filter(
        participants__user_id=user,
        participants__organisation_id=organisation,
        participants__ended_at__isnull=True,
    )
    return _involvement_of_the_case(queryset, user, role)


def _involvement_of_the_case(queryset: QuerySet[Case], user_id: Any, role: str) -> QuerySet[Case]:
    """``involved_cases``' conditions on the case itself, beside the active participation:
    a restricted case only for its process director, no processing restriction of the pupil
    (AVG art. 18 on request), and an attendance officer's kinds (ABS-05). ``user_id``: the
    person's id, or an expression of it."""
    queryset = queryset.filter(Q(restricted_since__isnull=True) | Q(process_director_id=user_id))
    queryset = queryset.filter(~restriction_exists())  # AVG art. 18 on request (privacy)
    if role == Role.ATTENDANCE_OFFICER:
        queryset = queryset.filter(kind__in=ATTENDANCE_KINDS)
    return queryset


def participation_case_ids(user: Any, membership: Membership | None) -> QuerySet[Any]:
    """The cases of the user's active participations for this membership, as ``case_id``
    values: a superset of ``involved_cases`` (no processing restriction, no role's kinds),
    read from the participations alone, without a case's row.

    For narrowing a large scope cheaply: a caller that finds its few rows through it must
    still check their cases against ``involved_cases`` before it shows or counts them (the
    start page's TLV work: 1,360 candidates of the busiest coordinator, about 120 to check;
    issue 10, session 23)."""
    key = involvement_key(user, membership)
    if key is None:
        return Participant.objects.none()
    return _participation_case_ids(key.user, key.organisation).all()


@functools.lru_cache(maxsize=256)
def _participation_case_ids(user_id: int, organisation_id: int) -> QuerySet[Any]:
    """The query of ``participation_case_ids``, built once per person and organisation (SQL
    and parameters only, as ``_involved_cases``)."""
    return _participation_case_ids_query(user=user_id, organisation=organisation_id)


def _participation_case_ids_query(*, user: Any, organisation: Any) -> QuerySet[Any]:
    return (
        Participant.objects.filter(
            user_id=user, organisation_id=organisation, ended_at__isnull=True
        )
        .order_by()
        .values("case_id")
    )


_PARTICIPATION_CASE_IDS = PreparedQuery(_participation_case_ids_query, user=int, organisation=int)
# Those of cases whose TLV application has not ended (``Participant.case_tlv_ended_at``), read
# from their own partial index.
_TLV_OPEN_PARTICIPATION_CASE_IDS = PreparedQuery(
    lambda *, user, organisation: _participation_case_ids_query(
        user=user, organisation=organisation
    ).filter(case_tlv_ended_at__isnull=True),
    user=int,
    organisation=int,
)


def participation_case_ids_sql(
    user: Any, membership: Membership | None, *, tlv_open_only: bool = False
) -> tuple[str, tuple[Any, ...]] | None:
    """``participation_case_ids`` as SQL and parameters, for a statement that reads it as a
    subquery, compiled once per process (``prepared``; the start page's TLV work, issue 10).
    None: no participations to read (``involvement_key``).

    ``tlv_open_only``: only those of cases whose TLV application has not ended (a superset of
    the cases of undecided applications: ``Participant.case_tlv_ended_at``)."""
    key = involvement_key(user, membership)
    if key is None:
        return None
    query = _TLV_OPEN_PARTICIPATION_CASE_IDS if tlv_open_only else _PARTICIPATION_CASE_IDS
    return query.sql(user=key.user, organisation=key.organisation)


def involved_among(
    user: Any, membership: Membership | None, case_ids: Iterable[int], **filters: Any
) -> set[int]:
    """Which of these cases the user is involved in (``involved_cases``, narrowed further by
    ``filters``), checked for just these ids, passed as one array parameter.

    For a caller that found a few candidates cheaply (``participation_case_ids``, the items of
    one page) and must check them before it shows or counts anything of them. As a condition
    beside its own query, PostgreSQL read the user's whole involvement instead: the CvA
    secretary's 8,035 cases, by a scan of every case of the region (issue 10, sessions 23
    and 24)."""
    ids = sorted({int(pk) for pk in case_ids})
    key = involvement_key(user, membership)
    if not ids or key is None:
        return set()
    # Compiled once per role and filters (``prepared``); the filters' values are constants.
    shape = (key.role, tuple(sorted(filters.items())))
    return set(_INVOLVED_AMONG.fetch(*shape, user=key.user, organisation=key.organisation, ids=ids))


def _involved_among_query(
    role: str, filters: tuple[tuple[str, Any], ...], *, user: int, organisation: int, ids: Any
) -> QuerySet[Any]:
    """``involved_cases`` among ``ids``, with the active participation as a correlated EXISTS,
    which PostgreSQL may run as one probe of the participations' unique index (case, person,
    organisation) per case. As the join of ``involved_cases`` it read all of the person's
    participations and hashed them: the CvA secretary's 8,044 for a batch of 200 cases of the
    TLV work list, 1.3 against 0.7 ms (issue 10, session 41). For the busiest coordinator's
    1,414 and the 121 cases of their start page it still hashes them, which costs as much as
    121 probes."""
    participates = Participant.objects.filter(
        case_id=OuterRef("pk"), user_id=user, organisation_id=organisation, ended_at__isnull=True
    )
    cases = Case.objects.filter(Exists(participates), pk__in=statements.id_rows(ids))
    return (
        _involvement_of_the_case(cases, user, role)
        .filter(**dict(filters))
        .order_by()
        .values_list("pk", flat=True)
    )


_INVOLVED_AMONG = PreparedQuery(_involved_among_query, user=int, organisation=int, ids=IDS)


@dataclass(frozen=True)
class CaseRow:
    case: Case
    access: CaseAccess

    @property
    def display_name(self) -> str:
        if self.access.can_see(DataCategory.ORDINARY):
            return self.case.display_name
        return self.case.pseudonym


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def row_items(rows: list[CaseRow]) -> list[LogItem]:
    """The access-log items of cases listed (``log_rows``; activity ``ACTIVITY``)."""
    return [
        LogItem(
            subject_pseudonym=case_subject(row.case),
            object_type="cases.case",
            object_id=str(row.case.pk),
            data_categories=(DataCategory.ORDINARY,)
            if row.access.can_see(DataCategory.ORDINARY)
            else (),
            legal_ground=row.access.legal_ground_summary,
        )
        for row in rows
    ]


def log_rows(request: HttpRequest, rows: list[CaseRow], action: str = "list") -> None:
    record_access_many(
        AccessContext.from_request(request), row_items(rows), action=action, activity=ACTIVITY
    )


def decide_rows(request: HttpRequest, cases: list[Case]) -> list[CaseRow]:
    """Applies the policy to cases fetched with `with_policy_data` (no extra queries per case)."""
    user, membership = request.user, _membership(request)
    # The phases' categories read with the cases' policy input (``attach_row_policy_data``),
    # else on first use.
    read = getattr(cases[0], "policy_phase_categories", None) if cases else None
    policies = read if read is not None else LazyPhasePolicies()
    rows = [CaseRow(c, decide_case(user, membership, c, phase_categories=policies)) for c in cases]
    return [row for row in rows if row.access.allowed]


def get_case(
    request: HttpRequest, case_id: object, *, action: str = "view", shows_grounds: bool = True
) -> CaseRow:
    """One case for the acting user, or Http404 — and an access-log entry either way.

    ``shows_grounds=False`` when the caller will not show the case's consents, legal grounds and
    justifications (``case_with_viewer_grounds``: only the viewer's own are read, as the
    policy's input ``policy_<relation>``; never show those)."""
    context = AccessContext.from_request(request)
    pk = _valid_id(case_id)
    membership = _membership(request)
    case = _case_for_view(pk, membership, shows_grounds, request.user) if pk else None
    access = (
        decide_case(
            request.user,
            membership,
            case,
            # Read with the case (``_case_alone``, ``attach_row_policy_data``).
            phase_categories=getattr(case, "policy_phase_categories", None),
        )
        if case is not None
        else None
    )
    if case is None or access is None or not access.allowed:
        record_access(
            context,
            action=action,
            activity=ACTIVITY,
            outcome=Outcome.DENIED,
            subject_pseudonym=case_subject(case) if case is not None else "",
            object_type="cases.case",
            object_id=str(case_id)[:64],
            reason=access.denied_reason if access is not None else "does not exist",
        )
        raise Http404
    record_access(
        context,
        action=action,
        activity=ACTIVITY,
        subject_pseudonym=case_subject(case),
        obj=case,
        data_categories=access.categories,
        legal_ground=access.legal_ground_summary,
    )
    return CaseRow(case, access)


def _case_for_view(
    pk: int, membership: Membership | None, shows_grounds: bool, user: Any = None
) -> Case | None:
    if shows_grounds or membership is None:
        return case_with_policy_data(pk)
    return case_with_viewer_grounds(pk, user if user is not None else membership.user, membership)


def _valid_id(value: object) -> int | None:
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


def visible_entries(row: CaseRow) -> list[CaseEntry]:
    """Items of the case the viewer may see: by category, or because they supplied it (CON-06)."""
    return visible_among(row, entries_statement().instances([row.case.pk]))


def visible_among(row: CaseRow, entries: list[CaseEntry]) -> list[CaseEntry]:
    """Of the case's entries, read by ``entries_statement``, those the viewer may see (CON-06)."""
    return [e for e in entries if row.access.can_see_entry(e)]


@functools.cache
def entries_statement() -> statements.Statement:
    """A case's entries with their supplier, newest first (``CaseEntry.Meta.ordering``), with
    the case's id as its one parameter. Only for ``visible_among``."""
    return statements.Statement(
        CaseEntry,
        joins=("supplied_by",),
        tail="WHERE t.case_id = %s",
        order=statements.ordering(CaseEntry, "t"),
    )
