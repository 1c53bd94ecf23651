"""The registry of subject-data exporters (PRV-01/02: the access bundle, AVG art. 15).

`privacy` imports no domain app (docs/architecture.md "Dependency direction"). Every app that
holds data about a pupil registers an exporter instead, from its own ``subject_data.py``
(imported by its ``AppConfig.ready``)::

    from passend.privacy.subject_data import Section, register, rows

    @register("cases")
    def export(pupil_id: int) -> list[Section]:
        return [Section("cases", _("Trajecten"), "case_management", rows(Case.objects.filter(...)))]

An exporter returns EVERY record about the pupil that its app holds, unfiltered by the access
policy: the bundle is compiled by the controller for the data subject, not for a professional.
It never returns file contents or key material (documents: metadata only). ``collect`` calls
every exporter; the bundle in ``privacy.selectors`` adds purposes (from the declared processing
activities), recipients (the disclosure log) and who accessed the file (the access log).
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import models
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
    """Every section of every registered app, in app order."""
    sections: list[Section] = []
    token = _collecting.set(Labels())
    try:
        for _name, exporter in exporters().items():
            sections.extend(section for section in exporter(pupil_id))
    finally:
        _collecting.reset(token)
    return sections


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
    89 queries and from 125 to 79 ms of CPU (issue 10)."""

    related: dict[tuple[type[models.Model], str, Any], str] = field(default_factory=dict)


_collecting: ContextVar[Labels | None] = ContextVar("subject_data_labels", default=None)


def _related_label(
    instance: models.Model, model_field: models.Field[Any, Any], related_id: Any, labels: Labels
) -> str:
    """``str`` of the related row, read only when no record of the bundle read it before (a
    miss reads it for the section's other records too: FETCH_PEERS)."""
    related_model = model_field.related_model
    assert isinstance(related_model, type)  # noqa: S101 - a concrete relation's model
    target = getattr(model_field, "target_field", None)  # the pk unless ``to_field`` says
    key = (related_model, target.attname if target is not None else "pk", related_id)
    label = labels.related.get(key)
    if label is None:
        label = labels.related[key] = str(getattr(instance, model_field.name))
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
    data: dict[str, Any] = {"_model": instance._meta.label_lower, "id": instance.pk}
    for model_field in instance._meta.concrete_fields:
        name = model_field.name
        if name in skipped or name == "id":
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
    return [serialise(instance, exclude=exclude, labels=labels) for instance in queryset]


def section(
    source: str,
    title: str | Promise,
    activity: str,
    queryset: models.QuerySet[Any],
    *,
    origin: str | Promise = "",
    exclude: Iterable[str] = (),
) -> Section:
    """Convenience: a Section from a queryset (ordered by id for a stable bundle)."""
    return Section(
        source=source,
        title=title,
        activity=activity,
        records=rows(queryset.order_by("pk"), exclude=exclude),
        origin=origin,
        model=queryset.model._meta.label_lower,
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
