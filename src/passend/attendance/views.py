"""Screens of the attendance module (ABS-01..05). Thin: selectors read, services write.

* School (support coordinator): import, manual entry, contact refusal (ABS-02), the
  meldplichtig overview and the DUO report.
* Leerplicht: attendance/thuiszitter cases it takes part in (through the one policy, ABS-05),
  person notes only after a DUO report, preventive notes at school level (ABS-03).
* SWV: thuiszitters it takes part in and the anonymised Inspectie export (ABS-04).

Case pages call ``access.selectors.get_case`` first (policy + log; 404 when denied).
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from passend.access import selectors as access
from passend.access.actor import Actor
from passend.accounts.models import Membership, Organisation, OrganisationKind, Role
from passend.attendance import forms, selectors, services
from passend.attendance.importers import documented_columns
from passend.attendance.models import AbsenceImport, HomeStay
from passend.cases import forms as case_forms
from passend.cases import selectors as case_selectors
from passend.cases.models import ATTENDANCE_KINDS
from passend.privacy.categories import DataCategory
from passend.privacy.context import AccessContext
from passend.privacy.models import Outcome
from passend.privacy.services import record_access
from passend.pupils.models import ImportSource
from passend.pupils.selectors import pupils_enrolled_at

ACTIVITY = services.ACTIVITY
SWV_ROLES = frozenset({Role.SWV_DIRECTOR, Role.ECT_MEMBER})


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def _deny(request: HttpRequest, action: str, object_type: str, reason: str) -> None:
    record_access(
        AccessContext.from_request(request),
        action=action,
        activity=ACTIVITY,
        outcome=Outcome.DENIED,
        object_type=object_type,
        reason=reason,
    )


def _coordinator_school(request: HttpRequest, action: str) -> Organisation:
    """The school the user acts for as support coordinator; 403 (logged) for anyone else."""
    try:
        return services.coordinator_school(_membership(request))
    except PermissionDenied:
        _deny(request, action, "attendance.absencerecord", "support coordinator at a school")
        raise


def _role_in(request: HttpRequest, roles: frozenset[str], action: str, object_type: str) -> Any:
    membership = _membership(request)
    if membership is None or membership.role not in roles:
        _deny(request, action, object_type, "role")
        raise PermissionDenied
    return membership


# Leerplicht's own cases listed on the module's page; more are on "Mijn trajecten".
OFFICER_CASES_SHOWN = 200


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    role = membership.role if membership else None
    allowed = {Role.SUPPORT_COORDINATOR, Role.ATTENDANCE_OFFICER, *SWV_ROLES}
    if role not in allowed:
        _deny(request, "view", "attendance.index", "role")
        raise PermissionDenied
    context: dict[str, Any] = {"role": role}
    if role == Role.SUPPORT_COORDINATOR and membership is not None:
        context["imports"] = selectors.imports_for_school(membership.organisation)[:5]
    if role == Role.ATTENDANCE_OFFICER:
        # Newest first, the list's light policy input (the same decisions as the case page's;
        # issue 10: 130 cases of an officer of the large region 62 -> 24 ms); the rest on "Mijn
        # trajecten".
        ids = list(
            access.involved_cases(request.user, membership)
            .filter(kind__in=ATTENDANCE_KINDS)
            .order_by("-opened_at", "-id")
            .values_list("pk", flat=True)[: OFFICER_CASES_SHOWN + 1]
        )
        cases = access.cases_for_rows(ids[:OFFICER_CASES_SHOWN], request.user, membership)
        rows = access.decide_rows(request, cases)
        access.log_rows(request, rows)
        context["case_rows"] = rows
        context["more_cases"] = len(ids) > OFFICER_CASES_SHOWN
    return render(request, "attendance/index.html", context)


# --- import -------------------------------------------------------------------------------


def _import_or_404(request: HttpRequest, school: Organisation, pk: int) -> AbsenceImport:
    run = selectors.import_for_school(school, pk)
    if run is None:
        _deny(request, "view", "attendance.absenceimport", "not an import of the acting school")
        raise Http404
    return run


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    school = _coordinator_school(request, "import_upload")
    form = forms.ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.start_import(
                Actor.from_request(request),
                source=form.cleaned_data["source"],
                file=form.cleaned_data["file"],
            )
        except ValidationError as error:
            form.add_error("file", error.messages)
        else:
            return HttpResponseRedirect(reverse("attendance:import_detail", args=[run.pk]))
    sources = [(label, documented_columns(value)) for value, label in ImportSource.choices]
    return render(
        request,
        "attendance/import_upload.html",
        {"form": form, "school": school, "sources": sources},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    school = _coordinator_school(request, "view")
    run = _import_or_404(request, school, pk)
    record_access(
        AccessContext.from_request(request),
        action="view",
        activity=ACTIVITY,
        obj=run,
        legal_ground=services.LEGAL_GROUND,
    )
    return render(request, "attendance/import_detail.html", {"run": run, "school": school})


@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The fragment polled by htmx: counters only; the final poll (with the report) is logged."""
    school = _coordinator_school(request, "view")
    run = _import_or_404(request, school, pk)
    if run.is_finished:
        record_access(
            AccessContext.from_request(request),
            action="view",
            activity=ACTIVITY,
            obj=run,
            legal_ground=services.LEGAL_GROUND,
        )
    return render(request, "attendance/_import_progress.html", {"run": run})


