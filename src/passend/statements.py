"""Model instances from statements written once per process (issue 10, session 13).

A page that reads one case and its related rows spends most of its database time in Django
building and compiling the queries, not in the database: on the case page, the eleven
querysets of the case and its relations took 40 % of the view, of which the statements
themselves took a third. These statements are built once from the models' own table and
column names (``Statement``), run with the case's id, and their rows become ordinary model
instances with Django's own converters, with the joined rows cached on them as
``select_related`` leaves them and the reverse relations as ``prefetch_related`` leaves them
(``attach``). Only names from the models' meta and constants go into the SQL text.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.expressions import RawSQL
from psycopg.adapt import Dumper

from passend.modelbase import model_from_columns

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass(frozen=True)
class _Part:
    """One model's columns in a statement's rows."""

    model: Any
    field: Any  # the forward relation that joined it (None: the statement's own model)
    parent: int  # the part whose instance it is cached on (its position; the first: itself)
    attnames: tuple[str, ...]  # in the model's field order; all of them, or ``only``
    start: int
    converters: tuple[tuple[int, tuple[Any, ...]], ...]  # (position in attnames, converters)
    key: int  # the position in a row of the model's primary key
    make: Callable[[Any, tuple[str, ...], list[Any]], Model]  # ``from_columns``'s signature

    def instance(self, row: Sequence[Any], db: BaseDatabaseWrapper) -> Model:
        """The instance of this part's columns of ``row``, read through ``db`` (the
        connection itself, not the ``connection`` proxy: each attribute of the proxy is looked
        up in a context-local store, and a list page makes some 250 instances; issue 10)."""
        values = list(row[self.start : self.start + len(self.attnames)])
        for position, converters in self.converters:
            value = values[position]
            for convert in converters:
                value = convert(value, None, db)
            values[position] = value
        # All columns, or (``only``) these, the others deferred as ``.only()`` leaves them.
        return self.make(db.alias, self.attnames, values)


def _part(model: Any, field: Any, parent: int, only: tuple[str, ...], start: int) -> _Part:
    """The layout of ``model``'s columns (``only`` these and its key, or all) from ``start``."""
    fields = _fields(model, only)
    attnames = tuple(f.attname for f in fields)
    return _Part(
        model,
        field,
        parent,
        attnames,
        start,
        _converters(fields, model._meta.db_table),
        start + attnames.index(model._meta.pk.attname),
        model_from_columns(model),
    )


def _fields(model: Any, only: tuple[str, ...]) -> list[Any]:
    fields = list(model._meta.concrete_fields)
    if not only:
        return fields
    wanted = {model._meta.get_field(name).attname for name in (*only, model._meta.pk.name)}
    return [f for f in fields if f.attname in wanted]


def _converters(fields: list[Any], table: str) -> tuple[tuple[int, tuple[Any, ...]], ...]:
    """Django's conversions of columns read without the ORM (SQLite's dates and booleans,
    JSON), as (position, converters) for the columns that have any."""
    found = []
    for position, field in enumerate(fields):
        column = field.get_col(table)
        converters = (
            *connection.ops.get_db_converters(column),
            *column.get_db_converters(connection),
        )
        if converters:
            found.append((position, converters))
    return tuple(found)


def columns(model: Any, alias: str, only: tuple[str, ...] = ()) -> str:
    """The model's columns (or ``only`` these and its key) in its field order, for a SELECT."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in _fields(model, only))


def ordering(model: Any, alias: str, *, tie: str = "") -> str:
    """The model's ``Meta.ordering`` (plain fields only) as an ORDER BY list."""
    quote = connection.ops.quote_name
    terms = []
    for name in model._meta.ordering:
        if not isinstance(name, str) or "__" in name:
            raise ValueError(f"{model.__name__}: only plain fields can order a statement")
        descending = name.startswith("-")
        field = model._meta.get_field(name.lstrip("-"))
        terms.append(f"{alias}.{quote(field.column)}{' DESC' if descending else ''}")
    if tie:
        terms.append(tie)
    return ", ".join(terms)


