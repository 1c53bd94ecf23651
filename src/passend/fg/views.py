"""The privacy officer's (FG) console under /fg/ (ORG-02, CON-05, PRV-06, ORG-05).

Every page requires a verified second factor (the project's middleware) and the acting role
``privacy_officer`` (registers: also ``functional_admin``); every page view is itself written to
the access log (activity ``privacy_supervision``). The FG sees pseudonyms, decisions and log
lines, never case content.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from passend.access.actor import Actor
from passend.accounts.models import Organisation, Role
from passend.emergency import selectors as emergency_selectors
from passend.emergency import services as emergency_services
from passend.fg import anomalies, selectors
from passend.fg import services as fg_services
from passend.fg.models import RegisterPdf
from passend.privacy import registers
from passend.privacy.context import AccessContext, subject_pseudonym
from passend.privacy.models import AccessLogEntry
from passend.privacy.services import LogItem, record_access, record_access_many

ACTIVITY = "privacy_supervision"
REGISTER_ROLES = frozenset({Role.PRIVACY_OFFICER, Role.FUNCTIONAL_ADMIN})
SEARCH_LIMIT = 500
LIST_LIMIT = 200


def _require(
    request: HttpRequest, roles: frozenset[str] = frozenset({Role.PRIVACY_OFFICER})
) -> None:
    membership = getattr(request, "membership", None)
    if membership is None or membership.role not in roles:
        raise PermissionDenied


def _log_view(request: HttpRequest, page: str, **kwargs: Any) -> None:
    record_access(
        AccessContext.from_request(request),
        action="fg_view",
        activity=ACTIVITY,
        object_type=kwargs.pop("object_type", "fg.page"),
        object_id=kwargs.pop("object_id", page),
        legal_ground=ACTIVITY,
        reason=kwargs.pop("reason", page),
        **kwargs,
    )


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _require(request)
    _log_view(request, "index")
    return render(request, "fg/index.html", {})


@require_GET
def justifications(request: HttpRequest) -> HttpResponse:
    """CON-05 decisions (consent's page); the page view itself is logged even when empty."""
    from passend.consent import privacy_officer

    _require(request)
    _log_view(request, "justifications")
    return privacy_officer.justification_list(request)


# --- Break-the-glass ----------------------------------------------------------------------------


@require_GET
def break_glass(request: HttpRequest) -> HttpResponse:
    _require(request)
    grants = list(emergency_selectors.grants_for_privacy_officer()[:LIST_LIMIT])
    record_access_many(
        AccessContext.from_request(request),
        [
            LogItem(
                subject_pseudonym="",
                object_type="emergency.breakglassgrant",
                object_id=str(g.pk),
                legal_ground=ACTIVITY,
            )
            for g in grants
        ],
        action="fg_view",
        activity=ACTIVITY,
    )
    _log_view(request, "break_glass")
    return render(request, "fg/break_glass.html", {"grants": grants, "now": timezone.now()})


@require_POST
def break_glass_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    grant = get_object_or_404(emergency_selectors.grants_for_privacy_officer(), pk=pk)
    emergency_services.mark_reviewed(Actor.from_request(request), grant)
    messages.success(request, _("De noodtoegang is gemarkeerd als beoordeeld."))
    return redirect("privacy_officer:break_glass")


# --- Overdue subject requests -------------------------------------------------------------------


def _overdue_source() -> Callable[[], Any] | None:
    """Integration point with the subject requests of ``passend.privacy`` (issue 8, part A)."""
    from passend.privacy import selectors

    return getattr(selectors, "overdue_subject_requests", None)


@require_GET
def overdue_requests(request: HttpRequest) -> HttpResponse:
    _require(request)
    source = _overdue_source()
    requests_ = list(source()[:LIST_LIMIT]) if source is not None else None
    if requests_:
        record_access_many(
            AccessContext.from_request(request),
            [
                LogItem(
                    subject_pseudonym=getattr(r, "subject_pseudonym", "") or "",
                    object_type=r._meta.label_lower,
                    object_id=str(r.pk),
                    legal_ground=ACTIVITY,
                )
                for r in requests_
            ],
            action="fg_view",
            activity=ACTIVITY,
        )
    _log_view(request, "overdue_requests")
    return render(
        request,
        "fg/overdue_requests.html",
        {"requests": requests_, "available": source is not None},
    )


# --- Anomalies ----------------------------------------------------------------------------------


@require_GET
def anomaly_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    _log_view(request, "anomalies")
    return render(
        request,
        "fg/anomalies.html",
        {
            "thresholds": anomalies.thresholds(),
            "spikes": anomalies.failed_login_spikes(),
            "readers": anomalies.bulk_readers(),
        },
    )


# --- Access-log search --------------------------------------------------------------------------


class LogSearchForm(forms.Form):
    KIND_CHOICES = [
        ("pupil", gettext_lazy("Leerling (leerlingnummer in Passend of pseudoniem)")),
        ("employee", gettext_lazy("Medewerker (gebruikersnaam)")),
    ]
    kind = forms.ChoiceField(label=gettext_lazy("Zoek op"), choices=KIND_CHOICES)
    value = forms.CharField(label=gettext_lazy("Waarde"), max_length=150)


def _pupil_pseudonym(value: str) -> str:
    value = value.strip()
    if value.isdigit():
        return subject_pseudonym("pupil", int(value))
    return value


@require_http_methods(["GET", "POST"])
def log_search(request: HttpRequest) -> HttpResponse:
    """Per person (pupil, via the pseudonym) or per employee. POST: no search terms in URLs."""
    _require(request)
    form = LogSearchForm(request.POST or None)
    entries: list[AccessLogEntry] | None = None
    organisations: dict[int, str] = {}
    if request.method == "POST" and form.is_valid():
        kind, value = form.cleaned_data["kind"], form.cleaned_data["value"].strip()
        queryset = AccessLogEntry.objects.order_by("-id")
        if kind == "pupil":
            pseudonym = _pupil_pseudonym(value)
            entries = list(queryset.filter(subject_pseudonym=pseudonym)[:SEARCH_LIMIT])
            _log_view(request, "log_search_pupil", subject_pseudonym=pseudonym)
        else:
            entries = list(queryset.filter(actor_username=value)[:SEARCH_LIMIT])
            _log_view(
                request,
                "log_search_employee",
                object_type="accounts.user",
                object_id=str(entries[0].actor_id or "") if entries else "",
                reason="log_search_employee",
            )
        ids = {e.organisation_id for e in entries if e.organisation_id}
        organisations = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))
    else:
        _log_view(request, "log_search")
    return render(
        request,
        "fg/log_search.html",
        {
            "form": form,
            "entries": entries,
            "rows": [(e, organisations.get(e.organisation_id or 0, "")) for e in entries or []],
            "limit": SEARCH_LIMIT,
        },
    )


