"""The figures the TLV management report counts, one row per submitted application
(``ApplicationFigures``), computed from the application, its advice, decision and TLV-04
terms. ``refresh`` writes them; the services call it in their own transaction after every
change to what it counts, the region generator after generating, the migration once.

The arithmetic is the report's (TLV-04: days used are calendar days from start to
completion without the days suspended; TLV-05: CvA breed by the days its latest completed
advice term took, within 4 or 10 weeks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Exists, Model, OuterRef

from passend.terms.models import Term
from passend.tlv.models import (
    REPORT_TERMS,
    Advice,
    ApplicationFigures,
    Letter,
    TlvApplication,
    Triage,
)

# How terms name an application (``object_type``): its model label.
APP_OBJECT = TlvApplication._meta.label_lower
BATCH = 1000


def triage_bucket(days_used: int) -> str:
    """TLV-05: CvA breed split by how long its advice took."""
    if days_used <= 28:
        return "full_4"
    if days_used <= 70:
        return "full_10"
    return "full_later"


def _days_used(term: Mapping[str, Any]) -> int:
    days: int = (term["completed_on"] - term["start_date"]).days - term["suspended_days"]
    return days


def figures_of(
    application: Mapping[str, Any], terms: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """The figures row of one application (values as ``refresh`` reads them) and its TLV-04
    terms (``rule__code``, ``id``, the dates and the days suspended)."""
    row: dict[str, Any] = {
        "application_id": application["id"],
        "swv_id": application["swv_id"],
        "submitted_on": application["submitted_on"],
        "board_id": application["board_id"],
        "requesting_school_id": application["requesting_school_id"],
        "intended_school_id": application["intended_school_id"],
        "requested_type": application["requested_type"],
        "route": application["route"],
        "status": application["status"],
        "positive_advice": application["advice__status"] == Advice.Status.POSITIVE,
        "by_gavel": application["advice__status"] == Advice.Status.POSITIVE
        and bool(application["advice__by_gavel"]),
        "positive_decision": bool(application["decision__positive"]),
        "incomplete_letter": bool(application["incomplete_letter"]),
        "negative_decision": application["decision__positive"] is False,
        "overall_suspended": 0,
        "overall_suspended_days": 0,
        "overall_suspended_since": None,
        "overall_suspended_until": None,
    }
    for prefix in REPORT_TERMS.values():
        row.update(
            {
                f"{prefix}_completed": 0,
                f"{prefix}_within": 0,
                f"{prefix}_days": 0,
                f"{prefix}_open": 0,
                f"{prefix}_due": None,
            }
        )
    latest_advice: Mapping[str, Any] | None = None
    for term in sorted(terms, key=lambda t: t["id"]):
        prefix = REPORT_TERMS[term["rule__code"]]
        completed_on: dt.date | None = term["completed_on"]
        if completed_on is not None:
            row[f"{prefix}_completed"] += 1
            row[f"{prefix}_within"] += completed_on <= term["due_date"]
            row[f"{prefix}_days"] += _days_used(term)
            if prefix == "advice":
                latest_advice = term
        else:
            row[f"{prefix}_open"] += 1
            if term["suspended_since"] is None:
                due = row[f"{prefix}_due"]
                row[f"{prefix}_due"] = (
                    term["due_date"] if due is None else min(due, term["due_date"])
                )
        if prefix == "overall" and (term["suspended_since"] is not None or term["suspended_days"]):
            row["overall_suspended"] += 1
            row["overall_suspended_days"] += term["suspended_days"]
            if term["suspended_since"] is not None:
                # One overall term per application (``services.submit``).
                row["overall_suspended_since"] = term["suspended_since"]
                row["overall_suspended_until"] = completed_on
    triage = application["triage"]
    if triage == Triage.FULL:
        triage = "full_later" if latest_advice is None else triage_bucket(_days_used(latest_advice))
    row["triage_key"] = triage
    return row


def _models(
    application_model: type[Model] | None,
    term_model: type[Model] | None,
    figures_model: type[Model] | None,
) -> tuple[type[Model], type[Model], type[Model]]:
    """The models given (the migration's historical ones), else the current ones."""
    return (
        application_model or TlvApplication,
        term_model or Term,
        figures_model or ApplicationFigures,
    )


def compute(
    application_ids: Iterable[int],
    *,
    application_model: type[Model] | None = None,
    term_model: type[Model] | None = None,
) -> list[dict[str, Any]]:
    """The figures rows of these applications as their current rows give them (submitted
    applications only), in two reads: the applications with their advice and decision, and
    their TLV-04 terms."""
    application_model, term_model, _figures = _models(application_model, term_model, None)
    # The letters of the application model given (a migration's historical one, too).
    letter_model: Any = application_model._meta.get_field("letters").related_model
    applications = list(
        application_model._default_manager.filter(
            pk__in=list(application_ids), submitted_on__isnull=False
        )
        .annotate(
            incomplete_letter=Exists(
                letter_model._default_manager.filter(
                    application=OuterRef("pk"), kind=Letter.Kind.INCOMPLETE
                )
            )
        )
        .order_by("pk")
        .values(
            "id",
            "swv_id",
            "submitted_on",
            "board_id",
            "requesting_school_id",
            "intended_school_id",
            "requested_type",
            "route",
            "status",
            "triage",
            "advice__status",
            "advice__by_gavel",
            "decision__positive",
            "incomplete_letter",
        )
    )
    terms_of: dict[str, list[Mapping[str, Any]]] = {}
    if applications:
        for term in (
            term_model._default_manager.filter(
                object_type=APP_OBJECT,
                object_id__in=[str(a["id"]) for a in applications],
                rule__code__in=list(REPORT_TERMS),
            )
            .order_by()
            .values(
                "id",
                "object_id",
                "rule__code",
                "start_date",
                "due_date",
                "completed_on",
                "suspended_days",
                "suspended_since",
            )
        ):
            terms_of.setdefault(term["object_id"], []).append(term)
    return [figures_of(a, terms_of.get(str(a["id"]), ())) for a in applications]


def refresh(
    application_ids: Iterable[int],
    *,
    application_model: type[Model] | None = None,
    term_model: type[Model] | None = None,
    figures_model: type[Model] | None = None,
) -> int:
    """Writes the figures of these applications from their current rows (``compute``) and
    removes those of an application that is not submitted; the models default to the current
    ones (the migration passes its historical ones). Two reads and one write per thousand
    applications. Returns how many rows were written."""
    application_model, term_model, figures_model = _models(
        application_model, term_model, figures_model
    )
    ids = sorted(set(application_ids))
    written = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        rows = compute(batch, application_model=application_model, term_model=term_model)
        if len(rows) < len(batch):
            submitted = {row["application_id"] for row in rows}
            figures_model._default_manager.filter(
                application_id__in=[pk for pk in batch if pk not in submitted]
            ).delete()
        if rows:
            # Only the model's own columns: a migration's historical model may lack a figure
            # added later, which that later migration fills.
            columns = {f.attname: f.name for f in figures_model._meta.concrete_fields}
            figures_model._default_manager.bulk_create(
                [figures_model(**{k: v for k, v in row.items() if k in columns}) for row in rows],
                update_conflicts=True,
                unique_fields=["application"],
                update_fields=[
                    name for attname, name in columns.items() if attname != "application_id"
                ],
            )
        written += len(rows)
    return written


def out_of_step(application_ids: Iterable[int]) -> int:
    """How many of these applications' stored figures differ from their rows now (a missing
    or superfluous row counts too): an audit of what the services keep in step."""
    ids = sorted(set(application_ids))
    columns = [field.attname for field in ApplicationFigures._meta.concrete_fields]
    differing = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        fresh = {row["application_id"]: row for row in compute(batch)}
        stored = {
            row["application_id"]: row
            for row in ApplicationFigures.objects.filter(application_id__in=batch).values(*columns)
        }
        differing += sum(1 for pk in set(fresh) | set(stored) if fresh.get(pk) != stored.get(pk))
    return differing


def refresh_submitted(apps: Any) -> int:
    """``refresh`` of every submitted application with the models of a migration's state
    (``apps``): how tlv 0008 and 0009 fill the figures of an existing installation."""
    application_model = apps.get_model("tlv", "TlvApplication")
    return refresh(
        application_model.objects.filter(submitted_on__isnull=False).values_list("pk", flat=True),
        application_model=application_model,
        term_model=apps.get_model("terms", "Term"),
        figures_model=apps.get_model("tlv", "ApplicationFigures"),
    )