def among(column: str) -> str:
    """``column`` is one of a list given as one parameter (``id_list``): the SQL text is the
    same for any number of ids."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)"
    return f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - a column name


class IdArray(list[int]):
    """Ids as one ``bigint[]`` parameter (``id_list`` on PostgreSQL), sent as one array
    literal (``_IdArrayDumper``). psycopg adapts a plain list element by element in Python,
    choosing each integer's type: about a microsecond an id, 0.2 ms of CPU for the 200 ids of
    a batch of the TLV work list, against 0.04 ms as one literal (issue 10, session 41)."""


class _IdArrayDumper(Dumper):
    oid = psycopg.postgres.types["int8"].array_oid

    def dump(self, obj: IdArray) -> bytes:
        return ("{" + ",".join(map(str, obj)) + "}").encode()


# For every connection made from now on: Django opens them lazily, after the apps (whose
# selectors import this module) are loaded. One made before would adapt the list as psycopg
# does any list: the same array, more slowly.
psycopg.adapters.register_dumper(IdArray, _IdArrayDumper)


def id_list(ids: Iterable[int]) -> Any:
    """The parameter of ``among``: an array (PostgreSQL) or JSON text (SQLite)."""
    numbers = [int(pk) for pk in ids]
    return IdArray(numbers) if connection.vendor == "postgresql" else json.dumps(numbers)


def id_rows(ids: Sequence[int]) -> RawSQL:
    """``ids`` as the rows of one parameter, for the ORM: ``pupil_id__in=id_rows(ids)``. The
    statement's text and parameters are the same for any number of ids: a school's 20,000
    pupils as 20,000 placeholders cost the driver and the server more than the query itself
    (the absence detection's scan 500-740 -> 340-365 ms, session 21)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [id_list(ids)])
    return RawSQL("SELECT value FROM json_each(%s)", [id_list(ids)])


def id_texts(ids: Sequence[int]) -> RawSQL:
    """``id_rows`` as text, for a text column that holds ids (a term's ``object_id``): the
    column compared as it is, so that its index is used. The parameter is ``id_list``'s, as a
    ``prepared.PreparedQuery`` of kind ``IDS`` expects."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT CAST(unnest(%s::bigint[]) AS text)", [id_list(ids)])
    return RawSQL("SELECT CAST(value AS TEXT) FROM json_each(%s)", [id_list(ids)])


Join = str | tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Statement:
    """A SELECT of ``model`` (alias ``t``; ``only`` these columns and its key, or all) with the
    forward relations ``joins`` joined (alias ``j0``, ``j1`` …; a name, or a name with the
    columns to read; ``a__b`` follows ``b`` from the joined ``a``, which comes first; LEFT JOIN
    where the key may be empty, and below a LEFT JOIN), the ``extra`` SQL expressions after
    the columns, ``more_from`` after the table, ``tail`` (WHERE, or WHERE and ORDER BY) after
    the joins and ``order`` (an ORDER BY list) after that. Built on first use and kept, so its
    SQL and layout follow the connection's vendor.

    To be read with others in one round trip (``Together``), its order goes in ``order``, not
    in ``tail``, and ``extra_fields`` give its extras' types (a model field each, whose
    ``cast_db_type`` is used)."""

    model: type[Model]
    tail: str
    joins: tuple[Join, ...] = ()
    extra: tuple[str, ...] = ()
    more_from: str = ""
    only: tuple[str, ...] = ()
    order: str = ""
    extra_fields: tuple[Any, ...] = ()

    @functools.cached_property
    def _parts(self) -> tuple[_Part, ...]:
        specs: list[tuple[Any, Any, int, tuple[str, ...]]] = [(self.model, None, 0, self.only)]
        paths = [""]
        for join in self.joins:
            path, only = (join, ()) if isinstance(join, str) else join
            above, _, name = path.rpartition("__")
            parent = paths.index(above)  # the joined relation it follows, listed before it
            field = specs[parent][0]._meta.get_field(name)
            specs.append((field.related_model, field, parent, only))
            paths.append(path)
        parts, start = [], 0
        for model, field, parent, only in specs:
            parts.append(_part(model, field, parent, only, start))
            start += len(parts[-1].attnames)
        return tuple(parts)

    @functools.cached_property
    def _selected(self) -> tuple[list[str], str]:
        """The SELECT list (the columns, then ``extra``) and what follows it (FROM …)."""
        quote = connection.ops.quote_name
        selected = [columns(self.model, "t", self.only)]
        joined = []
        aliases, outer = ["t"], [False]
        for number, (part, join) in enumerate(zip(self._parts[1:], self.joins, strict=True)):
            alias = f"j{number}"
            target = part.model._meta
            selected.append(columns(part.model, alias, () if isinstance(join, str) else join[1]))
            left = part.field.null or outer[part.parent]
            joined.append(
                f"{'LEFT JOIN' if left else 'JOIN'} {quote(target.db_table)} {alias} "
                f"ON {alias}.{quote(target.pk.column)} = "
                f"{aliases[part.parent]}.{quote(part.field.column)}"
            )
            aliases.append(alias)
            outer.append(left)
        selected.extend(self.extra)
        rest = (
            f"FROM {quote(self.model._meta.db_table)} t "
            f"{self.more_from} {' '.join(joined)} {self.tail}"
        )
        return selected, rest

    @functools.cached_property
    def sql(self) -> str:
        selected, rest = self._selected
        order = f" ORDER BY {self.order}" if self.order else ""
        return f"SELECT {', '.join(selected)} {rest}{order}"

    @functools.cached_property
    def _nulls(self) -> list[str]:
        """Typed NULLs in the place of each column and extra (``Together``)."""
        if len(self.extra_fields) != len(self.extra):
            raise ValueError(f"{self.model.__name__}: give the type of each extra (extra_fields)")
        fields = [
            field
            for part in self._parts
            for field in part.model._meta.concrete_fields
            if field.attname in part.attnames
        ]
        return [f"CAST(NULL AS {field.cast_db_type(connection)})" for field in fields] + [
            f"CAST(NULL AS {field.cast_db_type(connection)})" for field in self.extra_fields
        ]

    @functools.cached_property
    def _layout(self) -> _Layout:
        return _Layout.of(self)

    @functools.cached_property
    def width(self) -> int:
        """The number of columns of its rows, ``extra`` included."""
        return sum(len(part.attnames) for part in self._parts) + len(self.extra)

    def rows(self, params: Sequence[Any]) -> list[tuple[Model, tuple[Any, ...]]]:
        """The instances with their joined rows cached, each with the values of ``extra``.

        A joined row that recurs (the owner or the director of many cases in a list) becomes
        one instance, shared by the rows that join it, as ``prefetch_related`` shares one
        related instance among its parents: on a page of the busiest coordinators' lists,
        30 of the 180 joined rows were copies (issue 10, session 37)."""
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
            db = cursor.db
        reader = _Reader(self._layout)
        return [reader.read(row, db) for row in fetched]

    def instances(self, params: Sequence[Any]) -> list[Any]:
        return instances(self.rows(params))


@dataclass(frozen=True)
class _Layout:
    """Where a statement's columns are in a row: its parts, and its extras' start and number."""

    parts: tuple[_Part, ...]
    extra_start: int
    count: int

    @classmethod
    def of(cls, statement: Statement, offset: int = 0) -> _Layout:
        """``statement``'s columns from ``offset`` on (``Together``: after the others')."""
        parts = tuple(
            dataclasses.replace(part, start=part.start + offset, key=part.key + offset)
            for part in statement._parts
        )
        count = len(statement.extra)
        return cls(parts, offset + statement.width - count, count)


class _Reader:
    """Turns rows of a statement's layout into its instances with their joined rows, sharing a
    joined row that recurs among its rows."""

    def __init__(self, layout: _Layout) -> None:
        self.parts = layout.parts
        self.count = layout.count
        self.extra_start = layout.extra_start
        self.joined: list[dict[Any, Any]] = [{} for _part in layout.parts]

    def read(self, row: Sequence[Any], db: BaseDatabaseWrapper) -> tuple[Model, tuple[Any, ...]]:
        parts = self.parts
        instances: list[Any] = [parts[0].instance(row, db)]
        for number, part in enumerate(parts[1:], start=1):
            # An empty LEFT JOIN (the key is empty too) caches None, as select_related does.
            key = row[part.key]
            if key is None:
                related = None
            else:
                seen = self.joined[number]
                related = seen.get(key)
                if related is None:
                    related = seen[key] = part.instance(row, db)
            instances.append(related)
            if instances[part.parent] is not None:
                part.field.set_cached_value(instances[part.parent], related)
        if not self.count:
            return instances[0], ()
        return instances[0], tuple(row[self.extra_start : self.extra_start + self.count])


@dataclass(frozen=True)
class Together:
    """Several statements read in one round trip: one ``UNION ALL`` of their SELECTs, each in
    its own columns of a common row (the others NULL), with its number and its rows' order
    (``ROW_NUMBER`` over its ``order``) in front. ``rows`` gives each statement's rows as its
    own ``rows`` would. On the case page the case and its five relations were six round trips:
    read together they take a third less of the worker's CPU (issue 10, session 40).

    Each statement's order is in its ``order`` (a ``tail`` with ORDER BY is refused), and the
    extras of all but the first have their types (``extra_fields``): PostgreSQL resolves a
    UNION's column types two SELECTs at a time, so the first SELECT's NULLs are typed."""

    statements: tuple[tuple[str, Statement], ...]

    @functools.cached_property
    def sql(self) -> str:
        selects = []
        for number, (name, statement) in enumerate(self.statements):
            if "ORDER BY" in statement.tail.upper():
                raise ValueError(f"{name}: give the order in ``order``, not in the tail")
            selected, rest = statement._selected
            row: list[str] = [str(number)]
            row.append(
                f"ROW_NUMBER() OVER (ORDER BY {statement.order})" if statement.order else "0"
            )
            for other_number, (_other, other) in enumerate(self.statements):
                if other_number == number:
                    row.extend(selected)
                elif number == 0:
                    row.extend(other._nulls)
                else:
                    row.extend(["NULL"] * other.width)
            selects.append(f"SELECT {', '.join(row)} {rest}")
        return " UNION ALL ".join(selects) + " ORDER BY 1, 2"

    @functools.cached_property
    def _layouts(self) -> tuple[_Layout, ...]:
        """Each statement's columns, after the number and the order and the others'."""
        layouts, offset = [], 2
        for _name, statement in self.statements:
            layouts.append(_Layout.of(statement, offset))
            offset += statement.width
        return tuple(layouts)

    def rows(
        self, params: dict[str, Sequence[Any]]
    ) -> dict[str, list[tuple[Model, tuple[Any, ...]]]]:
        """Each statement's rows by its name, with ``params`` by name."""
        sql = self.sql
        given = [value for name, _statement in self.statements for value in params[name]]
        with connection.cursor() as cursor:
            cursor.execute(sql, given)
            fetched = cursor.fetchall()
            db = cursor.db
        readers = [_Reader(layout) for layout in self._layouts]
        found: dict[str, list[tuple[Model, tuple[Any, ...]]]] = {
            name: [] for name, _statement in self.statements
        }
        names = [name for name, _statement in self.statements]
        for row in fetched:
            number = row[0]
            found[names[number]].append(readers[number].read(row, db))
        return found

    def rows_for(self, value: Any) -> dict[str, list[tuple[Model, tuple[Any, ...]]]]:
        """``rows`` with ``value`` as each statement's one parameter (a case's id)."""
        return self.rows({name: (value,) for name, _statement in self.statements})


