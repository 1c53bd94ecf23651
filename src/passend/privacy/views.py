"""Subject-request screens under /privacy/verzoeken/ (PRV-01..05). Thin: reads through
privacy.selectors (scoped and logged), writes through privacy.services."""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from passend.access.actor import Actor
from passend.privacy import forms, selectors, services
from passend.privacy.context import AccessContext
from passend.privacy.models import RequestKind, SubjectRequest
from passend.privacy.services import LogItem, record_access_many

PUPIL_SEARCH_LIMIT = 50


def _membership(request: HttpRequest) -> Any:
    return getattr(request, "membership", None)


def _require_membership(request: HttpRequest) -> Any:
    membership = _membership(request)
    if membership is None:
        raise Http404
    return membership


@require_http_methods(["GET"])
def request_list(request: HttpRequest) -> HttpResponse:
    _require_membership(request)
    form = forms.FilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {
            "status": form.cleaned_data["status"],
            "kind": form.cleaned_data["kind"],
            "overdue": form.cleaned_data["overdue"],
        }
    rows = selectors.request_queue(request, **filters)
    return render(
        request,
        "privacy/request_list.html",
        {
            "form": form,
            "rows": [(r, selectors.is_overdue(r)) for r in rows],
            "can_register": services.is_handler(_membership(request)),
        },
    )


def _pupils_for(request: HttpRequest, query: str) -> list[Any]:
    """Pupils currently enrolled at the acting organisation or one of its schools, by name;
    every pupil shown is logged (pupil administration)."""
    membership = _membership(request)
    if membership is None or len(query.strip()) < 2:
        return []
    pupil_model = apps.get_model("pupils", "Pupil")
    organisation_id = membership.organisation_id
    pupils = list(
        pupil_model.objects.filter(
            Q(enrolments__school_id=organisation_id)
            | Q(enrolments__school__swv_id=organisation_id),
            enrolments__end_date__isnull=True,
        )
        .filter(Q(last_name__icontains=query.strip()) | Q(first_name__icontains=query.strip()))
        .distinct()
        .order_by("last_name", "first_name", "id")[:PUPIL_SEARCH_LIMIT]
    )
    record_access_many(
        AccessContext.from_request(request),
        [
            LogItem(
                subject_pseudonym=services.pupil_subject(p.pk),
                object_type="pupils.pupil",
                object_id=str(p.pk),
                data_categories=("ordinary",),
            )
            for p in pupils
        ],
        action="search",
        activity="subject_rights",
    )
    return pupils


@require_http_methods(["GET", "POST"])
def request_create(request: HttpRequest) -> HttpResponse:
    if not services.is_handler(_membership(request)):
        raise Http404
    # The search term is a name: it travels in the POST body, never in the URL.
    query = request.POST.get("q", "")[:100] if request.method == "POST" else ""
    searching = "search" in request.POST
    pupils = _pupils_for(request, query)
    form = forms.SubjectRequestForm(
        request.POST if request.method == "POST" and not searching else None,
        pupils=pupils,
        initial={"q": query},
    )
    if request.method == "POST" and not searching and form.is_valid():
        values = dict(form.cleaned_data)
        values.pop("q", None)
        pupil = form.pupils.get(values.pop("pupil"))
        try:
            created = services.register_subject_request(
                Actor.from_request(request), pupil=pupil, **values
            )
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Het verzoek is ingeboekt."))
            return HttpResponseRedirect(reverse("privacy:request_detail", args=[created.pk]))
    return render(
        request,
        "privacy/request_form.html",
        {"form": form, "query": query, "title": _("Verzoek van een betrokkene inboeken")},
    )


ACTIONS = ("identiteit", "toewijzen", "verlengen", "besluiten", "uitvoeren", "opheffen")


def _available(request: HttpRequest, subject_request: SubjectRequest) -> list[tuple[str, Any]]:
    membership = _membership(request)
    handler = services.is_handler(membership) or subject_request.assigned_to_id == request.user.pk
    if not handler:
        return []
    names: list[tuple[str, Any]] = []
    status = subject_request.status
    S = SubjectRequest.Status
    if status in (S.RECEIVED, S.ASSIGNED):
        if subject_request.identity_verified_on is None:
            names.append(("identiteit", gettext_lazy("Identiteit vastgesteld")))
        if services.is_handler(membership):
            names.append(("toewijzen", gettext_lazy("Toewijzen")))
        names.append(("verlengen", gettext_lazy("Termijn verlengen")))
        names.append(("besluiten", gettext_lazy("Besluiten")))
    if status == S.DECIDED:
        names.append(("uitvoeren", gettext_lazy("Uitvoeren")))
    if selectors.active_restriction(subject_request.pupil_id) is not None and any(
        r.lifted_at is None for r in subject_request.restrictions.all()
    ):
        names.append(("opheffen", gettext_lazy("Beperking opheffen")))
    return names


