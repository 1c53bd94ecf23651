"""Arrangement screens, under /arrangementen/. Thin: reads via access/arrangement selectors,
writes via arrangement services.

Case-bound pages call ``access.selectors.get_case`` first (policy + log; 404 when denied). The
SWV reaches a new application through its queue and takes it up (joins the case) first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from passend.access import selectors as access
from passend.access.actor import Actor
from passend.accounts.models import Role
from passend.arrangements import forms, selectors, services
from passend.arrangements.models import Arrangement
from passend.cases import forms as case_forms
from passend.cases import selectors as case_selectors


def _membership(request: HttpRequest) -> Any:
    return getattr(request, "membership", None)


@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    data = selectors.overview(request)
    return render(
        request,
        "arrangements/overview.html",
        {
            **data,
            "kinds": services.kinds_for(membership),
            "budget": selectors.budget_overview(membership),
        },
    )


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, kind_id: int) -> HttpResponse:
    membership = _membership(request)
    kind = selectors.kind_of_swv(membership, kind_id)
    form = forms.ApplicationForm(
        **case_forms.pupil_form_args(request),
        kind=kind,
        pupils=case_selectors.openable_pupils(membership),
    )
    case_forms.limit_pupil_choices(form, request)
    if request.method == "POST" and form.is_valid():
        try:
            arrangement = services.apply(
                Actor.from_request(request),
                kind=kind,
                pupil=form.cleaned_data["pupil"],
                support_need=form.cleaned_data["support_need"],
                values=form.values(),
                quote_amount=form.cleaned_data["quote_amount"],
                requested_start=form.cleaned_data["requested_start"],
            )
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("De aanvraag is ingediend bij het SWV."))
            return HttpResponseRedirect(reverse("arrangements:detail", args=[arrangement.case_id]))
    return render(
        request,
        "arrangements/form.html",
        {"form": form, "title": _("Aanvraag %(kind)s") % {"kind": kind.name}, "kind": kind},
    )


@require_POST
def take_up(request: HttpRequest, case_id: int) -> HttpResponse:
    arrangement = selectors.queued_arrangement(request, case_id)
    try:
        services.take_up(Actor.from_request(request), arrangement)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("arrangements:list"))
    return HttpResponseRedirect(reverse("arrangements:detail", args=[arrangement.case_id]))


@require_http_methods(["GET"])
def detail(request: HttpRequest, case_id: int) -> HttpResponse:
    row = access.get_case(request, case_id)
    arrangement = selectors.arrangement_for(row)
    info = selectors.detail(arrangement)
    return render(
        request,
        "arrangements/detail.html",
        {
            "row": row,
            "case": row.case,
            "a": arrangement,
            "d": info,
            "can_see_metadata": selectors.can_see_metadata(row),
            "can_see_content": selectors.can_see_content(row),
            "actions": [s for s in ACTIONS.values() if s.available(request, arrangement)],
        },
    )


# --- actions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    name: str
    title: Any
    make_form: Callable[[Any], Any]
    perform: Callable[[Actor, Arrangement, dict[str, Any]], Any]
    available: Callable[[HttpRequest, Arrangement], bool]


def _is(request: HttpRequest, organisation_id: int, roles: Any = None) -> bool:
    membership = _membership(request)
    return (
        membership is not None
        and membership.organisation_id == organisation_id
        and (roles is None or membership.role in roles)
    )


S = Arrangement.Status
ACTIONS: dict[str, Step] = {
    s.name: s
    for s in [
        Step(
            "advies",
            gettext_lazy("Advies uitbrengen (ECT)"),
            lambda data: forms.AdviceForm(data),
            lambda actor, a, d: services.advise(actor, a, **d),
            lambda r, a: a.status == S.SUBMITTED and _is(r, a.swv_id, {Role.ECT_MEMBER}),
        ),
        Step(
            "besluit",
            gettext_lazy("Besluiten"),
            lambda data: forms.DecisionForm(data),
            lambda actor, a, d: services.decide(actor, a, **d),
            lambda r, a: a.status == S.ADVISED and _is(r, a.swv_id, {a.kind.decider_role}),
        ),
        Step(
            "evaluatie",
            gettext_lazy("Evaluatie vastleggen"),
            lambda data: forms.EvaluationForm(data),
            lambda actor, a, d: services.evaluate(actor, a, **d),
            lambda r, a: a.status == S.GRANTED and (_is(r, a.school_id) or _is(r, a.swv_id)),
        ),
        Step(
            "verlenging",
            gettext_lazy("Verlengen"),
            lambda data: forms.ExtensionForm(data),
            lambda actor, a, d: services.extend(actor, a, **d),
            lambda r, a: a.status == S.EVALUATED and _is(r, a.swv_id, {a.kind.decider_role}),
        ),
        Step(
            "intrekken",
            gettext_lazy("Aanvraag intrekken"),
            lambda data: forms.WithdrawForm(data),
            lambda actor, a, d: services.withdraw(actor, a, **d),
            lambda r, a: a.status in (S.SUBMITTED, S.ADVISED) and _is(r, a.school_id),
        ),
    ]
}


@require_http_methods(["GET", "POST"])
def action(request: HttpRequest, case_id: int, name: str) -> HttpResponse:
    row = access.get_case(request, case_id)
    step = ACTIONS.get(name)
    if step is None:
        raise Http404
    arrangement = selectors.arrangement_for(row)
    if not step.available(request, arrangement):
        raise PermissionDenied(_("Deze stap is nu niet aan u (ORG-02)."))
    form = step.make_form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            step.perform(Actor.from_request(request), arrangement, form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Vastgelegd: %(step)s.") % {"step": step.title})
            return HttpResponseRedirect(reverse("arrangements:detail", args=[case_id]))
    return render(
        request,
        "arrangements/form.html",
        {"form": form, "title": step.title, "case": row.case, "a": arrangement},
    )