def instances(rows: Iterable[tuple[Any, tuple[Any, ...]]]) -> list[Any]:
    """The instances of ``rows`` as ``Statement.rows`` and ``Together.rows`` give them."""
    return [instance for instance, _extra in rows]


@dataclass(frozen=True)
class SideBySide:
    """One row of several models' columns side by side: ``models`` as (model, alias) in the
    order of their columns, all of each, read ``FROM`` … ``WHERE`` … as ``body`` gives them.
    For rows of tables that no forward relation of the first leads to (``Statement`` follows
    those), read in one round trip instead of one each: a request's user with its second
    factor and acting membership (``accounts.selectors.read_identity``, issue 10)."""

    models: tuple[tuple[type[Model], str], ...]
    body: str

    @functools.cached_property
    def _parts(self) -> tuple[_Part, ...]:
        parts: list[_Part] = []
        start = 0
        for model, _alias in self.models:
            parts.append(_part(model, None, len(parts), (), start))
            start += len(parts[-1].attnames)
        return tuple(parts)

    @functools.cached_property
    def sql(self) -> str:
        selected = ", ".join(columns(model, alias) for model, alias in self.models)
        return f"SELECT {selected} {self.body}"

    def first(self, params: Sequence[Any]) -> tuple[Any, ...] | None:
        """The first row's instances, one per model, None for a model whose key is empty (a
        LEFT JOIN that found nothing); None when there is no row."""
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
            db = cursor.db
        if row is None:
            return None
        return tuple(
            None if row[part.key] is None else part.instance(row, db) for part in self._parts
        )