# --- Registers (FG and functional administrator) -----------------------------------------------


def _register(request: HttpRequest, name: str, output: str) -> HttpResponse:
    _require(request, REGISTER_ROLES)
    rows, columns = selectors.register_rows(name)
    _log_view(request, f"register_{name}_{output}")
    if output == "csv":
        stamp = timezone.localdate().isoformat()
        response = HttpResponse(
            registers.to_csv(rows, columns), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="register-{name}-{stamp}.csv"'
        return response
    return render(request, "fg/register.html", selectors.register_context(name, rows))


@require_GET
def register_processing(request: HttpRequest) -> HttpResponse:
    return _register(request, "processing", "html")


@require_GET
def register_processing_csv(request: HttpRequest) -> HttpResponse:
    return _register(request, "processing", "csv")


@require_GET
def register_access(request: HttpRequest) -> HttpResponse:
    return _register(request, "access", "html")


@require_GET
def register_access_csv(request: HttpRequest) -> HttpResponse:
    return _register(request, "access", "csv")


def _request_pdf(request: HttpRequest, name: str) -> HttpResponse:
    """The PDF is made by the worker (a region's access register takes WeasyPrint 12 to 25 s,
    issue 10): the request queues it and the person waits on the list of their PDFs."""
    _require(request, REGISTER_ROLES)
    _pdf, created = fg_services.request_register_pdf(
        AccessContext.from_request(request), request.user, name
    )
    if created:
        messages.success(request, _("De PDF wordt gemaakt. Hieronder ziet u wanneer hij klaar is."))
    else:
        messages.info(
            request, _("Deze PDF wordt al gemaakt. Hieronder ziet u wanneer hij klaar is.")
        )
    return redirect("privacy_officer:register_pdfs")


@require_POST
def register_processing_pdf(request: HttpRequest) -> HttpResponse:
    return _request_pdf(request, "processing")


@require_POST
def register_access_pdf(request: HttpRequest) -> HttpResponse:
    return _request_pdf(request, "access")


@require_GET
def register_pdfs(request: HttpRequest) -> HttpResponse:
    """The person's own register PDFs of the last ``AVAILABLE_HOURS``. The page is logged as
    every FG page; its status part, which the page asks for every two seconds while a PDF is
    being made (htmx), shows statuses only and is not."""
    _require(request, REGISTER_ROLES)
    pdfs = list(selectors.register_pdfs_of(request.user))
    context = {"pdfs": pdfs, "busy": any(not pdf.is_finished for pdf in pdfs)}
    if request.headers.get("HX-Request"):
        return render(request, "fg/_register_pdfs.html", context)
    _log_view(request, "register_pdfs")
    return render(request, "fg/register_pdfs.html", context)


@require_GET
def register_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Only the requester, still in a register role, while the PDF is available (ORG-05)."""
    _require(request, REGISTER_ROLES)
    pdf = get_object_or_404(
        selectors.register_pdfs_of(request.user).filter(status=RegisterPdf.Status.DONE), pk=pk
    )
    data = fg_services.read_register_pdf(pdf)
    _log_view(
        request,
        f"register_{pdf.register}_pdf_download",
        object_type="fg.registerpdf",
        object_id=str(pdf.pk),
    )
    stamp = timezone.localtime(pdf.created_at).date().isoformat()
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="register-{pdf.register}-{stamp}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# --- Retention: deletion records (PRV-06) -------------------------------------------------------


@require_GET
def deletions(request: HttpRequest) -> HttpResponse:
    _require(request)
    from passend.retention import selectors as retention_selectors

    runs = retention_selectors.recent_runs()
    records = retention_selectors.recent_records(LIST_LIMIT)
    _log_view(request, "deletions")
    return render(request, "fg/deletions.html", {"runs": runs, "records": records})


class LegalHoldForm(forms.Form):
    pseudonym = forms.CharField(label=gettext_lazy("Pseudoniem van het traject"), max_length=20)
    reason = forms.CharField(
        label=gettext_lazy("Reden van de bewaarplicht"),
        max_length=300,
        help_text=gettext_lazy("Bijvoorbeeld: bezwaar- of beroepsprocedure loopt nog."),
    )
    until = forms.DateField(
        label=gettext_lazy("Tot en met"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Leeg: tot de bewaarplicht wordt opgeheven."),
    )


@require_http_methods(["GET", "POST"])
def legal_holds(request: HttpRequest) -> HttpResponse:
    """PRV-06: holds keep a case beyond its term; the purge skips them."""
    from django.core.exceptions import ValidationError

    from passend.retention import selectors as retention_selectors
    from passend.retention import services as retention_services

    _require(request)
    form = LegalHoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            retention_services.place_hold_by_pseudonym(
                Actor.from_request(request),
                pseudonym=form.cleaned_data["pseudonym"],
                reason=form.cleaned_data["reason"],
                until=form.cleaned_data["until"],
            )
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("De bewaarplicht is vastgelegd."))
            return redirect("privacy_officer:legal_holds")
    holds = list(retention_selectors.active_holds()[:LIST_LIMIT])
    _log_view(request, "legal_holds")
    return render(request, "fg/legal_holds.html", {"form": form, "holds": holds})


@require_POST
def legal_hold_lift(request: HttpRequest, pk: int) -> HttpResponse:
    from passend.retention import selectors as retention_selectors
    from passend.retention import services as retention_services

    _require(request)
    hold = get_object_or_404(retention_selectors.active_holds(), pk=pk)
    retention_services.lift_hold(Actor.from_request(request), hold)
    messages.success(request, _("De bewaarplicht is opgeheven."))
    return redirect("privacy_officer:legal_holds")
