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

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model


@functools.cache
def _column_converters(vendor: str, model: type[Model]) -> tuple[tuple[int, Any], ...]:
    """Django's conversions of the model's columns read without the ORM (SQLite's dates and
    booleans, JSON), as (position, converters) for the columns that have any."""
    found = []
    for position, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        converters = [
            *connection.ops.get_db_converters(column),
            *column.get_db_converters(connection),
        ]
        if converters:
            found.append((position, tuple(converters)))
    return tuple(found)


def columns(model: Any, alias: str) -> str:
    """The model's columns in its field order, for a SELECT list."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


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


@dataclass(frozen=True)
class Statement:
    """A SELECT of ``model`` (alias ``t``) with the forward relations ``joins`` joined (alias
    ``j0``, ``j1`` …; LEFT JOIN where the key may be empty), the ``extra`` SQL expressions
    after the columns, and ``tail`` (WHERE, ORDER BY) after the joins."""

    model: type[Model]
    tail: str
    joins: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    more_from: str = ""

    @functools.cached_property
    def sql(self) -> str:
        quote = connection.ops.quote_name
        meta: Any = self.model._meta
        selected = [columns(self.model, "t")]
        joined = []
        for number, name in enumerate(self.joins):
            field = meta.get_field(name)
            target = field.related_model._meta
            alias = f"j{number}"
            selected.append(columns(field.related_model, alias))
            kind = "LEFT JOIN" if field.null else "JOIN"
            joined.append(
                f"{kind} {quote(target.db_table)} {alias} "
                f"ON {alias}.{quote(target.pk.column)} = t.{quote(field.column)}"
            )
        selected.extend(self.extra)
        return (
            f"SELECT {', '.join(selected)} FROM {quote(meta.db_table)} t "  # noqa: S608
            f"{self.more_from} {' '.join(joined)} {self.tail}"
        )

    @functools.cached_property
    def _layout(self) -> tuple[tuple[type[Model], Any, int, int], ...]:
        """(model, the field that joined it, first column, width) per model in a row."""
        parts: list[tuple[type[Model], Any, int, int]] = []
        start = 0
        for model, field in [
            (self.model, None),
            *(
                (self.model._meta.get_field(name).related_model, self.model._meta.get_field(name))
                for name in self.joins
            ),
        ]:
            width = len(model._meta.concrete_fields)  # type: ignore[union-attr]
            parts.append((model, field, start, width))  # type: ignore[arg-type]
            start += width
        return tuple(parts)

    def rows(self, params: Sequence[Any]) -> list[tuple[Model, tuple[Any, ...]]]:
        """The instances with their joined rows cached, each with the values of ``extra``."""
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        layout = self._layout
        vendor = connection.vendor
        made: list[tuple[Model, tuple[Any, ...]]] = []
        (model, _field, start, width), *joined = layout
        count = len(self.extra)
        for row in fetched:
            base = _instance(vendor, model, list(row[start : start + width]))
            for related, field, first, size in joined:
                values = list(row[first : first + size])
                # An empty LEFT JOIN (the key is empty too) caches None, as select_related does.
                field.set_cached_value(
                    base, None if values[0] is None else _instance(vendor, related, values)
                )
            made.append((base, tuple(row[len(row) - count :]) if count else ()))
        return made

    def instances(self, params: Sequence[Any]) -> list[Any]:
        return [instance for instance, _extra in self.rows(params)]


def _instance(vendor: str, model: type[Model], values: list[Any]) -> Model:
    for position, converters in _column_converters(vendor, model):
        value = values[position]
        for convert in converters:
            value = convert(value, None, connection)
        values[position] = value
    return model.from_db(connection.alias, (), values)  # every column, in field order


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
