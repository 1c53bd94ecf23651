"""Dashboards and management reports, under /rapportages/ (seed 000 §5 d and f, PRV-07).

Reports are aggregates: reading one writes one access-log entry for the report (activity
``management_information``), never per pupil. Case-level items on the dashboard come from the
feature apps' selectors, which apply the policy and log each case shown.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from passend.privacy.context import AccessContext
from passend.privacy.models import Outcome
from passend.privacy.services import record_access
from passend.reports import exports
from passend.reports.activities import MANAGEMENT_INFORMATION
from passend.reports.charts import chart_for
from passend.reports.dashboard import dashboard as build_dashboard
from passend.reports.figures import DEFINITIONS, Filters
from passend.reports.forms import ReportFilterForm
from passend.reports.models import ReportSettings
from passend.reports.scope import reports_for, scope_for

ACTIVITY = MANAGEMENT_INFORMATION.code


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The start page of a professional: my work first."""
    board = build_dashboard(request)
    membership = getattr(request, "membership", None)
    return render(
        request,
        "reports/dashboard.html",
        {"board": board, "reports": [DEFINITIONS[c] for c in reports_for(membership)]},
    )


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    codes = reports_for(getattr(request, "membership", None))
    if not codes:
        _deny(request, "index")
        raise Http404
    return render(request, "reports/index.html", {"reports": [DEFINITIONS[c] for c in codes]})


def _deny(request: HttpRequest, report: str) -> None:
    record_access(
        AccessContext.from_request(request),
        action="report",
        activity=ACTIVITY,
        outcome=Outcome.DENIED,
        object_type="reports.report",
        object_id=report[:64],
        reason="role may not read this report",
    )


@require_GET
def report(request: HttpRequest, report: str) -> HttpResponse:
    definition = DEFINITIONS.get(report)
    scope = scope_for(getattr(request, "membership", None), report) if definition else None
    if definition is None or scope is None or not scope.swvs:
        _deny(request, report)
        raise Http404
    form = ReportFilterForm(
        request.GET or None,
        scope=scope,
        has_type=definition.has_type,
        has_school=definition.has_school,
    )
    values = form.resolved()
    label = values.pop("label")
    threshold = ReportSettings.current().suppression_threshold
    tables = definition.build(Filters(**values), threshold)
    export = request.GET.get("formaat", "")
    if export not in ("", "csv", "xlsx"):
        raise Http404
    # One entry per report read or exported; no subject, aggregates only (PRV-07).
    record_access(
        AccessContext.from_request(request),
        action="export" if export else "report",
        activity=ACTIVITY,
        object_type="reports.report",
        object_id=report,
        reason=f"{label}; drempel {threshold}"[:200],
    )
    title = _(definition.title)
    caption = _(
        "%(period)s. Aantallen onder %(threshold)d zijn afgeschermd (*), ook waar ze uit "
        "totalen af te leiden zouden zijn (PRV-07)."
    ) % {"period": label, "threshold": threshold}
    filename = f"rapportage-{report}-{values['start']:%Y%m%d}-{values['end']:%Y%m%d}"
    if export == "csv":
        response = HttpResponse(
            exports.to_csv(title, caption, tables), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if export == "xlsx":
        response = HttpResponse(
            exports.to_xlsx(title, caption, tables),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    query = request.GET.copy()
    query.pop("formaat", None)
    return render(
        request,
        "reports/report.html",
        {
            "definition": definition,
            "title": title,
            "caption": caption,
            "form": form,
            "sections": [(t, chart_for(t)) for t in tables],
            "query": query.urlencode(),
        },
    )
