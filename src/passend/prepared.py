"""Querysets that Django compiles once per process (issue 10, session 30).

A start page runs about a dozen small querysets, each scoped by the user's involvement. Django
builds and compiles each of them again on every request: on the busiest coordinator's start
page that is about a third of the Python time, more than the database's own. A
``PreparedQuery`` builds its queryset once, with stand-in values ("markers") for the values
that differ per request, and keeps Django's compiled SQL, its column layout and the positions
of the markers among the parameters. Each run puts the request's values in those positions
and reads the rows with Django's own iterable (model instances with ``select_related``,
``values_list`` tuples, converters), so the SQL is exactly the one Django writes for the
queryset.

The builder must be a function of its arguments only, and must use each value as a
parameter of the query, never to decide its shape (no ``if ids:``): what decides the shape
(a role, a limit) is a ``shape`` argument, and each shape is compiled once. The builder is
compiled twice, with two sets of markers, before first use; it is refused (``PreparedError``)
when the two SQL texts differ, or when a parameter differs that is not one of the markers (a
value derived from one, such as ``today - 30 days``: pass it as a value of its own).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections
from django.db.models import BigIntegerField, DateTimeField, Func, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone

from passend import statements

# The kinds of value a prepared query takes, with two markers each (the position of a value
# among the parameters is where the two compilations differ). The integers fit a 32-bit
# column: Django 5+ compiles an out-of-range integer lookup to an empty result (no parameter).
IDS = "ids"  # a list of ids as one parameter (``statements.id_rows``)
_KINDS: dict[Any, Callable[[int, int], Any]] = {
    int: lambda run, n: 2_000_000_001 + run * 100_000 + n,
    str: lambda run, n: f"\ue000prepared-{run}-{n}",
    dt.date: lambda run, n: dt.date(2101 + run, 1, 1) + dt.timedelta(days=n),
    dt.datetime: lambda run, n: (
        dt.datetime(2101 + run, 1, 1, 12, tzinfo=dt.UTC) + dt.timedelta(days=n)
    ),
    IDS: lambda run, n: [2_000_000_001 + run * 100_000 + n, 2_000_050_001 + run * 100_000 + n],
}


class _Opaque(Func):
    template = "(SELECT %(expressions)s)"


def opaque_id(value: Any) -> Func:
    """An id to compare a column with, which PostgreSQL's planner does not look at: ``(SELECT
    value)``, evaluated once per execution (an InitPlan) and then used as any value, by an
    index too.

    For a prepared statement whose best plan is the same for every value (a school's few rows
    by the school's index), but whose plan for one value PostgreSQL estimates a little cheaper
    than its generic plan: a busy coordinator's 1,468 participations are in its statistics, an
    average person's are not. It then plans the statement again at every execution, which
    took 0.3 to 0.5 ms of its time per statement, more than running it (issue 10,
    docs/performance.md "Session 42"). With the value hidden the two plans cost the same, and
    after its five trial executions PostgreSQL keeps the generic plan. Not for a value that
    should choose the plan (a report's school year, a filter that holds most rows or few)."""
    return _Opaque(Cast(Value(value), BigIntegerField()), output_field=BigIntegerField())


def opaque_moment(value: Any) -> Func:
    """``opaque_id`` for a moment: a keyset position's time. Planned for its value, the
    position of a deep page looked cheaper to PostgreSQL (its statistics hold few rows before
    it) than the same index range scan planned for any position, so it planned the case list's
    keys again at every page, 0.5 to 0.7 ms each, more than running them (issue 10,
    docs/performance.md "Session 45")."""
    # No cast: the driver sends the value typed (PostgreSQL) or as the text it is stored as
    # (SQLite, where Django casts a datetime through strftime, to milliseconds).
    field = DateTimeField()
    return _Opaque(Value(value, output_field=field), output_field=field)


class PreparedError(RuntimeError):
    """The builder cannot be prepared: its shape or a parameter depends on a value."""


def _as_parameter(kind: Any, value: Any) -> Any:
    """A value as Django passes it to the driver for this kind."""
    if kind is IDS:
        return statements.id_list(value)
    if kind is dt.datetime:
        return connection.ops.adapt_datetimefield_value(value)
    if kind is dt.date:
        return connection.ops.adapt_datefield_value(value)
    return value


class _Compiled:
    """A compiled queryset: its compiler (already set up by ``as_sql``) returns the prepared
    SQL with the parameters of one run."""

    def __init__(self, query: Any, compiler: Any) -> None:
        self._query = query
        self._compiler = compiler

    def get_compiler(
        self, using: Any = None, connection: Any = None, elide_empty: bool = True
    ) -> Any:
        return self._compiler

    def __getattr__(self, name: str) -> Any:
        return getattr(self._query, name)


@dataclass(frozen=True)
class _Compilation:
    # Not in the repr: a queryset's repr runs it (with the markers), as would an error
    # report that shows its frame's variables.
    queryset: QuerySet[Any] = field(repr=False)
    compiler: Any = field(repr=False)
    sql: str
    params: tuple[Any, ...]
    markers: dict[str, Any]


@dataclass(frozen=True)
class _Plan:
    queryset: QuerySet[Any] = field(repr=False)  # as in ``_Compilation``
    compiler: Any = field(repr=False)
    sql: str
    # Per parameter: (the name of the value that goes there, None), or (None, the constant).
    slots: tuple[tuple[str | None, Any], ...]
    # The converters of the columns read (``_converters``), once worked out.
    converters: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def statement(
        self, values: dict[str, Any], kinds: dict[str, Any]
    ) -> tuple[str, tuple[Any, ...]]:
        params = tuple(
            _as_parameter(kinds[name], values[name]) if name is not None else constant
            for name, constant in self.slots
        )
        return self.sql, params

    def run(self, values: dict[str, Any], kinds: dict[str, Any]) -> list[Any]:
        sql, params = self.statement(values, kinds)
        compiler = copy.copy(self.compiler)
        # This thread's connection: the plan was compiled on the connection of whichever
        # thread ran it first, which another thread may not use (a threaded server, the test
        # suite's live server).
        compiler.connection = connections[compiler.using]
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        compiler.get_converters = self._converters(compiler.get_converters)
        template = self.queryset
        # A copy of the built queryset's state (``copy.copy`` would evaluate it: a queryset
        # pickles its rows), not yet evaluated, reading through the prepared compiler.
        queryset = template.__class__.__new__(template.__class__)
        vars(queryset).update(
            vars(template),
            _result_cache=None,
            _prefetch_done=False,
            _query=_Compiled(template.query, compiler),
        )
        return list(queryset)

    def _converters(self, work_out: Callable[[list[Any]], Any]) -> Callable[[list[Any]], Any]:
        """The compiler's ``get_converters``, worked out once per plan: Django looks up each
        column's converters at every execution, for the same columns (the plan's compiled
        select, shared by every run's copy of the compiler); 0.2 ms of a start page's CPU
        (issue 10, session 42). The converters are the fields' and the backend's, called with
        the run's own connection."""
        memo = self.converters

        def get_converters(expressions: list[Any]) -> Any:
            known = memo.get("columns")
            if (
                known is not None
                and len(known[0]) == len(expressions)
                and all(a is b for a, b in zip(known[0], expressions, strict=True))
            ):
                return known[1]
            found = work_out(expressions)
            memo["columns"] = (list(expressions), found)  # one assignment: threads may share it
            return found

        return get_converters


class PreparedQuery:
    """``build(*shape, **values)`` compiled once per shape and database; ``fetch`` runs it.

    ``kinds`` names each value and its kind: ``int``, ``str``, ``datetime.date``,
    ``datetime.datetime`` or ``IDS``. ``fetch`` returns what iterating the queryset returns
    (model instances, or tuples for ``values_list``), with ``prefetch_related`` applied."""

    def __init__(self, build: Callable[..., QuerySet[Any]], **kinds: Any) -> None:
        unknown = [name for name, kind in kinds.items() if kind not in _KINDS]
        if unknown:
            raise PreparedError(f"unknown kind of value: {', '.join(unknown)}")
        self.build = build
        self.kinds = kinds
        self._plans: dict[Hashable, _Plan] = {}

    def fetch(self, *shape: Hashable, **values: Any) -> list[Any]:
        return self._plan(shape, values).run(values, self.kinds)

    def sql(self, *shape: Hashable, **values: Any) -> tuple[str, tuple[Any, ...]]:
        """The SQL and parameters of a run, as ``queryset.query.sql_with_params()`` gives them:
        for a statement of one's own that reads this query as a subquery."""
        return self._plan(shape, values).statement(values, self.kinds)

    def _plan(self, shape: tuple[Hashable, ...], values: dict[str, Any]) -> _Plan:
        if values.keys() != self.kinds.keys():
            raise PreparedError(f"values {sorted(values)} for {sorted(self.kinds)}")
        for name, kind in self.kinds.items():
            # The ORM would convert a value of another type by its field; here it is passed
            # to the driver as it is.
            value = values[name]
            expected = (list, tuple) if kind is IDS else kind
            if not isinstance(value, expected) or (
                kind is dt.date and isinstance(value, dt.datetime)
            ):
                raise PreparedError(f"{name}: {type(value).__name__}, not {kind}")
        key = (connection.alias, connection.vendor, timezone.get_current_timezone_name(), shape)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._prepare(shape)
        return plan

    def _compile(self, shape: tuple[Hashable, ...], run: int) -> _Compilation:
        markers = {name: _KINDS[kind](run, n) for n, (name, kind) in enumerate(self.kinds.items())}
        queryset = self.build(*shape, **markers)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        return _Compilation(queryset, compiler, sql, tuple(params), markers)

    def _prepare(self, shape: tuple[Hashable, ...]) -> _Plan:
        one, other = self._compile(shape, 0), self._compile(shape, 1)
        if one.sql != other.sql or len(one.params) != len(other.params):
            raise PreparedError(f"{self.build.__qualname__}: its SQL depends on a value")

        def marked(position: int) -> str | None:
            """The value whose markers are the parameter at ``position`` in both."""
            for name, kind in self.kinds.items():
                if (
                    _as_parameter(kind, one.markers[name]) == one.params[position]
                    and _as_parameter(kind, other.markers[name]) == other.params[position]
                ):
                    return name
            return None

        slots: list[tuple[str | None, Any]] = []
        for position, constant in enumerate(one.params):
            if constant == other.params[position]:
                slots.append((None, constant))
                continue
            name = marked(position)
            if name is None:
                raise PreparedError(
                    f"{self.build.__qualname__}: a parameter is derived from a value; "
                    "pass it as a value of its own"
                )
            slots.append((name, None))
        unused = set(self.kinds) - {name for name, _constant in slots}
        if unused:
            raise PreparedError(
                f"{self.build.__qualname__}: {', '.join(sorted(unused))} not a parameter"
            )
        return _Plan(one.queryset, one.compiler, one.sql, tuple(slots))


def aggregated(queryset: QuerySet[Any], **aggregates: Any) -> QuerySet[Any]:
    """``queryset.aggregate(**aggregates)`` as a queryset of one row (the values in the order
    given), for a builder: grouped by a constant, which Django leaves out of the GROUP BY, so
    the aggregates run over every row and an empty set still gives one row (counts 0)."""
    return (
        queryset.order_by()
        .annotate(_all=Value(1))
        .values("_all")
        .annotate(**aggregates)
        .values_list(*aggregates)
    )
