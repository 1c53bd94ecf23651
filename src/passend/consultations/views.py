"""Screens of case consultation: kinds (Bijlage 3), meetings, agenda, minutes, plan and OPP.

Thin views. Case data only through ``passend.access.selectors`` (policy + access log) and this
app's selectors; writes only through ``services`` with ``Actor.from_request``. An item or case
the viewer may not see answers 404 (CO-03, ORG-04).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from passend.access import selectors as access
from passend.access.actor import Actor
from passend.access.selectors import CaseRow
from passend.cases import selectors as case_selectors
from passend.cases.forms import apply_service_errors
from passend.consultations import forms, selectors, services
from passend.consultations.ics import meeting_ics
from passend.consultations.models import ChecklistPoint, Party
from passend.correspondence.letters import render_pdf
from passend.correspondence.notifications import absolute
from passend.privacy.categories import DataCategory


def _membership(request: HttpRequest) -> Any:
    return getattr(request, "membership", None)


def _form_page(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    back: str,
    perform: Callable[[], Any],
    success: str,
    redirect: str | None = None,
    intro: str = "",
    submit: str = "",
    template: str = "consultations/form.html",
    extra: Callable[[], dict[str, Any]] | None = None,
    validate: bool = True,
) -> HttpResponse:
    """GET shows the form; POST validates, calls the service and redirects (PRG). ``extra``
    gives more of the page's context, read only when the page is shown; ``validate=False``
    shows a posted page again without validating it (a search within the form's page)."""
    status = 200
    if request.method == "POST" and validate:
        if form.is_valid():
            try:
                perform()
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, success)
                return HttpResponseRedirect(redirect or back)
        status = 400
    return render(
        request,
        template,
        {
            "form": form,
            "title": title,
            "back": back,
            "intro": intro,
            "submit": submit or _("Opslaan"),
            **(extra() if extra is not None else {}),
        },
        status=status,
    )


# --- Kinds (CO-01) ---------------------------------------------------------------------------