def attach(instance: Model, relation: str, rows: list[Any]) -> None:
    """Leaves ``instance.<relation>`` as ``prefetch_related`` would: its ``.all()`` answers
    from ``rows`` without a query, anything narrower queries as usual, and each row of a
    reverse foreign key knows its ``instance``."""
    manager = getattr(instance, relation)
    cache_name = getattr(manager, "prefetch_cache_name", None)
    if cache_name is None:  # a reverse foreign key
        back = manager.field
        cache_name = back.remote_field.cache_name
        for row in rows:
            back.set_cached_value(row, instance)
    queryset = manager.get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[cache_name] = queryset


def group(
    rows: Iterable[tuple[Any, tuple[Any, ...]]], key: Callable[[Any, tuple[Any, ...]], Any]
) -> dict[Any, list[Any]]:
    """Rows by ``key(instance, extra)``, in their order."""
    grouped: dict[Any, list[Any]] = {}
    for instance, extra in rows:
        grouped.setdefault(key(instance, extra), []).append(instance)
    return grouped


@contextmanager
def planned(**settings: str) -> Iterator[None]:
    """PostgreSQL: the queries inside are planned with these settings (``random_page_cost``,
    ``enable_hashjoin``, ...); the values before are back after them: outside a transaction by
    the COMMIT of the block's own, inside a longer one written back (read and set in one
    statement). Other databases: no-op."""
    if connection.vendor != "postgresql":
        yield
        return
    names = list(settings)
    writes = ", ".join(["set_config(%s, %s, true)"] * len(names))
    written = [value for name in names for value in (name, settings[name])]
    if not connection.in_atomic_block:
        # Set for this transaction only (``true``): its COMMIT puts the values back, so no
        # statement reads or restores them (a page's request is not in a transaction).
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT {writes}", written)
            yield
        return
    reads = ", ".join(["current_setting(%s)"] * len(names))
    with transaction.atomic(), connection.cursor() as cursor:
        # The target list is evaluated left to right: the values are read before they change.
        cursor.execute(f"SELECT {reads}, {writes}", [*names, *written])
        previous = cursor.fetchone()[: len(names)]
        try:
            yield
        finally:
            restored = [value for pair in zip(names, previous, strict=True) for value in pair]
            cursor.execute(f"SELECT {writes}", restored)
