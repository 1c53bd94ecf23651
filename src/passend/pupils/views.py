"""Screens of a school's support coordinator: add a pupil, import the school's pupils.

Only a support coordinator acting for a school may use them (403 otherwise, logged as
denied). Pupil lists and details are not here: they go through the access policy.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from passend.accounts.models import Organisation, OrganisationKind, Role
from passend.privacy.context import AccessContext
from passend.privacy.models import Outcome
from passend.privacy.services import record_access
from passend.pupils import selectors, services
from passend.pupils.forms import GuardianFormSet, ImportUploadForm, PupilForm
from passend.pupils.importers import documented_columns
from passend.pupils.models import ImportSource, PupilImport

ACTIVITY = services.ACTIVITY


def _coordinator_school(request: HttpRequest, action: str) -> Organisation:
    """The school the user acts for as support coordinator; 403 (logged) for anyone else."""
    membership = getattr(request, "membership", None)
    if (
        membership is None
        or membership.role != Role.SUPPORT_COORDINATOR
        or membership.organisation.kind != OrganisationKind.SCHOOL
    ):
        record_access(
            AccessContext.from_request(request),
            action=action,
            activity=ACTIVITY,
            outcome=Outcome.DENIED,
            object_type="pupils.pupil",
            reason="role: support coordinator at a school required",
        )
        raise PermissionDenied
    return membership.organisation


def _import_or_404(request: HttpRequest, school: Organisation, pk: int) -> PupilImport:
    pupil_import = selectors.import_for_school(school, pk)
    if pupil_import is None:
        record_access(
            AccessContext.from_request(request),
            action="view",
            activity=ACTIVITY,
            outcome=Outcome.DENIED,
            object_type="pupils.pupilimport",
            object_id=str(pk),
            reason="not an import of the acting school",
        )
        raise Http404
    return pupil_import


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    school = _coordinator_school(request, "view")
    imports = selectors.imports_for_school(school).select_related("requested_by")[:10]
    return render(request, "pupils/index.html", {"school": school, "imports": imports})


@require_http_methods(["GET", "POST"])
def pupil_create(request: HttpRequest) -> HttpResponse:
    school = _coordinator_school(request, "create")
    form = PupilForm(request.POST or None)
    guardians = GuardianFormSet(request.POST or None, prefix="guardians")
    if request.method == "POST" and form.is_valid() and guardians.is_valid():
        data = dict(form.cleaned_data)
        start_date = data.pop("start_date")
        grade = data.pop("grade")
        guardian_data = [g.cleaned_data for g in guardians if g.has_changed() and g.cleaned_data]
        try:
            services.register_pupil(
                AccessContext.from_request(request),
                school=school,
                pupil_data=data,
                guardians=guardian_data,
                start_date=start_date,
                grade=grade,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("De leerling is toegevoegd en ingeschreven."))
            return redirect("pupils:index")
    return render(
        request,
        "pupils/pupil_form.html",
        {"form": form, "guardians": guardians, "school": school},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    school = _coordinator_school(request, "import_upload")
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            pupil_import = services.start_import(
                AccessContext.from_request(request),
                school=school,
                source=form.cleaned_data["source"],
                file=form.cleaned_data["file"],
            )
        except ValidationError as error:
            form.add_error("file", error.messages)
        else:
            return redirect("pupils:import_detail", pk=pupil_import.pk)
    sources = [(label, documented_columns(value)) for value, label in ImportSource.choices]
    return render(
        request,
        "pupils/import_upload.html",
        {"form": form, "school": school, "sources": sources},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    school = _coordinator_school(request, "view")
    pupil_import = _import_or_404(request, school, pk)
    # The report holds line numbers and reasons, never values; the view is logged all the same.
    record_access(
        AccessContext.from_request(request),
        action="view",
        activity=ACTIVITY,
        obj=pupil_import,
        legal_ground=services.LEGAL_GROUND,
    )
    return render(
        request, "pupils/import_detail.html", {"pupil_import": pupil_import, "school": school}
    )


@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment polled by htmx: counters only, logged once it shows the report."""
    school = _coordinator_school(request, "view")
    pupil_import = _import_or_404(request, school, pk)
    if pupil_import.is_finished:  # the last poll shows the report: log that one
        record_access(
            AccessContext.from_request(request),
            action="view",
            activity=ACTIVITY,
            obj=pupil_import,
            legal_ground=services.LEGAL_GROUND,
        )
    return render(request, "pupils/_import_progress.html", {"pupil_import": pupil_import})
