"""TLV screens (TLV-01..13). Thin: reads via access/tlv selectors, writes via tlv services.

Case-bound pages call ``access.selectors.get_case`` first (policy + log; 404 when denied).
Triage and the board's decision are reached through the organisation's queue: the CvA and
the SWV hold the CON-04 ground from submission and join the case as participants then.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from passend.access import selectors as access
from passend.access.actor import Actor
from passend.accounts.models import Organisation, OrganisationKind, Role
from passend.cases import selectors as case_selectors
from passend.privacy.categories import DataCategory
from passend.tlv import forms, letters, selectors, services
from passend.tlv.models import Letter, TlvApplication
from passend.urlreverse import reverse as kept_reverse

SPECIAL_TYPES = ("sbo", "so", "vso")


def _membership(request: HttpRequest) -> Any:
    return getattr(request, "membership", None)


def _special_schools() -> Any:
    return Organisation.objects.filter(
        kind=OrganisationKind.SCHOOL, school_type__in=SPECIAL_TYPES, is_active=True
    ).order_by("name")


_PK_SENTINEL = 987654321
# A term's due date as the work list writes it (d-m-Y): a date's strftime took four times as
# long, for a hundred terms on the CvA secretary's page (issue 10, session 48).
_DUE_DATE = "{0.day:02d}-{0.month:02d}-{0.year:04d}".format


def _work_rows(rows: list[selectors.QueueRow], is_director: bool) -> list[dict[str, Any]]:
    """The table rows of the work list: labels, dates and links resolved once per page, not
    per cell (the same texts as the case's TLV page and the status display), and each row's
    terms as one cell of escaped markup."""
    sentinel = str(_PK_SENTINEL)
    urls = {
        name: kept_reverse(f"tlv:{name}", [_PK_SENTINEL]) for name in ("detail", "triage", "decide")
    }
    statuses = {value: str(label) for value, label in TlvApplication.Status.choices}
    today = timezone.localdate()
    suspended, until = _("opgeschort"), _("uiterlijk")
    items = []
    for row in rows:
        application = row.application
        case_id = str(application.case_id)
        action = None
        if not row.can_open:
            if is_director:
                action = (urls["decide"].replace(sentinel, case_id), _("Besluiten"))
            elif application.status == TlvApplication.Status.SUBMITTED:
                action = (urls["triage"].replace(sentinel, case_id), _("Verdelen"))
        items.append(
            {
                "url": urls["detail"].replace(sentinel, case_id) if row.can_open else "",
                "label": row.label,
                "status": statuses.get(application.status, application.status),
                "overdue": any(t.is_overdue(today) for t in row.terms),
                # The cell's markup here, not a loop in the template: 50 loops a page took a
                # quarter of its rendering (issue 10, session 41). Every text is escaped.
                "terms": mark_safe(  # noqa: S308 - markup constant, texts escaped
                    "".join(
                        '<span class="passend-term">'
                        + escape(
                            f"{t.name}: "
                            + (suspended if t.is_suspended else f"{until} {_DUE_DATE(t.due_date)}")
                        )
                        + "</span><br>"
                        for t in row.terms
                    )
                ),
                "action": action,
            }
        )
    return items


@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    """The TLV work list: own involvement and the organisation's queue in one list, most
    urgent term first (TLV-04), 50 per page with a keyset cursor ``?na=``."""
    page = selectors.overview_page(request, request.GET.get("na", ""))
    membership = _membership(request)
    is_director = membership is not None and membership.role == Role.SWV_DIRECTOR
    return render(
        request,
        "tlv/overview.html",
        {
            "rows": _work_rows(page.rows, is_director),
            "is_first_page": page.is_first_page,
            "next_url": "?" + urlencode({"na": page.next_token}) if page.next_token else "",
            "first_url": reverse("tlv:overview"),
            "expiring": selectors.expiring(request),
            "can_start": membership is not None and membership.role == Role.SUPPORT_COORDINATOR,
            "is_director": is_director,
            "is_cva": membership is not None and membership.role in selectors.CVA_ROLES,
        },
    )


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    if membership is None or membership.role != Role.SUPPORT_COORDINATOR:
        raise PermissionDenied(_("Een TLV-aanvraag wordt voorbereid door de school (TLV-01)."))
    form = forms.NewApplicationForm(
        request.POST if request.method == "POST" else None,
        pupils=case_selectors.openable_pupils(membership),
        schools=_special_schools(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = services.start_application(
                Actor.from_request(request), **form.cleaned_data
            )
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("De TLV-aanvraag is aangemaakt."))
            return HttpResponseRedirect(reverse("tlv:detail", args=[application.case_id]))
    return render(request, "tlv/form.html", {"form": form, "title": _("Nieuwe TLV-aanvraag")})


def _party(request: HttpRequest, application: TlvApplication) -> str:
    org = _membership(request).organisation_id
    if org == application.requesting_school_id:
        return "requesting"
    if org == application.intended_school_id:
        return "intended"
    return ""


@require_http_methods(["GET"])
def detail(request: HttpRequest, case_id: int) -> HttpResponse:
    row = access.get_case(request, case_id)
    application = selectors.application_for(row)
    info = selectors.application_detail(application)
    role = _membership(request).role
    return render(
        request,
        "tlv/detail.html",
        {
            "row": row,
            "case": row.case,
            "a": application,
            "d": info,
            "can_see_content": row.access.can_see(DataCategory.DIAGNOSTICS),
            "party": _party(request, application),
            "role": role,
            "is_cva": role in selectors.CVA_ROLES,
            "missing": services.missing_items(application)
            if application.status in ("draft", "suspended")
            else [],
            "actions": [a for a in ACTIONS.values() if a.available(request, application, info)],
        },
    )


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, case_id: int) -> HttpResponse:
    row = access.get_case(request, case_id)
    application = selectors.application_for(row)
    party = _party(request, application)
    if not party or not row.access.can_see(DataCategory.DIAGNOSTICS):
        raise PermissionDenied(
            _("Alleen de aanvragende en de beoogde school vullen de aanvraag in.")
        )
    form = forms.ApplicationForm(
        request.POST if request.method == "POST" else None, instance=application, party=party
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_application(
                Actor.from_request(request),
                TlvApplication.objects.get(pk=application.pk),
                **form.values(),
            )
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("De aanvraag is opgeslagen."))
            return HttpResponseRedirect(reverse("tlv:detail", args=[case_id]))
    return render(
        request, "tlv/form.html", {"form": form, "title": _("Aanvraag invullen"), "case": row.case}
    )


# --- actions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    name: str
    title: Any
    make_form: Callable[[Any], Any]
    perform: Callable[[Actor, TlvApplication, Any, dict[str, Any]], Any]
    available: Callable[[HttpRequest, TlvApplication, Any], bool]


def _role_in(request: HttpRequest, roles: Any) -> bool:
    membership = _membership(request)
    return membership is not None and membership.role in roles


def _org_is(request: HttpRequest, org_id: int | None) -> bool:
    membership = _membership(request)
    return membership is not None and membership.organisation_id == org_id


def _objection(info: Any, data: dict[str, Any]) -> Any:
    for objection in info.objections:
        if objection.pk == data["objection"]:
            return objection
    raise Http404


def _objection_step(actor: Actor, a: TlvApplication, info: Any, data: dict[str, Any]) -> Any:
    objection = _objection(info, data)
    step, on = data["step"], data["on"]
    if step == "refer":
        return services.refer_objection(actor, objection, on=on)
    if step == "hearing":
        return services.schedule_hearing(actor, objection, on=on)
    if step == "decide":
        return services.decide_objection(actor, objection, outcome=data["outcome"], on=on)
    return services.register_appeal(actor, objection, on=on)


CVA = selectors.CVA_ROLES
ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "submit",
            gettext_lazy("Indienen bij de Commissie van Advies"),
            lambda data: forms.EmptyForm(data),
            lambda actor, a, i, d: services.submit(actor, a),
            lambda r, a, i: a.status == "draft" and _org_is(r, a.board_id),
        ),
        Action(
            "complete",
            gettext_lazy("Aanvulling gereed: termijn hervatten"),
            lambda data: forms.EmptyForm(data),
            lambda actor, a, i, d: services.complete_application(actor, a),
            lambda r, a, i: (
                a.status in ("suspended", "back_to_mdo") and _org_is(r, a.requesting_school_id)
            ),
        ),
        Action(
            "suspend",
            gettext_lazy("Onvolledig: opschorten"),
            lambda data: forms.SuspendForm(data),
            lambda actor, a, i, d: services.suspend_incomplete(actor, a, d["missing"].splitlines()),
            lambda r, a, i: a.status in ("submitted", "in_assessment") and _role_in(r, CVA),
        ),
        Action(
            "assess",
            gettext_lazy("Beoordelen aan de hand van de criteria"),
            lambda data: forms.AssessForm(data),
            lambda actor, a, i, d: services.assess(actor, a, **d),
            lambda r, a, i: a.status == "in_assessment" and _role_in(r, CVA),
        ),
        Action(
            "extend",
            gettext_lazy("Adviestermijn verlengen"),
            lambda data: forms.ExtendForm(data),
            lambda actor, a, i, d: services.extend_advice_term(actor, a, **d),
            lambda r, a, i: a.status == "in_assessment" and _role_in(r, CVA),
        ),
        Action(
            "advice",
            gettext_lazy("Advies uitbrengen"),
            lambda data: forms.AdviceForm(data),
            lambda actor, a, i, d: services.give_advice(actor, a, **d),
            lambda r, a, i: (
                a.status == "in_assessment"
                and i.assessment is not None
                and _role_in(r, {Role.CVA_SECRETARY, Role.CVA_CHAIR})
            ),
        ),
        Action(
            "conversation",
            gettext_lazy("Gesprek over voorgenomen negatief advies vastleggen"),
            lambda data: forms.ConversationForm(data),
            lambda actor, a, i, d: services.record_conversation(actor, a, **d),
            lambda r, a, i: (
                i.advice is not None and i.advice.status == "intended_negative" and _role_in(r, CVA)
            ),
        ),
        Action(
            "finalise",
            gettext_lazy("Negatief advies definitief maken"),
            lambda data: forms.EmptyForm(data),
            lambda actor, a, i, d: services.finalise_negative_advice(actor, a),
            lambda r, a, i: (
                i.advice is not None
                and i.advice.status == "intended_negative"
                and _role_in(r, {Role.CVA_SECRETARY, Role.CVA_CHAIR})
            ),
        ),
        Action(
            "collect",
            gettext_lazy("TLV ophalen"),
            lambda data: forms.EmptyForm(data),
            lambda actor, a, i, d: services.collect(actor, i.tlv),
            lambda r, a, i: (
                i.tlv is not None and i.tlv.collected_on is None and _org_is(r, i.tlv.school_id)
            ),
        ),
        Action(
            "exit",
            gettext_lazy("Uitstroomperspectief vastleggen"),
            lambda data: forms.ExitForm(data),
            lambda actor, a, i, d: services.record_exit_perspective(actor, i.tlv, **d),
            lambda r, a, i: i.tlv is not None and _org_is(r, i.tlv.current_school_id),
        ),
        Action(
            "placement",
            gettext_lazy("Observatie- of crisisplaatsing"),
            lambda data: forms.PlacementForm(data, schools=_special_schools()),
            lambda actor, a, i, d: services.start_placement(actor, a, **d),
            lambda r, a, i: (
                a.status not in ("draft", "decided", "withdrawn")
                and (_role_in(r, CVA) or _org_is(r, a.requesting_school_id))
            ),
        ),
        Action(
            "objection",
            gettext_lazy("Bezwaar registreren"),
            lambda data: forms.ObjectionForm(data),
            lambda actor, a, i, d: services.lodge_objection(actor, i.decision, **d),
            lambda r, a, i: (
                i.decision is not None and _role_in(r, {Role.SWV_DIRECTOR}) and _org_is(r, a.swv_id)
            ),
        ),
        Action(
            "objection_step",
            gettext_lazy("Stap in de bezwaarprocedure"),
            lambda data: forms.ObjectionStepForm(data),
            _objection_step,
            lambda r, a, i: (
                bool(i.objections) and _role_in(r, {Role.SWV_DIRECTOR}) and _org_is(r, a.swv_id)
            ),
        ),
    ]
}


@require_http_methods(["GET", "POST"])
def action(request: HttpRequest, case_id: int, name: str) -> HttpResponse:
    row = access.get_case(request, case_id, action="view")
    spec = ACTIONS.get(name)
    if spec is None:
        raise Http404
    application = selectors.application_for(row)
    info = selectors.application_detail(application)
    if not spec.available(request, application, info):
        raise PermissionDenied(_("Deze stap is nu niet aan u (ORG-02)."))
    form = spec.make_form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            spec.perform(Actor.from_request(request), application, info, form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Vastgelegd: %(step)s.") % {"step": spec.title})
            return HttpResponseRedirect(reverse("tlv:detail", args=[case_id]))
    return render(
        request,
        "tlv/form.html",
        {"form": form, "title": spec.title, "case": row.case, "objections": info.objections},
    )


def _queued(
    request: HttpRequest, case_id: int, template_title: Any, form: Any, perform: Any
) -> HttpResponse:
    application = selectors.queued_application(request, case_id)
    if request.method == "POST" and form.is_valid():
        try:
            perform(application, form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Vastgelegd: %(step)s.") % {"step": template_title})
            return HttpResponseRedirect(reverse("tlv:detail", args=[case_id]))
    return render(
        request,
        "tlv/form.html",
        {"form": form, "title": template_title, "queued": application},
    )


@require_http_methods(["GET", "POST"])
def triage(request: HttpRequest, case_id: int) -> HttpResponse:
    """TLV-05: the secretary (or chair) triages an application routed to the CvA."""
    if not _role_in(request, {Role.CVA_SECRETARY, Role.CVA_CHAIR}):
        selectors.deny_queued(request, case_id, "triage is for the CvA secretary or chair")
    form = forms.TriageForm(request.POST if request.method == "POST" else None)
    return _queued(
        request,
        case_id,
        _("Verdelen (triage)"),
        form,
        lambda a, d: services.triage(Actor.from_request(request), a, **d),
    )


@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, case_id: int) -> HttpResponse:
    """TLV-04: the SWV board decides on the final advice."""
    if not _role_in(request, {Role.SWV_DIRECTOR}):
        selectors.deny_queued(request, case_id, "the decision is the SWV board's")
    form = forms.DecideForm(request.POST if request.method == "POST" else None)
    return _queued(
        request,
        case_id,
        _("Besluit van het bestuur"),
        form,
        lambda a, d: services.decide(Actor.from_request(request), a, **d),
    )


@require_http_methods(["GET"])
def letter(request: HttpRequest, case_id: int, letter_id: int) -> HttpResponse:
    row = access.get_case(request, case_id, action="download")
    if not row.access.can_see(DataCategory.ORDINARY):
        raise Http404
    application = selectors.application_for(row)
    item = Letter.objects.filter(application=application, pk=letter_id).first()
    if item is None:
        raise Http404
    response = HttpResponse(letters.render_letter_pdf(item), content_type="application/pdf")
    # The file name carries the pseudonym, never the pupil's name.
    response["Content-Disposition"] = f'attachment; filename="{item.kind}-{row.case.pseudonym}.pdf"'
    return response


@require_http_methods(["GET"])
def duo_export(request: HttpRequest) -> HttpResponse:
    if not _role_in(request, {Role.SUPPORT_COORDINATOR}):
        raise Http404
    rows = selectors.duo_export_rows(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tlv-duo.csv"'
    writer = csv.DictWriter(response, fieldnames=selectors.DUO_COLUMNS, delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return response


@require_http_methods(["GET"])
def signals(request: HttpRequest) -> HttpResponse:
    """TLV-12: signals about school boards, for the SWV (counts only)."""
    membership = _membership(request)
    if membership is None or membership.role != Role.SWV_DIRECTOR:
        raise Http404
    return render(
        request,
        "tlv/signals.html",
        {"signals": selectors.board_signals(membership.organisation)},
    )
