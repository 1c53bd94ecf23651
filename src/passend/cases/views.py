"""Screens of cases (trajecten) and their consent (CON-01..07, CO-02, ORG-03/04, AGE-04).

Thin views: case data come only through ``passend.access.selectors`` (which apply the policy
and write the access log) and ``passend.cases.selectors`` (related rows of an authorised case);
every write goes through a service with ``Actor.from_request``. A case the user may not see is
answered with 404, also for every action URL, so that probing reveals nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from passend.access import selectors as access
from passend.access.actor import Actor
from passend.access.selectors import CaseRow
from passend.cases import forms, selectors
from passend.cases import services as case_services
from passend.cases.models import ALLOWED_TRANSITIONS, Phase
from passend.cases.panels import panels_for
from passend.consent import services as consent_services
from passend.privacy.categories import DataCategory, category_labels

PAGE_SIZE = 50


def _membership(request: HttpRequest) -> Any:
    return getattr(request, "membership", None)


# --- Mijn trajecten --------------------------------------------------------------------------

_FILTERS = ("fase", "soort", "status")


@lru_cache(maxsize=64)
def _filter_fields(language: str, values: tuple[str, ...]) -> str:
    """The filter form's fields for valid filter values, rendered once per language and values
    (three choice fields: at most a few hundred variants; never with a search term, which can
    hold a name). Rendering Django's select widgets costs more than the table of 50 rows."""
    form = forms.CaseFilterForm(dict(zip(_FILTERS, values, strict=True)))
    form.is_valid()
    return render_to_string("includes/form.html", {"form": form})


def _cached_filter_fields(form: forms.CaseFilterForm, data: Any, query: str) -> str:
    if query or form.errors or settings.DEBUG:
        return ""  # the template renders the form itself
    return _filter_fields(get_language(), tuple(str(data.get(name, "")) for name in _FILTERS))


