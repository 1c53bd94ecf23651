"""Project-level pages: start page, health check, friendly error pages."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.http import require_GET


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if getattr(request, "membership", None) is not None:
        # Professionals start on their dashboard: "my work" first (seed 000 §5 d).
        from passend.reports.views import dashboard

        return dashboard(request)
    return render(request, "home.html")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a Dutch explanation instead of Django's technical page (no reason shown)."""
    return render(request, "errors/403_csrf.html", status=403)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, rendered without context processors, so without the database.

    The database may be the reason we are here: no session, user or membership lookups. The trace
    id (set by TraceIdMiddleware, no personal data) lets the administrator find the log line.
    """
    context = {"trace_id": getattr(request, "trace_id", "")}
    try:
        body = loader.get_template("errors/500.html").render(context)
    except Exception:  # pragma: no cover - last resort when templates themselves fail
        body = _PLAIN_500
    return HttpResponse(body, status=500)


_PLAIN_500 = (
    '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Er ging iets mis</title>'
    "</head><body><h1>Er ging iets mis</h1><p>Probeer het later opnieuw.</p></body></html>"
)