@require_http_methods(["GET"])
def kind_list(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    kinds = list(selectors.kinds_for(membership))
    return render(
        request,
        "consultations/kind_list.html",
        {
            "kinds": kinds,
            "can_create": services.can_edit_kind(membership, None),
            "is_swv": membership is not None and membership.organisation.kind == "swv",
        },
    )


def _bijlage3_context(kind: Any) -> dict[str, Any]:
    deviations: dict[str, list[Any]] = {p: [] for p in ChecklistPoint.values}
    for deviation in kind.deviations.all():
        deviations[deviation.point].append(deviation)
    return {
        "kind": kind,
        "parties": list(kind.parties.all()),
        "deviations": deviations,
        "points": dict(ChecklistPoint.choices),
    }


@require_http_methods(["GET"])
def kind_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    kind = selectors.get_kind(membership, pk)
    context = _bijlage3_context(kind)
    context["can_edit"] = services.can_edit_kind(membership, kind)
    context["can_adopt"] = (
        kind.swv_id is None
        and membership is not None
        and membership.organisation.kind == "swv"
        and services.can_edit_kind(membership, None)
    )
    return render(request, "consultations/kind_detail.html", context)


@require_http_methods(["GET"])
def kind_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    kind = selectors.get_kind(_membership(request), pk)
    with translation.override("nl"):
        document = render_to_string("consultations/bijlage3_document.html", _bijlage3_context(kind))
    response = HttpResponse(render_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="bijlage-3-{kind.code}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
def kind_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    membership = _membership(request)
    kind = selectors.get_kind(membership, pk) if pk is not None else None
    if not services.can_edit_kind(membership, kind):
        raise PermissionDenied(_("U kunt deze soort overleg niet wijzigen (CO-01)."))
    initial = forms.KindForm.initial_for(kind) if kind is not None else {"is_active": True}
    form = forms.KindForm(request.POST or None, initial=initial, editing=kind is not None)
    result: dict[str, Any] = {}

    def perform() -> None:
        values = form.values()
        if kind is not None:
            values.pop("code", None)
        result["kind"] = services.save_kind(
            Actor.from_request(request), kind, parties=form.parties(), **values
        )

    if request.method == "POST" and form.is_valid():
        try:
            perform()
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("De soort overleg is opgeslagen."))
            return HttpResponseRedirect(reverse("consultations:kind", args=[result["kind"].pk]))
    back = reverse("consultations:kind", args=[kind.pk]) if kind else reverse("consultations:kinds")
    return render(
        request,
        "consultations/form.html",
        {
            "form": form,
            "title": _("Soort overleg wijzigen") if kind else _("Nieuwe soort overleg"),
            "intro": _(
                "Beantwoord alle zes punten van de checklist inrichting casusoverleg (CO-01). "
                "Wijkt u af van het model, leg dat vast met de reden (pas toe of leg uit)."
            ),
            "back": back,
            "submit": _("Opslaan"),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["POST"])
def kind_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    kind = selectors.get_kind(_membership(request), pk)
    try:
        copy = services.adopt_kind(Actor.from_request(request), kind)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("consultations:kind", args=[kind.pk]))
    messages.success(request, _("De soort overleg is overgenomen voor uw samenwerkingsverband."))
    return HttpResponseRedirect(reverse("consultations:kind", args=[copy.pk]))


@require_http_methods(["GET", "POST"])
def kind_deviation(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request)
    kind = selectors.get_kind(membership, pk)
    if not services.can_edit_kind(membership, kind):
        raise PermissionDenied(_("U kunt deze soort overleg niet wijzigen (CO-01)."))
    form = forms.DeviationForm(request.POST or None)
    back = reverse("consultations:kind", args=[kind.pk])
    return _form_page(
        request,
        form,
        title=_("Afwijking vastleggen (pas toe of leg uit)"),
        back=back,
        perform=lambda: services.record_deviation(
            Actor.from_request(request), kind, **form.cleaned_data
        ),
        success=_("De afwijking is vastgelegd."),
    )


# --- Meetings (CO-03) ------------------------------------------------------------------------

# Each meeting's items are decided to count the visible ones; a CvA breed meeting holds dozens
# of cases (issue 10), so a page holds a couple of months of meetings, not a year.
PAGE_SIZE = 20


@require_http_methods(["GET"])
def meeting_list(request: HttpRequest) -> HttpResponse:
    cursor_token = request.GET.get("na", "")
    meetings = list(
        case_selectors.after_position(
            selectors.meetings_to_list(request.user, _membership(request)),
            case_selectors.decode_cursor(cursor_token),
            "starts_at",
        )[: PAGE_SIZE + 1]
    )
    page = meetings[:PAGE_SIZE]
    # The position of the page's last meeting, also when the viewer sees none of its items:
    # the next page goes on after it.
    next_token = (
        case_selectors.encode_position(page[-1].starts_at, page[-1].pk)
        if len(meetings) > PAGE_SIZE
        else ""
    )
    return render(
        request,
        "consultations/meeting_list.html",
        {
            "views": selectors.meeting_rows(request, page),
            "next_url": "?" + urlencode({"na": next_token}) if next_token else "",
            "is_first_page": not cursor_token,
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    if membership is None or membership.role in ("privacy_officer", "functional_admin"):
        raise PermissionDenied(_("In deze rol plant u geen casusoverleg."))
    form = forms.MeetingForm(request.POST or None, kinds=selectors.plannable_kinds(membership))
    result: dict[str, Any] = {}

    def perform() -> None:
        result["meeting"] = services.plan_meeting(Actor.from_request(request), **form.cleaned_data)

    response = _form_page(
        request,
        form,
        title=_("Overleg plannen"),
        back=reverse("consultations:meetings"),
        perform=perform,
        success=_("Het overleg is gepland."),
    )
    if "meeting" in result:
        return HttpResponseRedirect(reverse("consultations:meeting", args=[result["meeting"].pk]))
    return response


@require_http_methods(["GET"])
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    view = selectors.get_meeting(request, pk)
    meeting = view.meeting
    return render(
        request,
        "consultations/meeting_detail.html",
        {
            "view": view,
            "meeting": meeting,
            "kind": meeting.kind,
            "documents_due": services.documents_due_at(meeting),
            "terms": services.meeting_terms(meeting) if view.is_convener else {},
            "can_see_ordinary": DataCategory.ORDINARY,
        },
    )


@require_http_methods(["GET"])
def meeting_ics_view(request: HttpRequest, pk: int) -> HttpResponse:
    view = selectors.get_meeting(request, pk)
    path = reverse("consultations:meeting", args=[view.meeting.pk])
    response = HttpResponse(meeting_ics(view.meeting, absolute(path)), content_type="text/calendar")
    response["Content-Disposition"] = 'attachment; filename="overleg.ics"'
    return response


@require_http_methods(["GET"])
def meeting_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes of the items the viewer may see, as text; with pseudonyms by default (CO-04)."""
    view = selectors.get_meeting(request, pk)
    with_names = request.GET.get("namen") == "1"
    lines = [
        f"Casusoverleg {view.meeting.kind.name}",
        timezone.localtime(view.meeting.starts_at).strftime("%d-%m-%Y %H:%M"),
        "",
    ]
    for item_view in view.items:
        if item_view.row is None:
            continue
        row = item_view.row
        minutes = item_view.minutes
        name = row.display_name if with_names else row.case.pseudonym
        lines.append(_("Agendapunt %(n)d: %(name)s") % {"n": item_view.item.position, "name": name})
        if minutes is not None:
            body = (
                minutes.body
                if with_names
                else services.pseudonymise_for_case(row.case, minutes.body)
            )
            lines.append(body)
        else:
            lines.append(_("(geen verslag dat u mag zien)"))
        lines.append("")
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verslag.txt"'
    return response


def _convener_view(request: HttpRequest, pk: int) -> selectors.MeetingView:
    view = selectors.get_meeting(request, pk)
    if not view.is_convener:
        raise PermissionDenied(_("Alleen de procesregisseur van dit overleg kan dit (ORG-03)."))
    return view


@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    view = _convener_view(request, pk)
    meeting = view.meeting
    form = forms.MeetingForm(
        request.POST or None,
        kinds=selectors.plannable_kinds(_membership(request)),
        initial={
            "kind": meeting.kind_id,
            "starts_at": timezone.localtime(meeting.starts_at),
            "ends_at": timezone.localtime(meeting.ends_at),
            "location": meeting.location,
            "video_link": meeting.video_link,
        },
    )
    form.fields["kind"].disabled = True
    back = reverse("consultations:meeting", args=[meeting.pk])

    def perform() -> None:
        data = form.cleaned_data
        services.change_meeting(
            Actor.from_request(request),
            meeting,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            location=data["location"],
            video_link=data["video_link"],
        )

    return _form_page(
        request,
        form,
        title=_("Overleg wijzigen"),
        back=back,
        perform=perform,
        success=_("Het overleg is gewijzigd; de genodigden krijgen bericht."),
    )


@require_http_methods(["POST"])
def meeting_status(request: HttpRequest, pk: int, status: str) -> HttpResponse:
    view = _convener_view(request, pk)
    services.set_meeting_status(Actor.from_request(request), view.meeting, status)
    messages.success(request, _("De status van het overleg is gewijzigd."))
    return HttpResponseRedirect(reverse("consultations:meeting", args=[view.meeting.pk]))


@require_http_methods(["GET", "POST"])
def item_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Puts a case on the agenda (CO-03). The choice list offers the newest cases the viewer
    manages; any other is found by name or pseudonym (posted, so no name goes in a URL). A
    posted choice is decided on its own, so every case the viewer manages can be chosen."""
    view = _convener_view(request, pk)
    meeting = view.meeting
    searching = request.method == "POST" and "zoeken" in request.POST
    search = forms.CaseSearchForm(request.POST if request.method == "POST" else None)
    query = str(search.cleaned_data["q"]).strip() if search.is_valid() else ""
    chosen = None
    if request.method == "POST" and not searching:
        chosen = selectors.plannable_case(request, str(request.POST.get("case", "")))

    def label(row: CaseRow) -> tuple[str, str]:
        return str(row.case.pk), f"{row.case.pseudonym} — {row.display_name}"

    form = forms.AgendaItemForm(
        None if searching else (request.POST or None),
        cases=[label(chosen)] if chosen is not None else [],
        initial={"parents_invited": meeting.kind.parents_invited},
    )
    if searching:
        # The rest of what was typed stays; the choice list now holds what the search found.
        form.initial.update({name: request.POST.get(name) for name in form.fields})
        form.initial.update(
            {name: name in request.POST for name in ("parents_invited", "youth_invited")}
        )
    back = reverse("consultations:meeting", args=[meeting.pk])

    def offered() -> dict[str, Any]:
        """Read only when the page is shown (not after a successful add)."""
        rows, more = selectors.plannable_cases(request, query)
        if chosen is not None and all(row.case.pk != chosen.case.pk for row in rows):
            rows = [chosen, *rows]
        form.offer([label(row) for row in rows])
        return {
            "search_form": search,
            "searching": bool(query),
            "offered": len(rows),
            "more": more,
            "shown_at_most": selectors.PLANNABLE_SHOWN,
        }

    def perform() -> None:
        data = form.cleaned_data
        invitees = []
        for line in str(data["invitees"]).splitlines():
            if not line.strip():
                continue
            found = selectors.resolve_invitee(line)
            if found is None:
                raise ValidationError(
                    {
                        "invitees": _("Niet gevonden of niet eenduidig: %(line)s")
                        % {"line": line.strip()[:60]}
                    }
                )
            invitees.append(found)
        if chosen is None:  # the form offers no other case: not valid without it
            raise ValidationError({"case": _("Kies een traject.")})
        services.add_agenda_item(
            Actor.from_request(request),
            meeting,
            chosen.case,
            invitees=invitees,
            parents_invited=data["parents_invited"],
            parents_invited_on=data["parents_invited_on"],
            parents_not_invited_reason=data["parents_not_invited_reason"],
            youth_invited=data["youth_invited"],
            supporter_note=data["supporter_note"],
        )

    return _form_page(
        request,
        form,
        title=_("Agendapunt toevoegen"),
        back=back,
        perform=perform,
        success=_(
            "Het agendapunt is toegevoegd; de genodigden krijgen een uitnodiging zonder namen."
        ),
        intro=_(
            "Ieder agendapunt heeft zijn eigen deelnemers: een genodigde ziet alleen de "
            "agendapunten, stukken en verslagen van trajecten waarbij hij betrokken is (CO-03). "
            "Ouders met gezag worden uitgenodigd, tenzij de soort overleg anders bepaalt (AGE-05)."
        ),
        submit=_("Agendapunt toevoegen"),
        template="consultations/item_form.html",
        extra=offered,
        validate=not searching,
    )


@require_http_methods(["GET", "POST"])
def minutes_edit(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    view, item_view = selectors.get_item(request, pk, item_id)
    current = item_view.minutes
    form = forms.MinutesForm(
        request.POST or None,
        initial={
            "body": current.body if current else "",
            "category": current.category if current else DataCategory.ORDINARY,
            "with_pseudonyms": view.meeting.kind.minutes_use_pseudonyms,
        },
    )
    back = reverse("consultations:meeting", args=[view.meeting.pk])
    return _form_page(
        request,
        form,
        title=_("Verslag van agendapunt %(n)d") % {"n": item_view.item.position},
        back=back,
        perform=lambda: services.write_minutes(
            Actor.from_request(request), item_view.item, **form.cleaned_data
        ),
        success=_("Het verslag is opgeslagen."),
        intro=_("Het verslag blijft in Passend en wordt alleen via een link gedeeld (CO-04)."),
    )


@require_http_methods(["GET", "POST"])
def item_orally_informed(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    view, item_view = selectors.get_item(request, pk, item_id)
    form = forms.OrallyInformedForm(request.POST or None)
    back = reverse("consultations:meeting", args=[view.meeting.pk])
    return _form_page(
        request,
        form,
        title=_("Ouders mondeling geïnformeerd"),
        back=back,
        perform=lambda: services.record_parents_informed_orally(
            Actor.from_request(request), item_view.item, **form.cleaned_data
        ),
        success=_("Vastgelegd dat de ouders mondeling zijn geïnformeerd."),
    )


# --- Plan (CO-05, CO-06) and OPP -------------------------------------------------------------


def _plan_row(request: HttpRequest, case_id: int, action: str = "view") -> CaseRow:
    row = access.get_case(request, case_id, action=action)
    if not selectors.can_see_plan(row):
        raise Http404
    return row


@require_http_methods(["GET"])
def plan_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    row = _plan_row(request, case_id)
    plan = selectors.plan_of(row)
    goals_by_party: list[tuple[str, list[Any]]] = []
    if plan is not None:
        goals = [g for g in plan.goals.all() if g.removed_at is None]
        goals_by_party = [
            (str(label), [g for g in goals if g.party == code]) for code, label in Party.choices
        ]
    return render(
        request,
        "consultations/plan_detail.html",
        {
            "row": row,
            "case": row.case,
            "plan": plan,
            "opp": selectors.opp_of(plan),
            "goals_by_party": goals_by_party,
            "can_manage": row.access.can_manage,
            "known_names": selectors.known_names_of(row) if row.access.can_manage else [],
        },
    )


def _plan_form_page(
    request: HttpRequest,
    case_id: int,
    make_form: Callable[[Any, CaseRow, Any], Any],
    perform: Callable[[Actor, CaseRow, Any, Any], Any],
    *,
    title: str,
    success: str,
    needs_plan: bool = True,
    intro: str = "",
) -> HttpResponse:
    row = _plan_row(request, case_id, action="view" if request.method == "GET" else "change_plan")
    plan = selectors.plan_of(row)
    if needs_plan and plan is None:
        raise Http404
    form = make_form(request.POST or None, row, plan)
    back = reverse("consultations:plan", args=[row.case.pk])
    return _form_page(
        request,
        form,
        title=title,
        back=back,
        intro=intro,
        perform=lambda: perform(Actor.from_request(request), row, plan, form),
        success=success,
    )


def plan_create(request: HttpRequest, case_id: int) -> HttpResponse:
    return _plan_form_page(
        request,
        case_id,
        lambda data, row, plan: forms.PlanForm(data),
        lambda actor, row, plan, form: services.create_plan(actor, row.case, **form.cleaned_data),
        title=_("Plan opstellen (1 kind 1 plan)"),
        success=_("Het plan is opgesteld."),
        needs_plan=False,
        intro=_("Eén plan per traject, samen met ouders en jongere opgesteld (CO-05)."),
    )


def goal_create(request: HttpRequest, case_id: int) -> HttpResponse:
    return _plan_form_page(
        request,
        case_id,
        lambda data, row, plan: forms.GoalForm(data),
        lambda actor, row, plan, form: services.add_goal(actor, plan, **form.cleaned_data),
        title=_("Doel toevoegen"),
        success=_("Het doel is toegevoegd."),
        intro=_(
            "Concrete, haalbare doelen per partij: jongere, ouders, school, jeugdhulp (CO-05)."
        ),
    )


def _participant_users(row: CaseRow) -> list[Any]:
    seen: dict[int, Any] = {}
    for participant in row.case.participants.all():
        if participant.ended_at is None:
            seen.setdefault(participant.user_id, participant.user)
    return list(seen.values())


def action_create(request: HttpRequest, case_id: int) -> HttpResponse:
    def perform(actor: Actor, row: CaseRow, plan: Any, form: Any) -> Any:
        data = form.cleaned_data
        return services.add_action(
            actor,
            plan,
            description=data["description"],
            owner_party=data["owner_party"],
            due_date=data["due_date"],
            owner=form.owner_user(),
        )

    return _plan_form_page(
        request,
        case_id,
        lambda data, row, plan: forms.ActionForm(data, users=_participant_users(row)),
        perform,
        title=_("Actie toevoegen"),
        success=_("De actie is toegevoegd."),
    )


def action_status(request: HttpRequest, case_id: int, action_id: int) -> HttpResponse:
    def perform(actor: Actor, row: CaseRow, plan: Any, form: Any) -> Any:
        target = next((a for a in plan.actions.all() if a.pk == action_id), None)
        if target is None:
            raise Http404
        return services.set_action_status(actor, target, status=form.cleaned_data["status"])

    return _plan_form_page(
        request,
        case_id,
        lambda data, row, plan: forms.ActionStatusForm(data),
        perform,
        title=_("Status van de actie"),
        success=_("De status is gewijzigd."),
    )


def progress_create(request: HttpRequest, case_id: int) -> HttpResponse:
    return _plan_form_page(
        request,
        case_id,
        lambda data, row, plan: forms.ProgressForm(data),
        lambda actor, row, plan, form: services.add_progress_note(actor, plan, **form.cleaned_data),
        title=_("Voortgang vastleggen"),
        success=_("De voortgang is vastgelegd."),
    )


def plan_evaluate(request: HttpRequest, case_id: int) -> HttpResponse:
    def make(data: Any, row: CaseRow, plan: Any) -> Any:
        goals = [g for g in plan.goals.all() if g.removed_at is None] if plan else []
        return forms.EvaluationForm(data, goals=goals)

    def perform(actor: Actor, row: CaseRow, plan: Any, form: Any) -> Any:
        data = form.cleaned_data
        return services.evaluate_plan(
            actor,
            plan,
            evaluated_on=data["evaluated_on"],
            evaluation=data["evaluation"],
            goal_results=form.goal_results(),
            follow_up_until=data["follow_up_until"],
        )

    return _plan_form_page(
        request,
        case_id,
        make,
        perform,
        title=_("Plan evalueren"),
        success=_("Het plan is geëvalueerd."),
        intro=_(
            "Evalueer met ouders en jongere of de doelen zijn bereikt; volg de leerling tot 6 maanden na afloop (CO-02)."
        ),
    )


def escalation_create(request: HttpRequest, case_id: int) -> HttpResponse:
    return _plan_form_page(
        request,
        case_id,
        lambda data, row, plan: forms.EscalationForm(data),
        lambda actor, row, plan, form: services.escalate(actor, plan, **form.cleaned_data),
        title=_("Opschalen"),
        success=_("De opschaling is vastgelegd."),
        intro=_(
            "Het overleg heeft geen formele doorzettingskracht; leg vast waarheen is opgeschaald en later de uitkomst (CO-06)."
        ),
    )


def escalation_outcome(request: HttpRequest, case_id: int, escalation_id: int) -> HttpResponse:
    def perform(actor: Actor, row: CaseRow, plan: Any, form: Any) -> Any:
        target = next((e for e in plan.escalations.all() if e.pk == escalation_id), None)
        if target is None:
            raise Http404
        return services.record_escalation_outcome(actor, target, **form.cleaned_data)

    return _plan_form_page(
        request,
        case_id,
        lambda data, row, plan: forms.EscalationOutcomeForm(data),
        perform,
        title=_("Uitkomst van de opschaling"),
        success=_("De uitkomst is vastgelegd."),
    )


def known_name_create(request: HttpRequest, case_id: int) -> HttpResponse:
    return _plan_form_page(
        request,
        case_id,
        lambda data, row, plan: forms.KnownNameForm(data),
        lambda actor, row, plan, form: services.add_known_name(
            actor, row.case, **form.cleaned_data
        ),
        title=_("Bekende naam toevoegen"),
        success=_("De naam is toegevoegd."),
        needs_plan=False,
        intro=_(
            "Namen van bijvoorbeeld broers en zussen worden in verslagen met pseudoniemen vervangen (CO-04)."
        ),
    )


def _opp_or_404(plan: Any) -> Any:
    opp = selectors.opp_of(plan)
    if opp is None:
        raise Http404
    return opp


def opp_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    def make(data: Any, row: CaseRow, plan: Any) -> Any:
        opp = selectors.opp_of(plan)
        initial = {}
        if opp is not None:
            initial = {
                f: getattr(opp, f)
                for f in ("enrolment_date", "exit_stage", *services.OPP_TEXT_FIELDS)
            }
        return forms.OppForm(data, initial=initial)

    return _plan_form_page(
        request,
        case_id,
        make,
        lambda actor, row, plan, form: services.save_opp(actor, plan, **form.cleaned_data),
        title=_("Ontwikkelingsperspectiefplan (OPP)"),
        success=_("Het OPP is opgeslagen."),
        intro=_(
            "Stel het OPP vast binnen 6 weken na inschrijving (TLV-13). Het handelingsdeel is pas "
            "definitief met instemming van de ouders (CON-04) en de mening van de leerling (AGE-04)."
        ),
    )


def opp_agreement(request: HttpRequest, case_id: int) -> HttpResponse:
    return _plan_form_page(
        request,
        case_id,
        lambda data, row, plan: forms.OppAgreementForm(data),
        lambda actor, row, plan, form: services.record_parents_agreement(
            actor, _opp_or_404(plan), **form.cleaned_data
        ),
        title=_("Instemming ouders met het handelingsdeel"),
        success=_("De instemming is vastgelegd."),
    )


def opp_pupil_view(request: HttpRequest, case_id: int) -> HttpResponse:
    return _plan_form_page(
        request,
        case_id,
        lambda data, row, plan: forms.OppPupilViewForm(data),
        lambda actor, row, plan, form: services.record_pupil_view(
            actor, _opp_or_404(plan), **form.cleaned_data
        ),
        title=_("Mening van de leerling (hoorrecht)"),
        success=_("De mening van de leerling is vastgelegd."),
    )


def opp_finalise(request: HttpRequest, case_id: int) -> HttpResponse:
    return _plan_form_page(
        request,
        case_id,
        lambda data, row, plan: forms.ConfirmForm(data),
        lambda actor, row, plan, form: services.finalise_opp(actor, _opp_or_404(plan)),
        title=_("OPP vaststellen"),
        success=_("Het OPP is vastgesteld."),
    )


def opp_evaluate(request: HttpRequest, case_id: int) -> HttpResponse:
    return _plan_form_page(
        request,
        case_id,
        lambda data, row, plan: forms.OppEvaluationForm(data),
        lambda actor, row, plan, form: services.evaluate_opp(
            actor, _opp_or_404(plan), **form.cleaned_data
        ),
        title=_("OPP evalueren"),
        success=_("De evaluatie is vastgelegd."),
    )


@require_http_methods(["GET"])
def my_actions(request: HttpRequest) -> HttpResponse:
    rows = selectors.my_actions(request)
    return render(
        request, "consultations/my_actions.html", {"rows": rows, "today": timezone.localdate()}
    )
