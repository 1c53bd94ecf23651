"""Informatiepunt screens, under /informatiepunt/ (INF-01). Thin: reads via the inquiries
selectors (scoped and logged), writes via the inquiries services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from passend.access.actor import Actor
from passend.accounts.models import OrganisationKind
from passend.cases import selectors as case_selectors
from passend.inquiries import forms, selectors, services
from passend.inquiries.models import Inquiry


def _membership(request: HttpRequest) -> Any:
    return getattr(request, "membership", None)


def _is_desk(request: HttpRequest) -> bool:
    membership = _membership(request)
    return (
        membership is not None
        and membership.organisation.kind == OrganisationKind.SWV
        and membership.role in services.DESK_ROLES
    )


@require_http_methods(["GET"])
def queue(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    if membership is None or membership.organisation.kind != OrganisationKind.SWV:
        raise Http404
    form = forms.FilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {
            "status": form.cleaned_data["status"],
            "kind": form.cleaned_data["kind"],
            "overdue": form.cleaned_data["overdue"],
        }
    rows = selectors.queue(request, **filters)
    return render(
        request,
        "inquiries/queue.html",
        {
            "form": form,
            "rows": [(i, selectors.is_overdue(i)) for i in rows],
            "can_register": _is_desk(request),
        },
    )


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    if not _is_desk(request):
        raise Http404
    form = forms.InquiryForm(
        request.POST if request.method == "POST" else None,
        organisations=case_selectors.active_organisations(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            inquiry = services.register(Actor.from_request(request), **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("De vraag of klacht is geregistreerd."))
            return HttpResponseRedirect(reverse("inquiries:detail", args=[inquiry.pk]))
    return render(
        request, "inquiries/form.html", {"form": form, "title": _("Nieuwe vraag of klacht")}
    )


def _can_handle(request: HttpRequest, inquiry: Inquiry) -> bool:
    return _is_desk(request) or inquiry.assigned_to_id == request.user.pk


def _available(request: HttpRequest, inquiry: Inquiry) -> list[tuple[str, Any]]:
    names: list[tuple[str, Any]] = []
    allowed = services.ALLOWED[inquiry.status]
    if _is_desk(request) and Inquiry.Status.ASSIGNED in allowed:
        names.append(("toewijzen", gettext_lazy("Toewijzen")))
    if _can_handle(request, inquiry):
        if Inquiry.Status.ANSWERED in allowed:
            names.append(("beantwoorden", gettext_lazy("Beantwoorden")))
        if Inquiry.Status.REFERRED in allowed:
            names.append(("doorverwijzen", gettext_lazy("Doorverwijzen")))
        if Inquiry.Status.CLOSED in allowed:
            names.append(("sluiten", gettext_lazy("Sluiten")))
    return names


@require_http_methods(["GET"])
def detail(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    inquiry = selectors.get_inquiry(request, inquiry_id)
    info = selectors.detail(request, inquiry)
    return render(
        request,
        "inquiries/detail.html",
        {
            "i": inquiry,
            "d": info,
            "overdue": selectors.is_overdue(inquiry),
            "actions": _available(request, inquiry),
        },
    )


@require_http_methods(["GET", "POST"])
def action(request: HttpRequest, inquiry_id: int, name: str) -> HttpResponse:
    inquiry = selectors.get_inquiry(request, inquiry_id)
    titles = dict(_available(request, inquiry))
    if name not in ("toewijzen", "beantwoorden", "doorverwijzen", "sluiten"):
        raise Http404
    if name not in titles:
        raise PermissionDenied(_("Deze stap is nu niet aan u (INF-01)."))
    data = request.POST if request.method == "POST" else None
    form: Any
    if name == "toewijzen":
        form = forms.AssignForm(data, users=services.assignable_users(inquiry.swv))
    elif name == "beantwoorden":
        form = forms.AnswerForm(data)
    elif name == "doorverwijzen":
        form = forms.ReferForm(data)
    else:
        form = forms.CloseForm(data)
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)
        values = dict(form.cleaned_data)
        try:
            if name == "toewijzen":
                services.assign(
                    actor, inquiry, user=form.users.get(values["user"]), note=values["note"]
                )
            elif name == "beantwoorden":
                services.answer(actor, inquiry, **values)
            elif name == "doorverwijzen":
                services.refer(actor, inquiry, **values)
            else:
                services.close(actor, inquiry, **values)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Vastgelegd: %(step)s.") % {"step": titles[name]})
            return HttpResponseRedirect(reverse("inquiries:detail", args=[inquiry.pk]))
    return render(
        request,
        "inquiries/form.html",
        {"form": form, "title": titles[name], "inquiry": inquiry},
    )