@require_http_methods(["GET", "POST"])
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases the user is directly involved in (ORG-04), 50 per page, newest first.

    Filters come by GET. The search term can hold a pupil's name, so it is accepted by POST
    only and never appears in a URL; the pager then posts it along.
    """
    data = request.POST.copy() if request.method == "POST" else request.GET.copy()
    if request.method != "POST":
        data.pop("q", None)
    form = forms.CaseFilterForm(data)
    filters = form.cleaned_data if form.is_valid() else {}
    query = str(filters.get("q") or "").strip()
    list_filters = {k: v for k, v in filters.items() if k in ("fase", "soort", "status") and v}
    if request.method == "POST" and not query:
        # Without a search term the filters belong in the URL (bookmarkable); no name in it.
        return HttpResponseRedirect(reverse("cases:list") + "?" + urlencode(list_filters))
    chosen = {
        "phase": filters.get("fase") or "",
        "kind": filters.get("soort") or "",
        "status": filters.get("status") or "",
    }
    if query:
        keys = selectors.queryset_keys(
            selectors.filter_cases(
                access.involved_cases(request.user, _membership(request)), **chosen, query=query
            )
        )
    else:  # the list's own filters: its query compiled once per process
        keys = selectors.involved_keys(request.user, _membership(request), **chosen)
    cursor_token = data.get("na", "")
    rows, has_more = selectors.newest_rows(
        request,
        keys,
        limit=PAGE_SIZE,
        query=query,
        cursor=selectors.decode_cursor(cursor_token),
    )
    access.log_rows(request, rows)
    next_token = selectors.encode_cursor(rows[-1].case) if has_more and rows else ""
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "filter_fields": _cached_filter_fields(form, data, query),
            "rows": selectors.list_items(rows),
            "next_token": next_token,
            "is_first_page": not cursor_token,
            "searching": bool(query),
            "list_filters": list_filters,
            "next_url": "?" + urlencode({**list_filters, "na": next_token}) if next_token else "",
            "first_url": "?" + urlencode(list_filters),
        },
    )


# --- Nieuw traject ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    if membership is None or membership.role not in case_services.CASE_OPENING_ROLES:
        raise PermissionDenied(_("In deze rol kunt u geen traject openen."))
    pupils = selectors.openable_pupils(membership)
    form = forms.OpenCaseForm(**forms.pupil_form_args(request), pupils=pupils)
    forms.limit_pupil_choices(form, request)
    if request.method == "POST" and form.is_valid():
        try:
            case = case_services.open_case(
                Actor.from_request(request),
                kind=form.cleaned_data["kind"],
                pupil=form.cleaned_data["pupil"],
                is_anonymous=form.cleaned_data["is_anonymous"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(
                request, _("Het traject %(pseudonym)s is geopend.") % {"pseudonym": case.pseudonym}
            )
            return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))
    return render(request, "cases/case_create.html", {"form": form})


# --- Traject ---------------------------------------------------------------------------------


def _phase_label(code: str) -> str:
    return str(Phase(code).label)


@require_http_methods(["GET"])
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = access.get_case(request, pk)
    detail = selectors.case_detail(row)
    case_access = row.access
    case = row.case
    return render(
        request,
        "cases/case_detail.html",
        {
            "row": row,
            "case": case,
            "access": case_access,
            "detail": detail,
            "explain": case_access.explain(),
            "category_labels": category_labels(case_access.categories),
            "can_see_ordinary": case_access.can_see(DataCategory.ORDINARY),
            "can_see_family": case_access.can_see(DataCategory.FAMILY),
            "can_manage": case_access.can_manage,
            "can_add_entry": case.phase != Phase.CLOSED,
            "next_phases": [_phase_label(p) for p in Phase if p in ALLOWED_TRANSITIONS[case.phase]],
            "has_pupil": case.pupil_id is not None and not case.is_anonymous,
            "panels": panels_for(row),
        },
    )


# --- Actions on a case -----------------------------------------------------------------------


@dataclass(frozen=True)
class CaseAction:
    """One write on a case: its form, the service call and the texts around it."""

    name: str
    title: Any
    submit: Any
    success: Any
    make_form: Callable[[HttpRequest, CaseRow, Any, Any], Any]
    perform: Callable[[Actor, CaseRow, Any, Any], Any]
    manage: bool = True
    intro: Any = ""
    target: Callable[[CaseRow, int | None], Any] | None = None
    danger: bool = False


def _target_participant(row: CaseRow, object_id: int | None) -> Any:
    participant = selectors.find_participant(row, object_id or 0)
    if participant is None or participant.ended_at is not None:
        raise Http404
    return participant


def _target_consent(row: CaseRow, object_id: int | None) -> Any:
    consent = selectors.find_consent(row, object_id or 0)
    if consent is None or consent.revoked_at is not None:
        raise Http404
    return consent


def _detail_for(row: CaseRow, **kwargs: Any) -> selectors.CaseDetail:
    return selectors.case_detail(row, **kwargs)


def _participant_form(request: HttpRequest, row: CaseRow, data: Any, target: Any) -> Any:
    return forms.ParticipantForm(
        data, organisations=selectors.active_organisations(), current_phase=row.case.phase
    )


def _add_participant(actor: Actor, row: CaseRow, form: Any, target: Any) -> Any:
    organisation = form.cleaned_data["organisation"]
    user = selectors.find_colleague(organisation, form.cleaned_data["user"])
    if user is None:
        raise ValidationError(
            {
                "user": _(
                    "Bij %(org)s werkt geen medewerker met deze gebruikersnaam of dit "
                    "e-mailadres (ORG-04)."
                )
                % {"org": organisation.name}
            }
        )
    return case_services.add_participant(
        actor,
        row.case,
        organisation=organisation,
        user=user,
        role=form.cleaned_data["role"],
        legal_task=form.cleaned_data["legal_task"],
        joined_phase=form.cleaned_data["joined_phase"],
    )


def _end_participant(actor: Actor, row: CaseRow, form: Any, target: Any) -> Any:
    return case_services.end_participant(actor, target, reason=form.cleaned_data["reason"])


def _directors_form(request: HttpRequest, row: CaseRow, data: Any, target: Any) -> Any:
    case = row.case
    users = _detail_for(row).participant_users
    return forms.DirectorsForm(
        data,
        users=users,
        initial={
            "version": case.version,
            "process_director": str(case.process_director_id),
            "case_director": str(case.case_director_id or ""),
        },
    )


def _assign_directors(actor: Actor, row: CaseRow, form: Any, target: Any) -> Any:
    return case_services.assign_directors(
        actor,
        row.case,
        process_director=form.user("process_director"),
        case_director=form.user("case_director"),
        expected_version=form.cleaned_data["version"],
    )


def _phase_form(request: HttpRequest, row: CaseRow, data: Any, target: Any) -> Any:
    return forms.PhaseForm(
        data, current_phase=row.case.phase, initial={"version": row.case.version}
    )


def _change_phase(actor: Actor, row: CaseRow, form: Any, target: Any) -> Any:
    return case_services.change_phase(
        actor,
        row.case,
        to_phase=form.cleaned_data["to_phase"],
        reason=form.cleaned_data["reason"],
        aftercare_until=form.cleaned_data["aftercare_until"],
        expected_version=form.cleaned_data["version"],
    )


def _hearing_form(request: HttpRequest, row: CaseRow, data: Any, target: Any) -> Any:
    return forms.HearingForm(data)


def _record_hearing(actor: Actor, row: CaseRow, form: Any, target: Any) -> Any:
    return case_services.record_hearing(actor, row.case, **form.cleaned_data)


def _entry_form(request: HttpRequest, row: CaseRow, data: Any, target: Any) -> Any:
    return forms.EntryForm(data)


def _add_entry(actor: Actor, row: CaseRow, form: Any, target: Any) -> Any:
    return case_services.add_entry(actor, row.case, **form.cleaned_data)


def _consent_form(request: HttpRequest, row: CaseRow, data: Any, target: Any) -> Any:
    detail = _detail_for(row, with_guardians=True)
    return forms.ConsentForm(
        data,
        organisations=detail.participant_organisations,
        guardians=detail.guardians,
        show_guardian_names=row.access.can_see(DataCategory.FAMILY),
    )


def _give_consent(actor: Actor, row: CaseRow, form: Any, target: Any) -> Any:
    data = form.cleaned_data
    return consent_services.give_consent(
        actor,
        row.case,
        parties=form.chosen_parties(),
        categories=data["categories"],
        given_by_pupil=data["given_by_pupil"],
        guardian_ids=form.guardian_ids(),
        given_on=data["given_on"],
        form_version=data["form_version"],
        method=data["method"],
        evidence=data["evidence"],
    )


def _revoke_form(request: HttpRequest, row: CaseRow, data: Any, target: Any) -> Any:
    return forms.RevokeConsentForm(data)


def _revoke_consent(actor: Actor, row: CaseRow, form: Any, target: Any) -> Any:
    return consent_services.revoke_consent(actor, target, note=form.cleaned_data["note"])


def _ground_form(request: HttpRequest, row: CaseRow, data: Any, target: Any) -> Any:
    return forms.LegalGroundForm(data, organisations=_detail_for(row).participant_organisations)


def _record_ground(actor: Actor, row: CaseRow, form: Any, target: Any) -> Any:
    data = form.cleaned_data
    return consent_services.record_legal_ground(
        actor,
        row.case,
        organisation=form.organisation_for(data["organisation"]),
        basis=data["basis"],
        categories=data["categories"],
        note=data["note"],
        parents_informed_on=data["parents_informed_on"],
    )


def _justification_form(request: HttpRequest, row: CaseRow, data: Any, target: Any) -> Any:
    return forms.JustificationForm(data, organisations=_detail_for(row).participant_organisations)


def _record_justification(actor: Actor, row: CaseRow, form: Any, target: Any) -> Any:
    data = form.cleaned_data
    return consent_services.record_justification(
        actor,
        row.case,
        organisation=form.organisation_for(data["organisation"]),
        categories=data["categories"],
        reason=data["reason"],
    )


ACTIONS: dict[str, CaseAction] = {
    action.name: action
    for action in (
        CaseAction(
            "add_participant",
            gettext_lazy("Deelnemer toevoegen"),
            gettext_lazy("Deelnemer toevoegen"),
            gettext_lazy("De deelnemer is toegevoegd."),
            _participant_form,
            _add_participant,
            intro=gettext_lazy(
                "Voeg alleen een partij toe die direct bij dit traject betrokken is (ORG-04). "
                "Een nieuwe deelnemer ziet pas gegevens met toestemming of een andere grondslag."
            ),
        ),
        CaseAction(
            "end_participant",
            gettext_lazy("Deelname beëindigen"),
            gettext_lazy("Deelname beëindigen"),
            gettext_lazy("De deelname is beëindigd."),
            lambda request, row, data, target: forms.EndParticipantForm(data),
            _end_participant,
            target=_target_participant,
            danger=True,
        ),
        CaseAction(
            "directors",
            gettext_lazy("Regisseurs aanwijzen"),
            gettext_lazy("Opslaan"),
            gettext_lazy("De regisseurs zijn aangewezen."),
            _directors_form,
            _assign_directors,
            intro=gettext_lazy(
                "De procesregisseur bewaakt het proces; de casusregisseur volgt het plan "
                "(ORG-03). Beiden zijn deelnemer van het traject."
            ),
        ),
        CaseAction(
            "phase",
            gettext_lazy("Fase wijzigen"),
            gettext_lazy("Fase wijzigen"),
            gettext_lazy("De fase is gewijzigd."),
            _phase_form,
            _change_phase,
            intro=gettext_lazy(
                "Elke fase heeft haar eigen minimale gegevensset (CO-02). Afmelden sluit het "
                "traject af."
            ),
        ),
        CaseAction(
            "hearing",
            gettext_lazy("Hoorrecht vastleggen"),
            gettext_lazy("Vastleggen"),
            gettext_lazy("Het hoorrecht is vastgelegd."),
            _hearing_form,
            _record_hearing,
            intro=gettext_lazy(
                "Elk kind, ook onder de 12, heeft het recht om gehoord te worden. Leg vast dat "
                "het kind is gehoord, of waarom niet (AGE-04)."
            ),
        ),
        CaseAction(
            "add_entry",
            gettext_lazy("Gegeven toevoegen"),
            gettext_lazy("Toevoegen"),
            gettext_lazy("Het gegeven is toegevoegd."),
            _entry_form,
            _add_entry,
            manage=False,
            intro=gettext_lazy(
                "Uw organisatie wordt vastgelegd als de partij die dit gegeven aanlevert (CON-06)."
            ),
        ),
        CaseAction(
            "give_consent",
            gettext_lazy("Toestemming vastleggen"),
            gettext_lazy("Toestemming vastleggen"),
            gettext_lazy("De toestemming is vastgelegd."),
            _consent_form,
            _give_consent,
            intro=gettext_lazy(
                "Eén toestemming per traject (CON-01): een nieuwe toestemming vervangt de "
                "geldende. Leg vast wie toestemming gaf, wanneer, op welk formulier en hoe "
                "(CON-02)."
            ),
        ),
        CaseAction(
            "revoke_consent",
            gettext_lazy("Toestemming intrekken"),
            gettext_lazy("Toestemming intrekken"),
            gettext_lazy("De toestemming is ingetrokken. Dit geldt meteen (CON-03)."),
            _revoke_form,
            _revoke_consent,
            target=_target_consent,
            danger=True,
            intro=gettext_lazy(
                "Partijen die gegevens zagen op grond van deze toestemming, zien ze vanaf nu niet "
                "meer (CON-03)."
            ),
        ),
        CaseAction(
            "legal_ground",
            gettext_lazy("Wettelijke grondslag vastleggen"),
            gettext_lazy("Vastleggen"),
            gettext_lazy("De grondslag is vastgelegd."),
            _ground_form,
            _record_ground,
            intro=gettext_lazy(
                "Zonder toestemming, op een wettelijke grondslag (CON-04). Ouders worden wel "
                "geïnformeerd."
            ),
        ),
        CaseAction(
            "justification",
            gettext_lazy("Zwaarwegend belang vastleggen"),
            gettext_lazy("Besluit vastleggen"),
            gettext_lazy("Het besluit is vastgelegd en gemeld aan de FG."),
            _justification_form,
            _record_justification,
            danger=True,
            intro=gettext_lazy(
                "Alleen zonder toestemming en zonder wettelijke grondslag, als de veiligheid van "
                "het kind of een ander dat vraagt: een onderbouwd besluit dat aan de FG wordt "
                "gemeld (CON-05)."
            ),
        ),
    )
}


@require_http_methods(["GET", "POST"])
def case_action(
    request: HttpRequest, pk: int, action: str, object_id: int | None = None
) -> HttpResponse:
    """GET shows the form of one action on a case; POST performs it and redirects."""
    spec = ACTIONS[action]
    # Logs allowed and denied; Http404 when the case is not visible (also for POST).
    row = access.get_case(request, pk, action=action if request.method == "POST" else "view")
    if spec.manage and not row.access.can_manage:
        raise PermissionDenied(
            _("Alleen de procesregisseur, de casusregisseur of de eigenaar mag dit wijzigen.")
        )
    target = spec.target(row, object_id) if spec.target is not None else None
    form = spec.make_form(request, row, request.POST if request.method == "POST" else None, target)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                spec.perform(Actor.from_request(request), row, form, target)
            except ValidationError as error:
                forms.apply_service_errors(form, error)
            else:
                messages.success(request, str(spec.success))
                return HttpResponseRedirect(reverse("cases:detail", args=[row.case.pk]))
        status = 400
    return render(
        request,
        "cases/case_action.html",
        {
            "row": row,
            "case": row.case,
            "spec": spec,
            "form": form,
            "target": target,
            "can_see_ordinary": row.access.can_see(DataCategory.ORDINARY),
        },
        status=status,
    )
