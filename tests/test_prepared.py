"""``passend.prepared`` (issue 10, session 30): a queryset compiled once per process and shape
gives, for every run's values, what the queryset built with those values gives (instances with
their joined rows, tuples, aggregates, prefetches), never the values of another run; a builder
whose SQL or parameters do not follow its values is refused before first use."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models import Count, Min, Q, QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passend.accounts.models import Membership, Role
from passend.prepared import IDS, PreparedError, PreparedQuery, aggregated, opaque_id
from passend.pupils.models import Enrolment, Pupil
from passend.statements import id_rows
from passend.terms.models import TermRule
from tests.conftest import make_professional

pytestmark = pytest.mark.django_db


def values(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def memberships(
    role: str, limit: int, *, organisation: int, users: Any, since: dt.date, made: dt.datetime
) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(
            organisation_id=organisation,
            user_id__in=id_rows(users),
            valid_from__gte=since,
            created_at__lte=made,
        )
        .filter(Q(role=role) | Q(user__username__startswith="prep-"))
        .select_related("user", "organisation")
        .order_by("id")[:limit]
    )


MEMBERSHIPS = PreparedQuery(
    memberships, organisation=int, users=IDS, since=dt.date, made=dt.datetime
)


@pytest.fixture
def people(region: dict[str, Any]) -> dict[str, Any]:
    a = [
        make_professional(region["school_a"], Role.SUPPORT_COORDINATOR, username=f"prep-a{n}")
        for n in range(3)
    ]
    b = [
        make_professional(region["school_b"], Role.SUPPORT_COORDINATOR, username=f"prep-b{n}")
        for n in range(2)
    ]
    return {"a": a, "b": b, "school_a": region["school_a"], "school_b": region["school_b"]}


def test_each_run_gives_what_the_queryset_with_its_values_gives(people: dict[str, Any]) -> None:
    today = timezone.localdate()
    later = timezone.now() + dt.timedelta(minutes=1)
    runs = [
        (people["school_a"].pk, [u.pk for u in people["a"]]),
        (people["school_b"].pk, [u.pk for u in people["b"]]),
        (people["school_a"].pk, [people["a"][1].pk]),
        (people["school_b"].pk, [u.pk for u in people["a"]]),  # nobody of school A at school B
    ]
    for organisation, users in runs:
        kwargs = {"organisation": organisation, "users": users, "since": today, "made": later}
        ours = MEMBERSHIPS.fetch(Role.SUPPORT_COORDINATOR, 10, **kwargs)
        theirs = list(memberships(Role.SUPPORT_COORDINATOR, 10, **kwargs))
        assert [m.pk for m in ours] == [m.pk for m in theirs]
        assert {m.organisation_id for m in ours} <= {organisation}
        with CaptureQueriesContext(connection) as captured:
            for mine, other in zip(ours, theirs, strict=True):
                assert values(mine) == values(other)
                assert values(mine.user) == values(other.user)
                assert values(mine.organisation) == values(other.organisation)
        assert len(captured) == 0  # the joined rows are cached, as select_related caches them
    # A date after every membership's start: none, though the plan was made with other values.
    assert not MEMBERSHIPS.fetch(
        Role.SUPPORT_COORDINATOR,
        10,
        organisation=people["school_a"].pk,
        users=[u.pk for u in people["a"]],
        since=today + dt.timedelta(days=1),
        made=later,
    )
    assert len(MEMBERSHIPS._plans) == 1
    # A plan's repr (an error report's variables) does not run the queryset of markers.
    with CaptureQueriesContext(connection) as captured:
        assert "Membership" not in repr(next(iter(MEMBERSHIPS._plans.values())))
    assert len(captured) == 0


def test_the_sql_of_a_run_is_what_the_queryset_with_its_values_compiles_to(
    people: dict[str, Any],
) -> None:
    """``sql``: a run's SQL and parameters for a statement of one's own (session 31), the same
    as Django's for the queryset built with the run's values, and they select what it does."""
    today = timezone.localdate()
    later = timezone.now() + dt.timedelta(minutes=1)
    for organisation, users, found in (
        (people["school_a"].pk, [u.pk for u in people["a"]], 3),
        (people["school_b"].pk, [people["b"][0].pk], 1),
    ):
        kwargs = {"organisation": organisation, "users": users, "since": today, "made": later}
        sql, params = MEMBERSHIPS.sql(Role.SUPPORT_COORDINATOR, 5, **kwargs)
        queryset = memberships(Role.SUPPORT_COORDINATOR, 5, **kwargs)
        assert (sql, params) == queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            assert [row[0] for row in cursor.fetchall()] == [m.pk for m in queryset]
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) s", params)  # noqa: S608 - as a subquery
            assert cursor.fetchone() == (found,)
    with pytest.raises(PreparedError):
        MEMBERSHIPS.sql(Role.SUPPORT_COORDINATOR, 5, organisation=1, users=[1], since=today)


def test_a_shape_is_compiled_once_and_a_limit_is_part_of_the_shape(
    people: dict[str, Any],
) -> None:
    built: list[tuple[Any, ...]] = []

    def counted(role: str, limit: int, **kwargs: Any) -> QuerySet[Membership]:
        built.append((role, limit))
        return memberships(role, limit, **kwargs)

    prepared = PreparedQuery(counted, organisation=int, users=IDS, since=dt.date, made=dt.datetime)
    users = [u.pk for u in people["a"]]
    kwargs = {"users": users, "since": timezone.localdate(), "made": timezone.now()}
    for _ in range(3):
        assert len(prepared.fetch("x", 2, organisation=people["school_a"].pk, **kwargs)) == 2
        assert len(prepared.fetch("x", 1, organisation=people["school_b"].pk, **kwargs)) == 0
    assert len(prepared.fetch("x", 1, organisation=people["school_a"].pk, **kwargs)) == 1
    # Two compilations per shape (the check of its markers), never one per run.
    assert built == [("x", 2), ("x", 2), ("x", 1), ("x", 1)]


def test_values_lists_aggregates_and_prefetches(people: dict[str, Any]) -> None:
    school_a, school_b = people["school_a"].pk, people["school_b"].pk

    def counts(*, organisation: int, since: dt.date) -> Any:
        return aggregated(
            Membership.objects.filter(organisation_id=organisation),
            total=Count("pk"),
            recent=Count("pk", filter=Q(valid_from__gte=since)),
            first=Min("valid_from"),
        )

    prepared = PreparedQuery(counts, organisation=int, since=dt.date)
    today = timezone.localdate()
    assert prepared.fetch(organisation=school_a, since=today) == [(3, 3, today)]
    assert prepared.fetch(organisation=school_b, since=today + dt.timedelta(days=1)) == [
        (2, 0, today)
    ]
    nobody = max(school_a, school_b) + 1000
    assert prepared.fetch(organisation=nobody, since=today) == [(0, 0, None)]

    names = PreparedQuery(
        lambda *, organisation: (
            Membership.objects.filter(organisation_id=organisation)
            .order_by("user__username")
            .values_list("user__username", flat=True)
        ),
        organisation=int,
    )
    assert names.fetch(organisation=school_b) == ["prep-b0", "prep-b1"]

    with_memberships = PreparedQuery(
        lambda *, organisation: (
            Membership.objects.filter(organisation_id=organisation)
            .select_related("user")
            .prefetch_related("user__memberships")
            .order_by("id")
        ),
        organisation=int,
    )
    found = with_memberships.fetch(organisation=school_a)
    with CaptureQueriesContext(connection) as captured:
        assert [len(m.user.memberships.all()) for m in found] == [1, 1, 1]
    assert len(captured) == 0


def test_a_builder_whose_parameters_do_not_follow_its_values_is_refused(
    people: dict[str, Any],
) -> None:
    derived = PreparedQuery(
        lambda *, since: Membership.objects.filter(valid_from__gte=since - dt.timedelta(days=30)),
        since=dt.date,
    )
    with pytest.raises(PreparedError, match="derived"):
        derived.fetch(since=timezone.localdate())
    unused = PreparedQuery(lambda *, organisation: Membership.objects.all(), organisation=int)
    with pytest.raises(PreparedError, match="not a parameter"):
        unused.fetch(organisation=people["school_a"].pk)
    # A value that decides the SQL rather than filling a parameter.
    shaped = PreparedQuery(
        lambda *, organisation: Membership.objects.filter(
            **{"user_id__gt" if organisation > 2_000_050_000 else "user_id__lt": 5}
        ).filter(organisation_id=organisation),
        organisation=int,
    )
    with pytest.raises(PreparedError, match="depends on a value"):
        shaped.fetch(organisation=people["school_a"].pk)
    with pytest.raises(PreparedError, match="values"):
        MEMBERSHIPS.fetch("x", 1, organisation=people["school_a"].pk)
    with pytest.raises(PreparedError, match="since: str"):
        MEMBERSHIPS.fetch(
            "x",
            1,
            organisation=people["school_a"].pk,
            users=[],
            since="2026-01-01",
            made=timezone.now(),
        )
    with pytest.raises(PreparedError, match="since: datetime"):
        MEMBERSHIPS.fetch(
            "x", 1, organisation=1, users=[], since=timezone.now(), made=timezone.now()
        )
    with pytest.raises(PreparedError, match="unknown kind"):
        PreparedQuery(memberships, organisation=float)


def test_a_plan_made_in_one_thread_runs_on_another_threads_connection() -> None:
    """A threaded server (and the live server of the browser tests) runs a plan on threads
    other than the one that compiled it, each with a connection of its own: Django refuses a
    connection used outside its thread. The rows are the term rules the migrations wrote
    (committed, so the other thread's connection sees them too)."""
    codes = PreparedQuery(
        lambda *, first: (
            TermRule.objects.filter(pk__gte=first).order_by("code").values_list("code", flat=True)
        ),
        first=int,
    )
    expected = codes.fetch(first=0)  # compiled on this thread
    assert "subject-request" in expected
    found: list[Any] = []

    def other() -> None:
        try:
            found.append(codes.fetch(first=0))
        except Exception as error:  # reported to the test's thread
            found.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert found == [expected]


def test_a_plan_works_out_its_columns_converters_once(
    people: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10 (session 42): Django looks up each column's converters at every execution; a
    plan does it at its first run only, and every later run converts its values as the
    queryset does (a datetime read as text on SQLite becomes an aware datetime)."""
    from django.db.models.sql.compiler import SQLCompiler

    looked_up: list[int] = []
    original = SQLCompiler.get_converters

    def counted(compiler: Any, expressions: Any) -> Any:
        looked_up.append(len(expressions))
        return original(compiler, expressions)

    monkeypatch.setattr(SQLCompiler, "get_converters", counted)

    def made(*, organisation: int) -> QuerySet[Any]:
        return (
            Membership.objects.filter(organisation_id=organisation)
            .order_by("id")
            .values_list("id", "created_at", "valid_from")
        )

    query = PreparedQuery(made, organisation=int)
    for school in ("school_a", "school_b", "school_a"):
        organisation = people[school].pk
        ours = query.fetch(organisation=organisation)
        assert ours == list(made(organisation=organisation)) and ours
        assert all(isinstance(at, dt.datetime) and at.tzinfo is not None for _, at, _ in ours)
        assert all(type(since) is dt.date for *_, since in ours)
    looked_up.clear()
    query.fetch(organisation=people["school_b"].pk)
    assert looked_up == []  # the plan's own, worked out at its first run


def _enrolments_of(pupil: Any) -> list[int]:
    return list(
        Enrolment.objects.filter(pupil_id=pupil).order_by("id").values_list("id", flat=True)
    )


def test_an_opaque_id_selects_what_the_value_selects(region: dict[str, Any]) -> None:
    """``opaque_id`` (issue 10, session 42) is the value in the SQL's result: the same rows,
    on SQLite and PostgreSQL, for an id a column holds and one it does not."""
    school = region["school_a"]
    pupils = Pupil.objects.bulk_create(
        Pupil(first_name=f"Plan{n}", last_name="Opaak", birth_date=dt.date(2012, 1, 1))
        for n in range(3)
    )
    Enrolment.objects.bulk_create(
        Enrolment(pupil=pupil, school=school, start_date=dt.date(2024, 8, 1 + n))
        for n, pupil in enumerate(pupils)
    )
    for pupil in pupils:
        assert _enrolments_of(opaque_id(pupil.pk)) == _enrolments_of(pupil.pk)
        assert len(_enrolments_of(opaque_id(pupil.pk))) == 1
    assert _enrolments_of(opaque_id(2**40)) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan cache")
def test_an_opaque_id_is_planned_once_where_a_value_is_planned_at_every_execution(
    region: dict[str, Any],
) -> None:
    """Issue 10 (session 42): a prepared statement whose value PostgreSQL's statistics know as
    rare (a pupil with one enrolment beside one with 20,000) is planned again at every
    execution: the plan for the value looks cheaper than the generic one. Compared with an
    ``opaque_id``, the two cost the same, and after its trial executions PostgreSQL keeps the
    generic plan. Fails if ``opaque_id`` passes the value to the planner."""
    school = region["school_a"]
    busy, *quiet = Pupil.objects.bulk_create(
        Pupil(first_name=f"Plan{n}", last_name="Opaak", birth_date=dt.date(2012, 1, 1))
        for n in range(61)
    )
    Enrolment.objects.bulk_create(
        [
            Enrolment(pupil=busy, school=school, start_date=dt.date(1950, 1, 1) + dt.timedelta(n))
            for n in range(20_000)
        ]
        + [
            Enrolment(pupil=pupil, school=school, start_date=dt.date(2024, 8, 20))
            for pupil in quiet
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE pupils_enrolment")
    for _ in range(10):
        assert len(_enrolments_of(quiet[0].pk)) == 1
        assert len(_enrolments_of(opaque_id(quiet[0].pk))) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ['%"pupils_enrolment"."pupil_id" = %'],
        )
        plans = {"(SELECT" in statement: (generic, custom) for statement, generic, custom in cursor}
    plans.setdefault(True, (0, 0))
    assert plans[False][0] == 0 and plans[False][1] >= 8  # the value: planned every time
    assert plans[True][0] >= 3  # hidden: the generic plan, after the trial executions