# --- manual entry ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def absence_create(request: HttpRequest) -> HttpResponse:
    school = _coordinator_school(request, "create")
    pupils = pupils_enrolled_at(school).order_by("last_name", "first_name", "pk")
    form = forms.AbsenceForm(request.POST or None, pupils=pupils)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_absence(Actor.from_request(request), **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Het verzuim is geregistreerd."))
            return HttpResponseRedirect(reverse("attendance:reportables"))
    return render(
        request,
        "attendance/form.html",
        {"form": form, "title": _("Verzuim registreren"), "back": reverse("attendance:index")},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def contact_refusal(request: HttpRequest) -> HttpResponse:
    school = _coordinator_school(request, "create")
    pupils = pupils_enrolled_at(school).order_by("last_name", "first_name", "pk")
    form = forms.ContactRefusalForm(request.POST or None, pupils=pupils)
    if request.method == "POST" and form.is_valid():
        try:
            services.register_contact_refusal(Actor.from_request(request), **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Vastgelegd. De eerstvolgende ziekmelding wordt gesignaleerd als overig "
                    "verzuim (ABS-02)."
                ),
            )
            return HttpResponseRedirect(reverse("attendance:reportables"))
    return render(
        request,
        "attendance/form.html",
        {
            "form": form,
            "title": _("Ouders weigeren contact over ziekteverzuim"),
            "intro": _(
                "Ziekteverzuim is geoorloofd en wordt niet gemeld. Weigeren ouders contact met "
                "school of jeugdarts, dan meldt de school de eerstvolgende ziekmelding als "
                "vermoedelijk ongeoorloofd verzuim (overig verzuim, ABS-02)."
            ),
            "back": reverse("attendance:index"),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- meldplichtig and the DUO report ------------------------------------------------------


@require_GET
def reportables(request: HttpRequest) -> HttpResponse:
    school = _coordinator_school(request, "list")
    show = request.GET.get("status", "open")
    status = "" if show == "all" else ("reported" if show == "reported" else "open")
    rows = selectors.reportables_for_school(request, school, status=status)
    return render(
        request,
        "attendance/reportables.html",
        {"rows": rows, "school": school, "show": show, "today": timezone.localdate()},
    )


def _municipality_choices() -> Any:
    return Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, is_active=True).order_by(
        "name"
    )


def _officers(municipality_id: Any) -> Any:
    from django.contrib.auth import get_user_model

    if not municipality_id:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(
            memberships__in=Membership.objects.active().filter(
                organisation_id=municipality_id, role=Role.ATTENDANCE_OFFICER
            )
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


@require_http_methods(["GET", "POST"])
def duo_report(request: HttpRequest, pk: int) -> HttpResponse:
    school = _coordinator_school(request, "register_duo_report")
    reportable = selectors.reportable_for_school(school, pk)
    if reportable is None:
        _deny(request, "view", "attendance.reportableabsence", "not of the acting school")
        raise Http404
    actor = Actor.from_request(request)
    if reportable.case is None:
        reportable = services.attach_case(actor, reportable)
    row = access.get_case(request, reportable.case_id)
    municipality_id = (request.POST or request.GET).get("municipality")
    form = forms.DuoReportForm(
        request.POST or None,
        initial={"kind": reportable.reason},
        municipalities=_municipality_choices(),
        officers=_officers(municipality_id if str(municipality_id or "").isdigit() else None),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.register_duo_report(
                actor, row.case, reportable=reportable, **form.cleaned_data
            )
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("De melding bij DUO is vastgelegd."))
            return HttpResponseRedirect(reverse("attendance:case", args=[row.case.pk]))
    return render(
        request,
        "attendance/duo_report.html",
        {"form": form, "reportable": reportable, "row": row},
        status=400 if request.method == "POST" else 200,
    )


# --- the attendance case page --------------------------------------------------------------


def _attendance_case(request: HttpRequest, case_id: int) -> access.CaseRow:
    row = access.get_case(request, case_id)
    if row.case.kind not in ATTENDANCE_KINDS:
        raise Http404
    return row


@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    row = _attendance_case(request, case_id)
    detail = selectors.attendance_detail(row)
    membership = _membership(request)
    is_officer = membership is not None and membership.role == Role.ATTENDANCE_OFFICER
    return render(
        request,
        "attendance/case_detail.html",
        {
            "row": row,
            "case": row.case,
            "d": detail,
            "can_see_absence": row.access.can_see(DataCategory.ABSENCE),
            "is_officer": is_officer,
            "note_form": forms.OfficerNoteForm() if is_officer and detail.has_duo_report else None,
            "can_manage": row.access.can_manage,
            "today": timezone.localdate(),
        },
    )


@require_POST
def officer_note(request: HttpRequest, case_id: int) -> HttpResponse:
    row = _attendance_case(request, case_id)
    form = forms.OfficerNoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_officer_note(Actor.from_request(request), row.case, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("De notitie is opgeslagen."))
            return HttpResponseRedirect(reverse("attendance:case", args=[case_id]))
    detail = selectors.attendance_detail(row)
    return render(
        request,
        "attendance/case_detail.html",
        {
            "row": row,
            "case": row.case,
            "d": detail,
            "can_see_absence": row.access.can_see(DataCategory.ABSENCE),
            "is_officer": True,
            "note_form": form,
            "can_manage": row.access.can_manage,
            "today": timezone.localdate(),
        },
        status=400,
    )


# --- preventive work at school level (ABS-03) ---------------------------------------------


@require_http_methods(["GET", "POST"])
def preventive(request: HttpRequest) -> HttpResponse:
    membership = _role_in(
        request,
        frozenset({Role.ATTENDANCE_OFFICER, Role.SUPPORT_COORDINATOR}),
        "view",
        "attendance.preventivenote",
    )
    form = None
    if membership.role == Role.ATTENDANCE_OFFICER:
        form = forms.PreventiveNoteForm(request.POST or None, schools=selectors.schools())
        if request.method == "POST" and form.is_valid():
            try:
                services.add_preventive_note(Actor.from_request(request), **form.cleaned_data)
            except ValidationError as error:
                forms.apply_service_errors(form, error)
            else:
                messages.success(request, _("Het preventieve werk is vastgelegd."))
                return HttpResponseRedirect(reverse("attendance:preventive"))
    elif request.method == "POST":
        raise PermissionDenied
    notes = selectors.preventive_notes(membership)[:200]
    return render(
        request,
        "attendance/preventive.html",
        {"form": form, "notes": notes},
        status=400 if request.method == "POST" else 200,
    )


# --- thuiszitters (ABS-04) -------------------------------------------------------------------


@require_GET
def home_stays(request: HttpRequest) -> HttpResponse:
    membership = _role_in(
        request,
        frozenset({Role.SUPPORT_COORDINATOR, Role.ATTENDANCE_OFFICER, *SWV_ROLES}),
        "list",
        "attendance.homestay",
    )
    rows = selectors.home_stay_rows(request, include_closed=request.GET.get("alle") == "1")
    return render(
        request,
        "attendance/home_stays.html",
        {
            "rows": rows,
            "can_register": membership.role in services.HOME_STAY_ROLES,
            "can_export": membership.role in SWV_ROLES
            and membership.organisation.kind == OrganisationKind.SWV,
            "export_form": forms.ExportForm(
                initial={"year": timezone.localdate().year, "quarter": 1}
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def home_stay_create(request: HttpRequest) -> HttpResponse:
    membership = _role_in(request, services.HOME_STAY_ROLES, "create", "attendance.homestay")
    form = forms.NewHomeStayForm(
        **case_forms.pupil_form_args(request),
        pupils=case_selectors.openable_pupils(membership),
        consultation_cases=selectors.consultation_cases(request),
    )
    case_forms.limit_pupil_choices(form, request)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            home_stay = services.register_home_stay(
                Actor.from_request(request), pupil=form.cleaned_data["pupil"], **values
            )
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("De thuiszitter is geregistreerd."))
            return HttpResponseRedirect(reverse("attendance:case", args=[home_stay.case_id]))
    return render(
        request,
        "attendance/form.html",
        {
            "form": form,
            "title": _("Thuiszitter registreren"),
            "back": reverse("attendance:home_stays"),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def home_stay_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    row = _attendance_case(request, case_id)
    home_stay = HomeStay.objects.filter(case=row.case).first()
    if home_stay is None:
        raise Http404
    if not row.access.can_manage:
        raise PermissionDenied
    form = forms.HomeStayForm(
        request.POST or None,
        instance=home_stay,
        consultation_cases=selectors.consultation_cases(request),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_home_stay(Actor.from_request(request), home_stay, **form.values())
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("De registratie is bijgewerkt."))
            return HttpResponseRedirect(reverse("attendance:case", args=[case_id]))
    return render(
        request,
        "attendance/form.html",
        {
            "form": form,
            "title": _("Thuiszitter bijwerken"),
            "back": reverse("attendance:case", args=[case_id]),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def inspectie_export(request: HttpRequest) -> HttpResponse:
    membership = _role_in(request, SWV_ROLES, "export", "attendance.homestay")
    if membership.organisation.kind != OrganisationKind.SWV:
        raise PermissionDenied
    form = forms.ExportForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "attendance/form.html",
            {"form": form, "title": _("Inspectie-export"), "method": "get"},
            status=400,
        )
    year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
    rows = selectors.inspectie_export(membership.organisation, year, quarter)
    record_access(
        AccessContext.from_request(request),
        action="export",
        activity=services.HOME_STAY_ACTIVITY,
        object_type="attendance.homestay",
        object_id=f"{year}Q{quarter}",
        reason="anonymised counts (ABS-04)",
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="thuiszitters-{year}-Q{quarter}.csv"'
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Categorie"),
            _("Code"),
            _("Aantal op eerste dag"),
            _("Nieuw in kwartaal"),
            _("Beëindigd in kwartaal"),
            _("Aantal op laatste dag"),
        ]
    )
    for item in rows:
        writer.writerow([item.label, item.code, item.at_start, item.new, item.ended, item.at_end])
    return response