@require_http_methods(["GET"])
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    subject_request = selectors.get_request(request, request_id)
    return render(
        request,
        "privacy/request_detail.html",
        {
            "r": subject_request,
            "events": selectors.request_events(subject_request),
            "overdue": selectors.is_overdue(subject_request),
            "actions": _available(request, subject_request),
            "restriction": selectors.active_restriction(subject_request.pupil_id),
            "disclosures": list(selectors.disclosures_for(subject_request.subject_pseudonym)),
            "bundle_ready": subject_request.kind == RequestKind.ACCESS
            and subject_request.identity_verified_on is not None
            and services.may_make_bundle(_membership(request), request.user, subject_request),
        },
    )


@require_http_methods(["GET", "POST"])
def request_action(request: HttpRequest, request_id: int, name: str) -> HttpResponse:
    subject_request = selectors.get_request(request, request_id)
    if name not in ACTIONS:
        raise Http404
    titles = dict(_available(request, subject_request))
    if name not in titles:
        raise PermissionDenied(_("Deze stap is nu niet aan u (PRV-01)."))
    data = request.POST if request.method == "POST" else None
    form: Any
    if name == "identiteit":
        form = forms.IdentityForm(data)
    elif name == "toewijzen":
        form = forms.AssignForm(
            data, users=services.assignable_handlers(subject_request.organisation_id)
        )
    elif name == "verlengen":
        form = forms.ExtendForm(data)
    elif name == "besluiten":
        form = forms.DecideForm(data)
    elif name == "uitvoeren":
        form = forms.ExecuteForm(data)
    else:
        form = forms.LiftForm(data)
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)
        values = dict(form.cleaned_data)
        try:
            if name == "identiteit":
                services.verify_identity(actor, subject_request, **values)
            elif name == "toewijzen":
                services.assign_subject_request(
                    actor, subject_request, user=form.users.get(values["user"])
                )
            elif name == "verlengen":
                services.extend_subject_request(actor, subject_request, **values)
            elif name == "besluiten":
                services.decide_subject_request(actor, subject_request, **values)
            elif name == "uitvoeren":
                services.execute_subject_request(actor, subject_request, **values)
            else:
                services.lift_restriction(actor, subject_request, **values)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Vastgelegd: %(step)s.") % {"step": titles[name]})
            return HttpResponseRedirect(
                reverse("privacy:request_detail", args=[subject_request.pk])
            )
    return render(
        request,
        "privacy/request_form.html",
        {"form": form, "title": titles[name], "subject_request": subject_request},
    )


def _bundle(request: HttpRequest, request_id: int, fmt: str) -> tuple[SubjectRequest, dict]:
    """The bundle is made by an explicit, logged POST of the FG or the assigned handler: it is
    never a page that can be browsed to (need to know, ORG-04)."""
    subject_request = selectors.get_request(request, request_id, action="bundle")
    try:
        services.record_bundle(Actor.from_request(request), subject_request, fmt=fmt)
    except ValidationError as error:
        raise PermissionDenied(" ".join(error.messages)) from None
    return subject_request, selectors.access_bundle(subject_request)


@require_http_methods(["POST"])
def bundle_json(request: HttpRequest, request_id: int) -> HttpResponse:
    subject_request, bundle = _bundle(request, request_id, "json")
    response = HttpResponse(
        json.dumps(bundle, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    # The file name carries the request's reference, never the pupil's name.
    response["Content-Disposition"] = (
        f'attachment; filename="inzage-{subject_request.reference}.json"'
    )
    return response


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError("the bundle loads no external resources")


def _display(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict) and "label" in value and "id" in value:
        return str(value["label"] or "—")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _readable_sections(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """The sections as label/value rows for the PDF (the JSON keeps the structure)."""
    readable = []
    for section in bundle["sections"]:
        if not section["records"]:
            continue
        records = [
            {
                "origin": record.get("_origin", ""),
                "fields": [
                    (key, _display(value))
                    for key, value in record.items()
                    if not key.startswith("_")
                ],
            }
            for record in section["records"]
        ]
        readable.append({"title": section["title"], "records": records})
    return readable


def render_bundle_pdf(bundle: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    with translation.override("nl"):
        html = render_to_string(
            "privacy/bundle_pdf.html", {"b": bundle, "sections": _readable_sections(bundle)}
        )
    pdf = HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    assert pdf is not None  # noqa: S101 - write_pdf without a target returns bytes
    return bytes(pdf)


@require_http_methods(["POST"])
def bundle_pdf(request: HttpRequest, request_id: int) -> HttpResponse:
    subject_request, bundle = _bundle(request, request_id, "pdf")
    response = HttpResponse(render_bundle_pdf(bundle), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="inzage-{subject_request.reference}.pdf"'
    )
    return response
