"""The registry of subject-data exporters (PRV-01/02: the access bundle, AVG art. 15).

`privacy` imports no domain app (docs/architecture.md "Dependency direction"). Every app that
holds data about a pupil registers an exporter instead, from its own ``subject_data.py``
(imported by its ``AppConfig.ready``)::

    from passend.privacy.subject_data import Section, register, section

    @register("cases")
    def export(pupil_id: int) -> list[Section]:
        return [section("cases", _("Trajecten"), "case_management", Case.objects.filter(...))]

An exporter returns EVERY record about the pupil that its app holds, unfiltered by the access
policy: the bundle is compiled by the controller for the data subject, not for a professional.
It never returns file contents or key material (documents: metadata only). ``collect`` calls
every exporter, finds in one statement which sections have rows at all and reads only those
(``section`` leaves its queryset to ``collect``); the bundle in ``privacy.selectors`` adds
purposes (from the declared processing activities), recipients (the disclosure log) and who
accessed the file (the access log).
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connections, models
from django.utils.functional import Promise
from django.utils.translation import gettext as _

# Fields never exported: secrets, key material, internal storage names, hashes.
NEVER_EXPORTED = frozenset(
    {
        "password",
        "wrapped_key",
        "nonce",
        "key_id",
        "storage_name",
        "sha256",
        "contact_phone_key",
        "record_key",  # attendance: the hash of a source record's id (idempotency key)
    }
)
# Fields whose value says where a record came from (CON-06, PRV-09), shown as its origin.
ORIGIN_FIELDS = ("supplied_by", "source_school", "organisation", "owner", "school", "swv")


@dataclass(frozen=True)
class Section:
    """One kind of record (one model) with every row about the pupil."""

    source: str  # the registering app
    title: str | Promise  # Dutch, for the PDF
    activity: str  # a declared processing activity code: gives purpose and legal basis
    records: list[dict[str, Any]] = field(default_factory=list)
    origin: str | Promise = ""  # default origin when records carry none (e.g. "school import")
    model: str = ""  # app_label.model, for tests and the JSON
    # The records still to be read by ``collect`` (``section``), and the fields they leave out.
    query: models.QuerySet[Any] | None = field(default=None, compare=False, repr=False)
    exclude: tuple[str, ...] = ()


Exporter = Callable[[int], Iterable[Section]]

_EXPORTERS: dict[str, Exporter] = {}


def register(name: str) -> Callable[[Exporter], Exporter]:
    """Registers an app's exporter under its app label (idempotent for the same function)."""

    def decorator(function: Exporter) -> Exporter:
        existing = _EXPORTERS.get(name)
        if existing is not None and existing.__qualname__ != function.__qualname__:
            raise ValueError(f"Subject-data exporter {name!r} registered twice")
        _EXPORTERS[name] = function
        return function

    return decorator


def exporters() -> dict[str, Exporter]:
    return dict(sorted(_EXPORTERS.items()))


def collect(pupil_id: int) -> list[Section]:
    """Every section of every registered app, in app order, with its records."""
    sections: list[Section] = []
    for _name, exporter in exporters().items():
        sections.extend(exporter(pupil_id))
    pending = [s.query for s in sections if s.query is not None]
    found = iter(_having_rows(pending))
    token = _collecting.set(Labels())
    try:
        return [
            s if s.query is None else _read(s) if next(found) else replace(s, query=None)
            for s in sections
        ]
    finally:
        _collecting.reset(token)


def _read(pending: Section) -> Section:
    assert pending.query is not None  # noqa: S101 - only pending sections are read
    return replace(pending, records=rows(pending.query, exclude=pending.exclude), query=None)


def _having_rows(querysets: list[models.QuerySet[Any]]) -> list[bool]:
    """For each queryset whether it has a row, in one statement (``SELECT EXISTS (…), …``).

    Most sections of a bundle are empty: a busy pupil of the large region has 186 records in
    21 of the 57 sections. Reading each section costs a statement with the ORM's work around
    it whether it finds rows or not; asking for all of them at once and reading only the
    sections that have rows took that bundle from 87 to 52 statements (issue 10). The SQL text
    is the ORM's own compilation of each queryset, its values are parameters."""
    if not querysets:
        return []
    databases = {queryset.db for queryset in querysets}
    if len(databases) != 1:  # Passend has one database; a router would need a probe per one
        raise ValueError(f"subject data in more than one database: {sorted(databases)}")
    using = databases.pop()
    parts: list[str] = []
    params: list[Any] = []
    for queryset in querysets:
        probe = queryset.order_by().values("pk")[:1]
        sql, probe_params = probe.query.get_compiler(using=using).as_sql()
        parts.append(f"EXISTS ({sql})")
        params.extend(probe_params)
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        found = cursor.fetchone()
    return [bool(value) for value in found]


def _value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items()}
    if isinstance(value, bytes | memoryview):
        return None
    return str(value)


