"""Views of the parent and youth portal: thin, on top of selectors and services.

The middleware (``portal.middleware.PortalMiddleware``) guarantees ``request.rights_holder`` on
every page outside ``/portaal/inloggen/``.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from passend.access.rights_holder import RightsHolder
from passend.portal import auth, selectors, services
from passend.portal.forms import CodeForm, EmailForm, RequestForm, StatementForm
from passend.portal.middleware import (
    SESSION_EXPIRED,
    end_portal_session,
    start_portal_session,
)
from passend.privacy.context import AccessContext


def _holder(request: HttpRequest) -> RightsHolder:
    return cast(RightsHolder, request.rights_holder)  # type: ignore[attr-defined]


def _errors(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    expired = bool(request.session.pop(SESSION_EXPIRED, False))
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sent = auth.request_sign_in(
            form.cleaned_data["email"], context=AccessContext.from_request(request)
        )
        if sent is None:
            return render(request, "portal/rate_limited.html", status=429)
        # The same page whether the address is known or not (no account enumeration).
        return render(
            request,
            "portal/link_sent.html",
            {"code": f"{sent.code[:3]} {sent.code[3:]}", "minutes": sent.expires_in_minutes},
        )
    return render(request, "portal/sign_in.html", {"form": form, "expired": expired})


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    if not auth.link_is_open(token):
        return render(request, "portal/link_invalid.html", status=404)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identity = auth.complete_sign_in(
            token, form.cleaned_data["code"], context=AccessContext.from_request(request)
        )
        if identity is not None:
            start_portal_session(request, identity)
            return HttpResponseRedirect(reverse("portal:overview"))
        if not auth.link_is_open(token):
            return render(request, "portal/link_invalid.html", status=404)
        form.add_error("code", _("Deze code klopt niet. Controleer de zes cijfers."))
    return render(request, "portal/code.html", {"form": form})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    end_portal_session(request)
    return HttpResponseRedirect(reverse("portal:sign_in"))


def overview(request: HttpRequest) -> HttpResponse:
    pupils = selectors.overview(_holder(request))
    return render(request, "portal/overview.html", {"pupils": pupils})


def pupil(request: HttpRequest, pupil_id: int) -> HttpResponse:
    view = selectors.pupil_view(_holder(request), pupil_id)
    open_cases = [c.case for c in view.cases if c.is_open]
    return render(
        request,
        "portal/pupil.html",
        {
            "v": view,
            "a": view.access,
            "statement_form": StatementForm(cases=open_cases) if open_cases else None,
        },
    )


def who_viewed(request: HttpRequest, pupil_id: int) -> HttpResponse:
    access, events = selectors.who_viewed(_holder(request), pupil_id)
    return render(request, "portal/who_viewed.html", {"a": access, "events": events})


@require_POST
def statement(request: HttpRequest, pupil_id: int) -> HttpResponse:
    holder = _holder(request)
    view = selectors.pupil_view(holder, pupil_id)
    open_cases = [c.case for c in view.cases if c.is_open]
    form = StatementForm(request.POST, cases=open_cases)
    if form.is_valid():
        try:
            services.add_statement(
                holder,
                view.access,
                form.cleaned_data["case"],
                form.cleaned_data["text"],
                trace_id=getattr(request, "trace_id", ""),
            )
        except PermissionDenied as error:
            messages.error(request, str(error))
        except ValidationError as error:
            for message in _errors(error):
                form.add_error(None, message)
        else:
            messages.success(request, _("Uw zienswijze is toegevoegd aan het traject."))
            return HttpResponseRedirect(reverse("portal:pupil", args=[view.access.pupil.pk]))
    return render(
        request, "portal/pupil.html", {"v": view, "a": view.access, "statement_form": form}
    )


def _act(request: HttpRequest, pupil_id: int, action: str) -> HttpResponseRedirect:
    holder = _holder(request)
    access = selectors.pupil_access(holder, pupil_id, action="portal_" + action)
    target = reverse("portal:pupil", args=[access.pupil.pk])
    try:
        if action == "revoke_consent":
            services.revoke_consent(holder, access, request.POST.get("consent"))
            messages.success(request, _("De toestemming is ingetrokken. Dit geldt direct."))
        elif action == "approve_consent":
            given = services.approve_consent(holder, access, request.POST.get("consent"))
            if given is None:
                messages.info(
                    request,
                    _(
                        "Uw instemming is vastgelegd. De toestemming geldt zodra ook de andere "
                        "rechthebbende(n) hebben ingestemd (AGE-03)."
                    ),
                )
            else:
                messages.success(request, _("De toestemming is gegeven. Dit geldt direct."))
        elif action in ("allow_guardian", "disallow_guardian"):
            services.set_guardian_view(
                holder, access, request.POST.get("guardian"), allow=action == "allow_guardian"
            )
            messages.success(request, _("Uw keuze is opgeslagen."))
    except PermissionDenied as error:
        messages.error(request, str(error) or _("Dit mag u niet doen (AGE-03)."))
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
    return HttpResponseRedirect(target)


@require_POST
def revoke_consent(request: HttpRequest, pupil_id: int) -> HttpResponse:
    return _act(request, pupil_id, "revoke_consent")


@require_POST
def approve_consent(request: HttpRequest, pupil_id: int) -> HttpResponse:
    return _act(request, pupil_id, "approve_consent")


@require_POST
def allow_guardian(request: HttpRequest, pupil_id: int) -> HttpResponse:
    return _act(request, pupil_id, "allow_guardian")


@require_POST
def disallow_guardian(request: HttpRequest, pupil_id: int) -> HttpResponse:
    return _act(request, pupil_id, "disallow_guardian")


@require_http_methods(["GET", "POST"])
def subject_request(request: HttpRequest, pupil_id: int) -> HttpResponse:
    holder = _holder(request)
    access = selectors.pupil_access(holder, pupil_id, action="portal_view")
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_request(
                holder,
                access,
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
            )
        except PermissionDenied as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            for message in _errors(error):
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _(
                    "Uw verzoek is ontvangen. U krijgt binnen 4 weken antwoord (PRV-02); de "
                    "school of het samenwerkingsverband neemt contact met u op."
                ),
            )
            return HttpResponseRedirect(reverse("portal:pupil", args=[access.pupil.pk]))
    return render(request, "portal/request.html", {"a": access, "form": form})