@dataclass
class Labels:
    """Labels made once and reused by every record of one bundle (``collect``): a foreign
    key's label by the related row.

    A bundle's records point to the same case, pupil, school and professionals again and again.
    Reading each related row once, not once per section, and translating each choice once
    (since session 17 every model's own ``get_<field>_display``, ``passend.modelbase``) took a
    busy pupil's bundle (large region: 186 records in 57 sections, 800 accesses) from 136 to
    89 queries and from 125 to 79 ms of CPU (issue 10).

    A row a section read already is not read again as the related row of a later section (an
    assessment's application, a letter's decision): ``read`` keeps the rows by model and key."""

    related: dict[tuple[type[models.Model], str, Any], str] = field(default_factory=dict)
    read: dict[tuple[type[models.Model], Any], models.Model] = field(default_factory=dict)


_collecting: ContextVar[Labels | None] = ContextVar("subject_data_labels", default=None)


def _related_label(
    instance: models.Model, model_field: models.Field[Any, Any], related_id: Any, labels: Labels
) -> str:
    """``str`` of the related row, read only when no record of the bundle labelled it or read
    it as a record before (a miss reads it for the section's other records too: FETCH_PEERS)."""
    related_model = model_field.related_model
    assert isinstance(related_model, type)  # noqa: S101 - a concrete relation's model
    target = getattr(model_field, "target_field", None)  # the pk unless ``to_field`` says
    attname = target.attname if target is not None else "pk"
    key = (related_model, attname, related_id)
    label = labels.related.get(key)
    if label is None:
        by_key = target is None or target.primary_key
        record = labels.read.get((related_model, related_id)) if by_key else None
        related = record if record is not None else getattr(instance, model_field.name)
        label = labels.related[key] = str(related)
    return label


def serialise(
    instance: models.Model,
    *,
    exclude: Iterable[str] = (),
    labels: Labels | None = None,
) -> dict[str, Any]:
    """A record as plain JSON values: concrete fields, choices with their label, a foreign key
    as its id and label (``str`` of the related object), many-to-many as labels.

    ``labels``: labels already made for other records of the same bundle."""
    labels = Labels() if labels is None else labels
    skipped = NEVER_EXPORTED | set(exclude)
    data: dict[str, Any] = {"_model": instance._meta.label_lower}
    # A key that is itself never exported (the absence records' hashed ``record_key``) is
    # not exported as the record's id either.
    if instance._meta.pk.name not in skipped:
        data["id"] = instance.pk
    for model_field in instance._meta.concrete_fields:
        name = model_field.name
        if name in skipped or model_field.primary_key:
            continue
        if isinstance(model_field, models.BinaryField | models.FileField):
            continue
        if model_field.is_relation:
            related_id = getattr(instance, model_field.attname)
            label = (
                _related_label(instance, model_field, related_id, labels)
                if related_id is not None
                else None
            )
            data[name] = {"id": related_id, "label": label}
            continue
        value = getattr(instance, name)
        data[name] = _value(value)
        if model_field.choices and value not in (None, ""):
            data[f"{name}_label"] = str(getattr(instance, f"get_{name}_display")())
    for m2m in instance._meta.many_to_many:
        if m2m.name not in skipped:
            data[m2m.name] = [str(obj) for obj in getattr(instance, m2m.name).all()]
    return data


def rows(queryset: Iterable[models.Model], *, exclude: Iterable[str] = ()) -> list[dict[str, Any]]:
    if isinstance(queryset, models.QuerySet) and queryset._result_cache is None:
        # The label of a foreign key is its related object: fetched for all rows at once
        # (FETCH_PEERS), many-to-many prefetched, so a bundle's query count follows the number
        # of record types, not of records (issue 10: a busy pupil made 626 queries).
        many = [f.name for f in queryset.model._meta.many_to_many if f.name not in NEVER_EXPORTED]
        queryset = queryset.fetch_mode(models.FETCH_PEERS).prefetch_related(*many)
    labels = _collecting.get() or Labels()
    instances = list(queryset)
    labels.read.update(((type(instance), instance.pk), instance) for instance in instances)
    return [serialise(instance, exclude=exclude, labels=labels) for instance in instances]


def section(
    source: str,
    title: str | Promise,
    activity: str,
    queryset: models.QuerySet[Any],
    *,
    origin: str | Promise = "",
    exclude: Iterable[str] = (),
) -> Section:
    """A Section of a queryset's rows (ordered by id for a stable bundle), read by
    ``collect`` if it has any."""
    return Section(
        source=source,
        title=title,
        activity=activity,
        origin=origin,
        model=queryset.model._meta.label_lower,
        query=queryset.order_by("pk"),
        exclude=tuple(exclude),
    )


PERSON_FIELDS = ("sender", "author", "actor", "convener")


def origin_of(record: dict[str, Any], default: str = "") -> str:
    """Where a record came from (PRV-09, CON-06): the supplying or owning organisation when the
    record names one, else the section's default (e.g. the school's administration), else the
    professional who recorded it."""
    for name in ORIGIN_FIELDS:
        value = record.get(name)
        if isinstance(value, dict) and value.get("label"):
            return str(value["label"])
    if default:
        return default
    for name, value in record.items():
        is_person = name.endswith("_by") or name in PERSON_FIELDS
        if is_person and isinstance(value, dict) and value.get("id") is not None:
            return str(_("vastgelegd door %(who)s") % {"who": value["label"]})
    return str(_("vastgelegd in het trajectdossier in Passend"))
