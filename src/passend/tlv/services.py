"""Writes of the TLV procedure (TLV-01..13). One transaction per call; each write is logged.

Who may do what is decided from the acting membership (role and organisation) AND the one
access policy on the TLV case: every step below first checks that the actor takes part in
the case (or, for the CvA before triage and the SWV before deciding, that their organisation
holds the CON-04 ground recorded at submission).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.access.actor import Actor
from passend.access.policy import decide_case
from passend.accounts.models import Membership, Organisation, OrganisationKind, Role
from passend.bsn_guard import ensure_no_bsn
from passend.cases import services as case_services
from passend.cases.models import Case, CaseKind, Phase
from passend.consent import services as consent_services
from passend.consent.models import LegalBasis
from passend.consultations import services as consultation_services
from passend.privacy.categories import ALL_CATEGORIES, DataCategory
from passend.privacy.context import subject_pseudonym
from passend.privacy.services import record_access
from passend.pupils.models import Pupil
from passend.terms import calendar
from passend.terms import services as terms
from passend.terms.models import Term
from passend.terms.selectors import school_holiday_dates, terms_for
from passend.tlv import criteria, report_figures
from passend.tlv.models import (
    Advice,
    Assessment,
    Decision,
    ExitPerspectiveRecord,
    FundingCategory,
    Letter,
    Objection,
    Placement,
    Route,
    SafetyNetOffer,
    Tlv,
    TlvApplication,
    TlvDuration,
    TlvSettings,
    TlvType,
    Triage,
)

ACTIVITY = "tlv_procedure"
APP_OBJECT = "tlv.tlvapplication"
PLACEMENT_OBJECT = "tlv.placement"
OBJECTION_OBJECT = "tlv.objection"
DECISION_OBJECT = "tlv.decision"
TLV_OBJECT = "tlv.tlv"

CVA_ROLES = frozenset(
    {Role.CVA_SECRETARY, Role.CVA_CHAIR, Role.CVA_MEDICAL_SPECIALIST, Role.CVA_SOCIAL_WORKER}
)
# Fields each party fills in (TLV-02): the requesting school steps 1, 2, parents, pupil and
# experts; the intended school contributes steps 3 and 4 in the same application.
REQUESTING_FIELDS = frozenset(
    {
        "needs",
        "exit_perspective",
        "support_given",
        "support_results",
        "lovs_summary",
        "why_not_regular",
        "substantiation",
        "iq",
        "additional_disorder",
        "why_intended_school",
        "disability",
        "requested_type",
        "parents_seen_on",
        "parents_view",
        "parents_agree",
        "pupil_heard_on",
        "pupil_view",
        "pupil_not_heard_reason",
        "expert_1_name",
        "expert_1_profession",
        "expert_1_signed_on",
        "expert_2_name",
        "expert_2_expertise",
        "expert_2_signed_on",
        "experts_agree",
    }
)
INTENDED_FIELDS = frozenset({"why_intended_school", "end_goals", "ivo"})
IVO_FIELDS = ("instruction", "time", "materials", "space", "expertise", "cooperation")
TEXT_FIELDS = (
    "needs",
    "support_given",
    "support_results",
    "lovs_summary",
    "why_not_regular",
    "substantiation",
    "why_intended_school",
    "end_goals",
    "parents_view",
    "pupil_view",
    "pupil_not_heard_reason",
    "expert_1_name",
    "expert_2_name",
    "expert_2_expertise",
)


# --- helpers --------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _subject(case: Case) -> str:
    if case.pupil_id is None:
        return subject_pseudonym("case", case.pk)
    return subject_pseudonym("pupil", case.pupil_id)


def _log(actor: Actor, action: str, case: Case, obj: Any, categories: Any = ()) -> None:
    record_access(
        actor.context,
        action=action,
        activity=ACTIVITY,
        subject_pseudonym=_subject(case),
        obj=obj,
        data_categories=categories,
    )


def _membership(actor: Actor) -> Membership:
    if actor.membership is None:
        raise PermissionDenied(_("Kies eerst namens welke organisatie u werkt."))
    return actor.membership


def _require(actor: Actor, roles: frozenset[str] | set[str], organisation_id: int | None) -> None:
    membership = _membership(actor)
    if membership.role not in roles or membership.organisation_id != organisation_id:
        raise PermissionDenied(_("Deze stap is niet aan u in deze rol (ORG-02)."))


def _require_involved(actor: Actor, case: Case) -> None:
    if not decide_case(actor.user, actor.membership, case).allowed:
        raise PermissionDenied(_("U bent niet betrokken bij dit traject (ORG-04)."))


def _status_is(application: TlvApplication, *statuses: str) -> None:
    if application.status not in statuses:
        raise ValidationError(
            {
                "status": _("Dit kan niet in de status %(status)s.")
                % {"status": application.get_status_display()}
            }
        )


def _open_term(object_type: str, object_id: object, code: str) -> Term | None:
    return (
        terms_for(object_type, object_id).filter(rule__code=code, completed_on__isnull=True).first()
    )


def _start(
    code: str,
    object_type: str,
    obj: Any,
    case: Case,
    owner: Organisation | None,
    start: dt.date,
    swv: Organisation | None,
    actor: Actor,
) -> Term:
    return terms.start_term(
        code,
        object_type=object_type,
        object_id=obj.pk,
        start_date=start,
        owner=owner,
        subject_pseudonym=case.pseudonym,
        swv=swv,
        created_by=actor.user,
    )


def _complete(object_type: str, obj: Any, code: str, on: dt.date) -> None:
    term = _open_term(object_type, obj.pk, code)
    if term is not None:
        terms.complete(term, on)


def _keep_figures(application: TlvApplication) -> None:
    """The management report's copy of what this application counts (``ApplicationFigures``:
    its status, triage, advice, decision and TLV-04 terms), written in the service's own
    transaction after every change to one of them (issue 10). A draft has none. The service
    holds the application's row (``select_for_update``, or its own ``save``) while it
    computes, so two services on one application write their figures one after the other."""
    if application.submitted_on is not None:
        report_figures.refresh([application.pk])


@transaction.atomic
def refresh_report_figures() -> int:
    """Writes the report's figures of every application afresh (``manage.py
    tlv_report_figures``): after rows were changed outside these services, such as a partial
    restore. Returns how many submitted applications have figures."""
    return report_figures.refresh(TlvApplication.objects.values_list("pk", flat=True))


def _active_members(organisation: Organisation, roles: set[str] | frozenset[str]) -> list[Any]:
    memberships = Membership.objects.active().filter(organisation=organisation, role__in=roles)
    return [m.user for m in memberships.select_related("user")]


# --- routing (TLV-03) -----------------------------------------------------------------------


def route_committee(swv: Organisation, requesting_school: Organisation) -> Organisation | None:
    """TLV-03: the CvA serving the SWV of the referring (or supplying) school's location.

    When several committees serve the SWV, the one in the school's town is chosen.
    """
    committees = list(
        Organisation.objects.filter(
            kind=OrganisationKind.ADVISORY_COMMITTEE, served_swvs=swv, is_active=True
        ).order_by("pk")
    )
    for committee in committees:
        if committee.town and committee.town == requesting_school.town:
            return committee
    return committees[0] if committees else None


# --- 1. application -------------------------------------------------------------------------


@transaction.atomic
def start_application(
    actor: Actor,
    *,
    pupil: Pupil,
    requested_type: str,
    route: str = Route.NEW,
    intended_school: Organisation | None = None,
    swv: Organisation | None = None,
    previous_tlv: Tlv | None = None,
) -> TlvApplication:
    """TLV-01: the school's ondersteuningscoördinator prepares an application for the board."""
    membership = _membership(actor)
    school = membership.organisation
    if membership.role != Role.SUPPORT_COORDINATOR or school.kind != OrganisationKind.SCHOOL:
        raise PermissionDenied(
            _("Een TLV-aanvraag wordt voorbereid door de school van de leerling (TLV-01).")
        )
    errors: dict[str, str] = {}
    if requested_type not in TlvType.values:
        errors["requested_type"] = _("Kies de gevraagde soort: SBO, SO of VSO (TLV-02).")
    if route not in Route.values:
        errors["route"] = _("Kies de route van de aanvraag (TLV-01).")
    if school.board_id is None:
        errors["board"] = _(
            "De school hoort bij een bevoegd gezag dat de aanvraag indient (TLV-01)."
        )
    if route == Route.OUTSIDE_SWV:
        swv = swv or (intended_school.swv if intended_school else None)
        if swv is None:
            errors["swv"] = _("Kies het samenwerkingsverband waarbij u aanvraagt (TLV-03).")
    else:
        swv = school.swv
        if swv is None:
            errors["swv"] = _("Uw school hoort niet bij een samenwerkingsverband (TLV-03).")
    if route == Route.EXTENSION:
        if previous_tlv is None:
            errors["previous_tlv"] = _("Kies de aflopende TLV die u wilt verlengen (TLV-11).")
        elif previous_tlv.case.pupil_id != pupil.pk:
            errors["previous_tlv"] = _("Deze TLV hoort niet bij deze leerling.")
    if intended_school is not None and (
        intended_school.kind != OrganisationKind.SCHOOL
        or intended_school.school_type != requested_type
    ):
        errors["intended_school"] = _(
            "Kies als beoogde school een school van de gevraagde soort (TLV-01)."
        )
    if errors:
        raise ValidationError(errors)
    assert swv is not None  # noqa: S101 - narrowed by the checks above
    board = school.board
    assert board is not None  # noqa: S101 - checked above
    committee = route_committee(swv, school)
    if committee is None:
        raise ValidationError(
            {
                "committee": _("Er is geen Commissie van Advies voor %(swv)s (TLV-03).")
                % {"swv": swv}
            }
        )
    case = case_services.open_case(
        actor, kind=CaseKind.TLV, pupil=pupil, title=str(_("TLV-aanvraag"))
    )
    application = TlvApplication.objects.create(
        case=case,
        committee=committee,
        swv=swv,
        requesting_school=school,
        board=board,
        intended_school=intended_school,
        route=route,
        previous_tlv=previous_tlv,
        requested_type=requested_type,
        created_by=actor.user,
    )
    # The board applies (TLV-01) and the intended school helps prepare it: both take part on
    # the CON-04 ground "school to SWV for extra support and TLV" (no consent needed).
    _involve(actor, case, board, {Role.SCHOOL_BOARD}, str(_("Bevoegd gezag (aanvrager)")))
    if intended_school is not None:
        _involve(actor, case, intended_school, {Role.SUPPORT_COORDINATOR}, str(_("Beoogde school")))
    _log(actor, "create", case, application, [DataCategory.ORDINARY])
    return application


def _involve(
    actor: Actor, case: Case, organisation: Organisation, roles: set[str], role_label: str
) -> None:
    consent_services.record_legal_ground(
        actor,
        case,
        organisation=organisation,
        basis=LegalBasis.EXTRA_SUPPORT,
        categories=sorted(ALL_CATEGORIES),
        note=str(_("TLV-aanvraag (TLV-01)")),
    )
    for user in _active_members(organisation, roles):
        case_services.add_participant(
            actor,
            case,
            organisation=organisation,
            user=user,
            role=role_label,
            joined_phase=Phase.ASSESSMENT,
        )


@transaction.atomic
def update_application(actor: Actor, application: TlvApplication, **values: Any) -> TlvApplication:
    """Fills in the steps (TLV-02). Each party edits only its own part."""
    _status_is(
        application,
        TlvApplication.Status.DRAFT,
        TlvApplication.Status.SUSPENDED,
        TlvApplication.Status.BACK_TO_MDO,
    )
    case = application.case
    _require_involved(actor, case)
    membership = _membership(actor)
    if membership.organisation_id == application.requesting_school_id:
        allowed = REQUESTING_FIELDS
    elif membership.organisation_id == application.intended_school_id:
        allowed = INTENDED_FIELDS
    else:
        raise PermissionDenied(
            _("Alleen de aanvragende en de beoogde school vullen de aanvraag in.")
        )
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ValidationError(
            {
                name: _("Dit deel vult de %(party)s in (TLV-02).")
                % {
                    "party": _("beoogde school")
                    if name in INTENDED_FIELDS
                    else _("aanvragende school")
                }
                for name in unknown
            }
        )
    texts = {k: v for k, v in values.items() if k in TEXT_FIELDS and isinstance(v, str)}
    if "ivo" in values:
        ivo = values["ivo"] or {}
        if not isinstance(ivo, dict) or set(ivo) - set(IVO_FIELDS):
            raise ValidationError({"ivo": _("Onbekend IVO-veld (TLV-02).")})
        texts.update({f"ivo.{k}": str(v) for k, v in ivo.items()})
    ensure_no_bsn(texts)
    today = _today()
    for name in ("parents_seen_on", "pupil_heard_on", "expert_1_signed_on", "expert_2_signed_on"):
        day = values.get(name)
        if day is not None and day > today:
            raise ValidationError({name: _("Deze datum ligt in de toekomst.")})
    for name, value in values.items():
        setattr(application, name, value.strip() if isinstance(value, str) else value)
    application.save()
    _keep_figures(application)
    _log(actor, "update", case, application, [DataCategory.DIAGNOSTICS])
    return application


def missing_items(application: TlvApplication) -> list[str]:
    """The completeness check: what the CvA needs before the clock runs (TLV-01/02/04)."""
    a = application
    missing: list[str] = []

    def need(ok: Any, text: str) -> None:
        if not ok:
            missing.append(text)

    need(a.needs, _("Stap 1 Dat: wat de leerling nodig heeft (TLV-02)."))
    need(a.exit_perspective, _("Stap 1 Dat: het beoogde uitstroomperspectief (TLV-02, TLV-13)."))
    need(a.support_given, _("Stap 1 Dat: de ingezette ondersteuning (TLV-02)."))
    need(a.support_results, _("Stap 1 Dat: wat de ondersteuning heeft opgeleverd (TLV-02)."))
    need(a.lovs_summary, _("Stap 1 Dat: gegevens uit het LOVS (TLV-02)."))
    need(
        a.why_not_regular,
        _("Stap 1 Dat: waarom het regulier onderwijs dit niet kan bieden (TLV-02)."),
    )
    need(
        a.substantiation, _("Stap 2 Waarom: de integrale onderbouwing door de deskundige (TLV-02).")
    )
    need(a.why_intended_school, _("Stap 3 Waar: waarom de beoogde school past (TLV-02)."))
    need(a.intended_school_id, _("Stap 3 Waar: de beoogde school (TLV-01)."))
    need(a.end_goals, _("Stap 4 Hoe: de einddoelen, ingevuld door de beoogde school (TLV-02)."))
    need(
        any(str(v).strip() for v in (a.ivo or {}).values()),
        _("Stap 4 Hoe: de ondersteuning per IVO-veld (TLV-02)."),
    )
    if a.requested_type != TlvType.SBO:
        need(a.disability, _("Het type beperking (cluster 3 of 4) (TLV-06)."))
    if a.disability == "zml":
        need(a.iq is not None, _("Het IQ: nodig voor de beoordeling van ZML (TLV-06)."))
    need(a.parents_seen_on, _("De handtekening 'voor gezien' van de ouders (TLV-01)."))
    need(a.parents_view, _("De zienswijze van de ouders (TLV-01)."))
    need(
        (a.pupil_heard_on and a.pupil_view) or a.pupil_not_heard_reason,
        _("De mening van de leerling, of waarom horen niet kon (AGE-04)."),
    )
    need(
        a.expert_1_name and a.expert_1_profession and a.expert_1_signed_on,
        _(
            "De eerste deskundige (orthopedagoog generalist, GZ-psycholoog of medisch "
            "specialist) met naam en medeondertekening (TLV-02)."
        ),
    )
    need(
        a.expert_2_name and a.expert_2_expertise and a.expert_2_signed_on,
        _("De tweede deskundige met specifieke expertise, met naam en medeondertekening (TLV-02)."),
    )
    return missing


def _issue_letter(
    application: TlvApplication, kind: str, missing: list[str] | None = None
) -> Letter:
    return Letter.objects.create(
        application=application, kind=kind, issued_on=_today(), missing=missing or []
    )


@transaction.atomic
def submit(actor: Actor, application: TlvApplication) -> TlvApplication:
    """TLV-01: the board submits. TLV-03 routing, TLV-04 terms, receipt letter, completeness."""
    application = TlvApplication.objects.select_for_update().get(pk=application.pk)
    _require(actor, {Role.SCHOOL_BOARD}, application.board_id)
    _status_is(application, TlvApplication.Status.DRAFT)
    case = application.case
    _require_involved(actor, case)
    committee = application.committee
    if committee is None:  # routed at creation; re-routed when the committee was removed
        committee = route_committee(application.swv, application.requesting_school)
        if committee is None:
            raise ValidationError({"committee": _("Er is geen Commissie van Advies (TLV-03).")})
        application.committee = committee
    # CON-04: school to SWV for extra support and TLV, no consent needed; parents informed.
    for organisation in (committee, application.swv):
        consent_services.record_legal_ground_by_procedure(
            actor,
            case,
            organisation=organisation,
            basis=LegalBasis.EXTRA_SUPPORT,
            categories=sorted(ALL_CATEGORIES),
            note=str(_("TLV-aanvraag ingediend door het bevoegd gezag (TLV-01)")),
        )
    today = _today()
    application.submitted_on = today
    swv = application.swv
    _start("tlv-receipt", APP_OBJECT, application, case, committee, today, swv, actor)
    overall = _start("tlv-overall", APP_OBJECT, application, case, swv, today, swv, actor)
    # The receipt is confirmed automatically (TLV-04: within 1 week).
    _issue_letter(application, Letter.Kind.RECEIPT)
    application.receipt_confirmed_on = today
    _complete(APP_OBJECT, application, "tlv-receipt", today)
    missing = missing_items(application)
    if missing:
        application.status = TlvApplication.Status.SUSPENDED
        terms.suspend(overall, today)
        _issue_letter(application, Letter.Kind.INCOMPLETE, missing)
    else:
        application.status = TlvApplication.Status.SUBMITTED
        application.complete_on = today
        _start("tlv-advice", APP_OBJECT, application, case, committee, today, swv, actor)
    application.save()
    _keep_figures(application)
    _log(actor, "submit", case, application, [DataCategory.ORDINARY])
    return application


@transaction.atomic
def complete_application(actor: Actor, application: TlvApplication) -> TlvApplication:
    """The school supplied what was missing: the clock restarts (TLV-04 "opgeschort")."""
    application = TlvApplication.objects.select_for_update().get(pk=application.pk)
    _status_is(application, TlvApplication.Status.SUSPENDED, TlvApplication.Status.BACK_TO_MDO)
    membership = _membership(actor)
    if membership.organisation_id not in (application.requesting_school_id, application.board_id):
        raise PermissionDenied(
            _("De aanvragende school of het bevoegd gezag vult de aanvraag aan.")
        )
    case = application.case
    _require_involved(actor, case)
    missing = missing_items(application)
    if not application.experts_agree:
        missing.append(
            _("De deskundigen zijn het nog niet eens: eerst multidisciplinair overleg (TLV-06).")
        )
    if missing:
        raise ValidationError({"missing": missing})
    today = _today()
    swv = application.swv
    for code in ("tlv-overall", "tlv-advice"):
        term = _open_term(APP_OBJECT, application.pk, code)
        if term is not None and term.is_suspended:
            terms.resume(term, today, swv)
    if application.status == TlvApplication.Status.SUSPENDED:
        application.status = TlvApplication.Status.SUBMITTED
        application.complete_on = today
        if _open_term(APP_OBJECT, application.pk, "tlv-advice") is None:
            _start(
                "tlv-advice",
                APP_OBJECT,
                application,
                case,
                application.committee,
                today,
                swv,
                actor,
            )
    else:
        application.status = TlvApplication.Status.IN_ASSESSMENT
    application.save()
    _keep_figures(application)
    _log(actor, "complete", case, application, [DataCategory.ORDINARY])
    return application


@transaction.atomic
def suspend_incomplete(
    actor: Actor, application: TlvApplication, missing: list[str]
) -> TlvApplication:
    """The CvA finds the file incomplete: opgeschort, the school sees what is missing."""
    application = TlvApplication.objects.select_for_update().get(pk=application.pk)
    _require(actor, CVA_ROLES, application.committee_id)
    _require_involved(actor, application.case)
    _status_is(application, TlvApplication.Status.SUBMITTED, TlvApplication.Status.IN_ASSESSMENT)
    items = [m.strip() for m in missing if m.strip()]
    if not items:
        raise ValidationError({"missing": _("Noem wat er ontbreekt (TLV-04).")})
    ensure_no_bsn({f"missing.{i}": m for i, m in enumerate(items)})
    today = _today()
    for code in ("tlv-overall", "tlv-advice"):
        term = _open_term(APP_OBJECT, application.pk, code)
        if term is not None and not term.is_suspended:
            terms.suspend(term, today)
    application.status = TlvApplication.Status.SUSPENDED
    application.save(update_fields=["status", "updated_at"])
    _issue_letter(application, Letter.Kind.INCOMPLETE, items)
    _keep_figures(application)
    _log(actor, "suspend", application.case, application, [DataCategory.ORDINARY])
    return application


# --- 3. triage (TLV-05) ---------------------------------------------------------------------


def next_cva_meeting(after: dt.date) -> dt.date | None:
    """The next CvA breed meeting: every N weeks from the configured first meeting (TLV-05)."""
    config = TlvSettings.current()
    if config.first_cva_meeting is None:
        return None
    meeting = config.first_cva_meeting
    while meeting <= after:
        meeting = calendar.add_weeks(meeting, config.cva_meeting_interval_weeks)
    return meeting


@transaction.atomic
def triage(
    actor: Actor, application: TlvApplication, *, route: str, meeting_on: dt.date | None = None
) -> TlvApplication:
    """TLV-05: secretaris alone, secretaris + voorzitter, or CvA breed (next meeting)."""
    application = TlvApplication.objects.select_for_update().get(pk=application.pk)
    _require(actor, {Role.CVA_SECRETARY, Role.CVA_CHAIR}, application.committee_id)
    _status_is(application, TlvApplication.Status.SUBMITTED, TlvApplication.Status.IN_ASSESSMENT)
    if route not in Triage.values:
        raise ValidationError({"route": _("Kies wie de aanvraag beoordeelt (TLV-05).")})
    committee = application.committee
    assert committee is not None  # noqa: S101
    case = application.case
    membership = _membership(actor)
    roles: set[str] = {membership.role}
    if route == Triage.SECRETARY_CHAIR:
        roles |= {Role.CVA_SECRETARY, Role.CVA_CHAIR}
    elif route == Triage.FULL:
        roles |= set(CVA_ROLES)
    people = [actor.user] + [
        u for u in _active_members(committee, roles - {membership.role}) if u != actor.user
    ]
    if route == Triage.SECRETARY_CHAIR and not _active_members(committee, {Role.CVA_CHAIR}):
        raise ValidationError({"route": _("De CvA heeft geen voorzitter (TLV-05).")})
    for user in people:
        user_roles = Membership.objects.active().filter(user=user, organisation=committee)
        label = ", ".join(sorted(str(m.get_role_display()) for m in user_roles)) or "CvA"
        case_services.add_participant_by_procedure(
            actor,
            case,
            organisation=committee,
            user=user,
            role=label,
            joined_phase=Phase.ASSESSMENT,
            legal_task=committee.legal_basis,
        )
    if route == Triage.FULL:
        meeting_on = meeting_on or next_cva_meeting(_today())
        if meeting_on is None:
            raise ValidationError(
                {
                    "meeting_on": _(
                        "Vul de datum van de volgende vergadering van de CvA breed in (TLV-05)."
                    )
                }
            )
        if meeting_on < _today():
            raise ValidationError({"meeting_on": _("Deze datum ligt in het verleden.")})
        application.cva_meeting_on = meeting_on
        consultation_services.schedule_for_committee(
            actor,
            case,
            committee=committee,
            swv=application.swv,
            on=meeting_on,
            invitees=[(user, committee) for user in people],
        )
    else:
        if application.cva_meeting_on is not None:
            consultation_services.withdraw_from_committee(actor, case, committee=committee)
        application.cva_meeting_on = None
    application.triage = route
    application.status = TlvApplication.Status.IN_ASSESSMENT
    application.save()
    _keep_figures(application)
    _log(actor, "triage", case, application, [DataCategory.ORDINARY])
    return application


# --- 4. assessment (TLV-06) -----------------------------------------------------------------


@transaction.atomic
def assess(
    actor: Actor,
    application: TlvApplication,
    *,
    disorder_established: bool = False,
    educational_limitation: bool = False,
    care_insufficient: bool = False,
    causal_link: bool = False,
    notes: str = "",
) -> Assessment:
    """The assessor's checklist; the ZML IQ rules are computed and the result explained.

    If the two experts disagree, the file goes back to a multidisciplinary meeting: the
    terms stand still until the school completes it again.
    """
    application = TlvApplication.objects.select_for_update().get(pk=application.pk)
    _require(actor, CVA_ROLES, application.committee_id)
    case = application.case
    _require_involved(actor, case)
    _status_is(application, TlvApplication.Status.IN_ASSESSMENT)
    ensure_no_bsn({"notes": notes})
    checklist = criteria.Checklist(
        disorder_established=disorder_established,
        educational_limitation=educational_limitation,
        care_insufficient=care_insufficient,
        causal_link=causal_link,
    )
    on = application.submitted_on or _today()
    pupil = case.pupil
    result = criteria.evaluate(
        application.disability,
        checklist,
        iq=application.iq,
        age=criteria.age_on(pupil.birth_date if pupil else None, on),
        additional_disorder=application.additional_disorder,
    )
    lines = list(result.lines)
    met = result.met
    if not application.experts_agree:
        met = False
        lines.append(
            _(
                "✗ De twee deskundigen zijn het niet eens: het dossier gaat terug naar een "
                "multidisciplinair overleg (TLV-06)."
            )
        )
    assessment, _created = Assessment.objects.update_or_create(
        application=application,
        defaults={
            "disorder_established": disorder_established,
            "educational_limitation": educational_limitation,
            "care_insufficient": care_insufficient,
            "causal_link": causal_link,
            "notes": notes.strip(),
            "met": met,
            "explanation": [str(line) for line in lines],
            "assessed_by": actor.user,
        },
    )
    if not application.experts_agree:
        today = _today()
        for code in ("tlv-overall", "tlv-advice"):
            term = _open_term(APP_OBJECT, application.pk, code)
            if term is not None and not term.is_suspended:
                terms.suspend(term, today)
        application.status = TlvApplication.Status.BACK_TO_MDO
        application.save(update_fields=["status", "updated_at"])
    _keep_figures(application)
    _log(actor, "assess", case, assessment, [DataCategory.DIAGNOSTICS])
    return assessment


# --- 5. advice (TLV-07/09/12) ---------------------------------------------------------------


@transaction.atomic
def extend_advice_term(
    actor: Actor, application: TlvApplication, *, weeks: int, reason: str
) -> Term:
    """TLV-04: advice within 4 weeks, extendable to 8 with a reason."""
    # The application first, as every service that changes what the report counts: beside
    # another (a triage), each would otherwise compute the figures without the other's change.
    application = TlvApplication.objects.select_for_update().get(pk=application.pk)
    _require(actor, CVA_ROLES, application.committee_id)
    _require_involved(actor, application.case)
    term = _open_term(APP_OBJECT, application.pk, "tlv-advice")
    if term is None:
        raise ValidationError({"weeks": _("Er loopt geen adviestermijn.")})
    ensure_no_bsn({"reason": reason})
    term = terms.extend(term, weeks, reason, application.swv)
    _keep_figures(application)
    _log(actor, "extend_advice_term", application.case, application)
    return term


def _finish_advice(actor: Actor, application: TlvApplication, advice: Advice) -> None:
    today = _today()
    advice.given_on = today
    advice.save()
    application.status = TlvApplication.Status.ADVISED
    application.save(update_fields=["status", "updated_at"])
    _complete(APP_OBJECT, application, "tlv-advice", today)
    _start(
        "tlv-board",
        APP_OBJECT,
        application,
        application.case,
        application.swv,
        today,
        application.swv,
        actor,
    )


@transaction.atomic
def give_advice(
    actor: Actor,
    application: TlvApplication,
    *,
    positive: bool,
    by_gavel: bool = False,
    category: int | None = None,
    category_reason: str = "",
    motivation: str = "",
) -> Advice:
    """Positive advice (with "bij hamerslag", TLV-12), or an INTENDED negative one (TLV-09).

    The category is proposed from the TLV-07 mapping; another category needs a reason.
    """
    application = TlvApplication.objects.select_for_update().get(pk=application.pk)
    _require(actor, {Role.CVA_SECRETARY, Role.CVA_CHAIR}, application.committee_id)
    case = application.case
    _require_involved(actor, case)
    _status_is(application, TlvApplication.Status.IN_ASSESSMENT)
    assessment = Assessment.objects.filter(application=application).first()
    errors: dict[str, Any] = {}
    if assessment is None:
        errors["positive"] = _("Vul eerst de beoordeling aan de hand van de criteria in (TLV-06).")
    elif positive and not assessment.met:
        errors["positive"] = _(
            "De aanvraag voldoet niet aan alle criteria: een positief advies kan niet (TLV-06)."
        )
    if by_gavel and not positive:
        errors["by_gavel"] = _("Alleen een positief advies kan bij hamerslag (TLV-12).")
    proposed = criteria.proposed_category(application.disability)
    if positive and application.requested_type != TlvType.SBO:
        chosen = category if category is not None else proposed
        if chosen not in FundingCategory.Level.values:
            errors["category"] = _("Kies categorie 1, 2 of 3 (TLV-07).")
        elif chosen != proposed and not category_reason.strip():
            errors["category_reason"] = _(
                "Licht toe waarom u afwijkt van de voorgestelde categorie %(proposed)s (TLV-07)."
            ) % {"proposed": proposed}
    else:
        chosen = None
    if not positive and not motivation.strip():
        errors["motivation"] = _("Motiveer het voorgenomen negatieve advies (TLV-09).")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"category_reason": category_reason, "motivation": motivation})
    advice, _created = Advice.objects.update_or_create(
        application=application,
        defaults={
            "status": Advice.Status.POSITIVE if positive else Advice.Status.INTENDED_NEGATIVE,
            "by_gavel": by_gavel,
            "tlv_type": application.requested_type,
            "proposed_category": proposed,
            "category": chosen,
            "category_reason": category_reason.strip(),
            "motivation": motivation.strip(),
            "given_by": actor.user,
            "shared_with_school_on": None if positive else _today(),
            "given_on": None,
        },
    )
    if positive:
        _finish_advice(actor, application, advice)
    _keep_figures(application)
    _log(actor, "advice", case, advice, [DataCategory.DIAGNOSTICS])
    return advice


@transaction.atomic
def record_conversation(
    actor: Actor, application: TlvApplication, *, held_on: dt.date, notes: str
) -> Advice:
    """TLV-09: school and parents discussed the intended negative advice with the CvA."""
    _require(actor, CVA_ROLES, application.committee_id)
    _require_involved(actor, application.case)
    advice = Advice.objects.filter(application=application).first()
    if advice is None or advice.status != Advice.Status.INTENDED_NEGATIVE:
        raise ValidationError({"held_on": _("Er is geen voorgenomen negatief advies (TLV-09).")})
    errors: dict[str, Any] = {}
    if held_on > _today():
        errors["held_on"] = _("Deze datum ligt in de toekomst.")
    if advice.shared_with_school_on and held_on < advice.shared_with_school_on:
        errors["held_on"] = _("Het gesprek volgt op het delen van het voorgenomen advies (TLV-09).")
    if not notes.strip():
        errors["notes"] = _("Vul een kort verslag van het gesprek in (TLV-09).")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"notes": notes})
    advice.conversation_on = held_on
    advice.conversation_notes = notes.strip()
    advice.save(update_fields=["conversation_on", "conversation_notes"])
    _log(actor, "advice_conversation", application.case, advice, [DataCategory.DIAGNOSTICS])
    return advice


@transaction.atomic
def finalise_negative_advice(actor: Actor, application: TlvApplication) -> Advice:
    """TLV-09: only after the conversation, and as a joint responsibility of the CvA breed."""
    application = TlvApplication.objects.select_for_update().get(pk=application.pk)
    _require(actor, {Role.CVA_SECRETARY, Role.CVA_CHAIR}, application.committee_id)
    _require_involved(actor, application.case)
    advice = Advice.objects.filter(application=application).first()
    if advice is None or advice.status != Advice.Status.INTENDED_NEGATIVE:
        raise ValidationError({"status": _("Er is geen voorgenomen negatief advies (TLV-09).")})
    errors: dict[str, Any] = {}
    if advice.conversation_on is None:
        errors["conversation_on"] = _(
            "Een voorgenomen negatief advies wordt pas definitief na het gesprek met het "
            "ondersteuningsteam van de school (TLV-09)."
        )
    if application.triage != Triage.FULL:
        errors["triage"] = _(
            "Een negatief advies is een gezamenlijke verantwoordelijkheid van de CvA breed: zet "
            "de aanvraag eerst op de agenda van de CvA breed (TLV-09)."
        )
    if errors:
        raise ValidationError(errors)
    advice.status = Advice.Status.NEGATIVE
    _finish_advice(actor, application, advice)
    _keep_figures(application)
    _log(actor, "advice_final", application.case, advice, [DataCategory.DIAGNOSTICS])
    return advice


# --- 6. decision (TLV-04/10/11) -------------------------------------------------------------


def _next_tlv_number(swv: Organisation, year: int) -> str:
    prefix = f"TLV{year}-{swv.pk:03d}-"
    count = Tlv.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{count + 1:04d}"


def funding_for(category: int | None, start: dt.date) -> FundingCategory | None:
    """The amounts of the school year in which the TLV starts (TLV-07); else the latest."""
    if category is None:
        return None
    rows = FundingCategory.objects.filter(category=category)
    return (
        rows.filter(school_year=criteria.school_year_of(start)).first()
        or rows.order_by("-school_year").first()
    )


@transaction.atomic
def decide(
    actor: Actor,
    application: TlvApplication,
    *,
    start_date: dt.date | None = None,
    motivation: str = "",
) -> Decision:
    """TLV-04: the SWV board decides within 1 week of the advice, following the final advice."""
    application = TlvApplication.objects.select_for_update().get(pk=application.pk)
    _require(actor, {Role.SWV_DIRECTOR}, application.swv_id)
    _status_is(application, TlvApplication.Status.ADVISED)
    case = application.case
    case_services.add_participant_by_procedure(
        actor,
        case,
        organisation=application.swv,
        user=actor.user,
        role=str(_("Bestuur SWV (besluit)")),
        joined_phase=Phase.ASSESSMENT,
    )
    advice = Advice.objects.get(application=application)
    if not advice.is_final:
        raise ValidationError({"advice": _("Het advies is nog niet definitief (TLV-09).")})
    ensure_no_bsn({"motivation": motivation})
    today = _today()
    positive = advice.status == Advice.Status.POSITIVE
    decision = Decision.objects.create(
        application=application,
        positive=positive,
        decided_on=today,
        decided_by=actor.user,
        motivation=motivation.strip() or advice.motivation,
        sent_on=today,
    )
    swv = application.swv
    if positive:
        start = start_date or today
        if application.route == Route.EXTENSION and application.previous_tlv is not None:
            start = max(start, application.previous_tlv.end_date + dt.timedelta(days=1))
        duration = TlvDuration.objects.filter(tlv_type=application.requested_type).first()
        end = criteria.tlv_end_date(start, duration.school_years if duration else 1)
        school = application.intended_school or application.requesting_school
        tlv = Tlv.objects.create(
            decision=decision,
            case=case,
            number=_next_tlv_number(swv, start.year),
            swv=swv,
            tlv_type=application.requested_type,
            category=advice.category,
            start_date=start,
            end_date=end,
            school=school,
            current_school=application.requesting_school,
        )
        _start("tlv-exit-prognosis", TLV_OBJECT, tlv, case, school, start, swv, actor)
    else:
        # TLV-09: a negative decision starts a safety-net support offer (SWV/gemeente).
        SafetyNetOffer.objects.create(decision=decision, provider=swv.name)
    _complete(APP_OBJECT, application, "tlv-board", today)
    _complete(APP_OBJECT, application, "tlv-overall", today)
    # Written handling and registration within 1 week (TLV-04); the letter is issued now.
    _start("tlv-written", APP_OBJECT, application, case, swv, today, swv, actor)
    _issue_letter(application, Letter.Kind.DECISION)
    _complete(APP_OBJECT, application, "tlv-written", today)
    # TLV-10: the objection term (6 weeks) runs from the day the decision is sent.
    _start("tlv-objection", DECISION_OBJECT, decision, case, swv, today, swv, actor)
    application.status = TlvApplication.Status.DECIDED
    application.save(update_fields=["status", "updated_at"])
    case_services.record_tlv_decided(case)
    _keep_figures(application)
    _log(actor, "decide", case, decision, [DataCategory.ORDINARY])
    return decision


@transaction.atomic
def update_safety_net(
    actor: Actor, decision: Decision, *, provider: str, description: str
) -> SafetyNetOffer:
    _require(actor, {Role.SWV_DIRECTOR}, decision.application.swv_id)
    _require_involved(actor, decision.application.case)
    if not description.strip():
        raise ValidationError({"description": _("Beschrijf het vangnetaanbod (TLV-09).")})
    ensure_no_bsn({"provider": provider, "description": description})
    offer, _created = SafetyNetOffer.objects.update_or_create(
        decision=decision,
        defaults={"provider": provider.strip(), "description": description.strip()},
    )
    _log(actor, "safety_net", decision.application.case, offer, [DataCategory.ORDINARY])
    return offer


# --- 7. collection, exit perspective (TLV-11, TLV-13) ---------------------------------------


@transaction.atomic
def collect(actor: Actor, tlv: Tlv) -> Tlv:
    """The receiving school collects the TLV; it becomes the pupil's current school."""
    _require(actor, {Role.SUPPORT_COORDINATOR}, tlv.school_id)
    _require_involved(actor, tlv.case)
    if tlv.collected_on is None:
        tlv.collected_on = _today()
        tlv.current_school = tlv.school
        tlv.save(update_fields=["collected_on", "current_school"])
        _log(actor, "collect", tlv.case, tlv, [DataCategory.ORDINARY])
    return tlv


STAGE_ORDER = [s.value for s in ExitPerspectiveRecord.Stage]


@transaction.atomic
def record_exit_perspective(
    actor: Actor, tlv: Tlv, *, stage: str, perspective: str, on: dt.date | None = None
) -> ExitPerspectiveRecord:
    """TLV-13: prognosis within 6 weeks of intake, then provisional, then definitive."""
    _require(actor, {Role.SUPPORT_COORDINATOR}, tlv.current_school_id)
    _require_involved(actor, tlv.case)
    errors: dict[str, Any] = {}
    if stage not in STAGE_ORDER:
        errors["stage"] = _("Kies prognose, voorlopig of definitief (TLV-13).")
    else:
        earlier = set(STAGE_ORDER[: STAGE_ORDER.index(stage)])
        have = set(tlv.exit_perspectives.values_list("stage", flat=True))
        if not earlier <= have:
            errors["stage"] = _(
                "Leg eerst de prognose en daarna het voorlopige perspectief vast (TLV-13)."
            )
        if stage in have:
            errors["stage"] = _("Deze fase van het uitstroomperspectief is al vastgelegd (TLV-13).")
    from passend.tlv.models import ExitPerspective

    if perspective not in ExitPerspective.values:
        errors["perspective"] = _("Kies een uitstroomperspectief (TLV-13).")
    if errors:
        raise ValidationError(errors)
    day = on or _today()
    record = ExitPerspectiveRecord.objects.create(
        tlv=tlv, stage=stage, perspective=perspective, recorded_on=day, recorded_by=actor.user
    )
    if stage == ExitPerspectiveRecord.Stage.PROGNOSIS:
        _complete(TLV_OBJECT, tlv, "tlv-exit-prognosis", day)
    _log(actor, "exit_perspective", tlv.case, record, [DataCategory.ORDINARY])
    return record


def start_extension(
    actor: Actor, tlv: Tlv, *, intended_school: Organisation | None = None
) -> TlvApplication:
    """Step 8: the current school starts an extension of an expiring TLV."""
    pupil = tlv.case.pupil
    if pupil is None:
        raise ValidationError({"tlv": _("Deze TLV hoort niet bij een leerling.")})
    return start_application(
        actor,
        pupil=pupil,
        requested_type=tlv.tlv_type,
        route=Route.EXTENSION,
        intended_school=intended_school or tlv.school,
        previous_tlv=tlv,
    )


# --- placements (TLV-08) --------------------------------------------------------------------


def placement_limit(kind: str, start: dt.date, swv: Organisation | None) -> dt.date:
    """Observation: 12 calendar weeks; crisis: 6 school weeks (holidays do not count)."""
    if kind == Placement.Kind.OBSERVATION:
        return calendar.add_weeks(start, 12)
    holidays = school_holiday_dates(swv, start, start + dt.timedelta(days=400))
    return calendar.add_school_weeks(start, 6, holidays)


@transaction.atomic
def start_placement(
    actor: Actor,
    application: TlvApplication,
    *,
    kind: str,
    school: Organisation,
    start_date: dt.date,
    end_date: dt.date,
) -> Placement:
    """TLV-08: the pupil stays enrolled at the school of origin and is not registered at DUO."""
    case = application.case
    _require_involved(actor, case)
    membership = _membership(actor)
    if not (
        membership.organisation_id == application.committee_id
        or (
            kind == Placement.Kind.CRISIS
            and membership.organisation_id == application.requesting_school_id
        )
    ):
        raise PermissionDenied(
            _("Een observatieplaatsing start de CvA; een crisisplaatsing de aanvragende school.")
        )
    errors: dict[str, Any] = {}
    if kind not in Placement.Kind.values:
        errors["kind"] = _("Kies observatie- of crisisplaatsing (TLV-08).")
    if school.kind != OrganisationKind.SCHOOL or school.school_type == "regular":
        errors["school"] = _("Een plaatsing is op een SBO-, SO- of VSO-school (TLV-08).")
    if errors:
        raise ValidationError(errors)
    limit = placement_limit(kind, start_date, application.swv)
    if end_date < start_date:
        errors["end_date"] = _("De einddatum ligt vóór de startdatum.")
    elif end_date > limit:
        errors["end_date"] = (
            _("Een observatieplaatsing duurt hooguit 12 weken: uiterlijk %(limit)s (TLV-08).")
            if kind == Placement.Kind.OBSERVATION
            else _(
                "Een crisisplaatsing duurt hooguit 6 schoolweken (vakanties tellen niet mee): "
                "uiterlijk %(limit)s (TLV-08)."
            )
        ) % {"limit": limit.strftime("%d-%m-%Y")}
    if errors:
        raise ValidationError(errors)
    placement = Placement.objects.create(
        case=case,
        kind=kind,
        school=school,
        start_date=start_date,
        end_date=end_date,
        max_end_date=limit,
        created_by=actor.user,
    )
    swv = application.swv
    _start(f"tlv-{kind}", PLACEMENT_OBJECT, placement, case, school, start_date, swv, actor)
    if kind == Placement.Kind.CRISIS:
        _start(
            "tlv-crisis-file",
            PLACEMENT_OBJECT,
            placement,
            case,
            application.requesting_school,
            start_date,
            swv,
            actor,
        )
    _log(actor, "start_placement", case, placement, [DataCategory.ORDINARY])
    return placement


@transaction.atomic
def complete_placement_file(
    actor: Actor, placement: Placement, *, on: dt.date | None = None
) -> Placement:
    """TLV-08: the requesting school completes the file within the first 2 weeks."""
    _require_involved(actor, placement.case)
    day = on or _today()
    placement.file_completed_on = day
    placement.save(update_fields=["file_completed_on"])
    _complete(PLACEMENT_OBJECT, placement, "tlv-crisis-file", day)
    _log(actor, "placement_file", placement.case, placement, [DataCategory.ORDINARY])
    return placement


@transaction.atomic
def end_placement(
    actor: Actor, placement: Placement, *, outcome: str, on: dt.date | None = None
) -> Placement:
    """End-of-placement follow-up: return, another regular school, or SO/SBO/VSO (TLV-08)."""
    _require_involved(actor, placement.case)
    if outcome not in Placement.Outcome.values:
        raise ValidationError({"outcome": _("Kies het vervolg na de plaatsing (TLV-08).")})
    day = on or _today()
    if day > placement.max_end_date:
        raise ValidationError(
            {
                "ended_on": _("De plaatsing moest uiterlijk %(limit)s eindigen (TLV-08).")
                % {"limit": placement.max_end_date.strftime("%d-%m-%Y")}
            }
        )
    placement.ended_on = day
    placement.outcome = outcome
    placement.save(update_fields=["ended_on", "outcome"])
    _complete(PLACEMENT_OBJECT, placement, f"tlv-{placement.kind}", day)
    _log(actor, "end_placement", placement.case, placement, [DataCategory.ORDINARY])
    return placement


# --- objections (TLV-10) --------------------------------------------------------------------


def _require_swv(actor: Actor, decision: Decision) -> None:
    _require(actor, {Role.SWV_DIRECTOR}, decision.application.swv_id)
    _require_involved(actor, decision.application.case)


@transaction.atomic
def lodge_objection(
    actor: Actor, decision: Decision, *, lodged_by: str, received_on: dt.date, notes: str = ""
) -> Objection:
    """Parents or the board object within 6 weeks of the decision being sent."""
    _require_swv(actor, decision)
    errors: dict[str, Any] = {}
    if lodged_by not in Objection.By.values:
        errors["lodged_by"] = _("Bezwaar maken ouders of het schoolbestuur (TLV-10).")
    term = terms_for(DECISION_OBJECT, decision.pk).filter(rule__code="tlv-objection").first()
    if received_on < decision.decided_on:
        errors["received_on"] = _("Het bezwaar is ontvangen vóór het besluit.")
    elif received_on > _today():
        errors["received_on"] = _("Deze datum ligt in de toekomst.")
    elif term is not None and received_on > term.due_date:
        errors["received_on"] = _("De bezwaartermijn van 6 weken eindigde op %(due)s (TLV-10).") % {
            "due": term.due_date.strftime("%d-%m-%Y")
        }
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"notes": notes})
    objection = Objection.objects.create(
        decision=decision,
        lodged_by=lodged_by,
        received_on=received_on,
        notes=notes.strip(),
        recorded_by=actor.user,
    )
    case = decision.application.case
    swv = decision.application.swv
    for code in ("tlv-objection-referral", "tlv-objection-decision"):
        _start(code, OBJECTION_OBJECT, objection, case, swv, received_on, swv, actor)
    if term is not None:
        terms.complete(term, received_on)
    _log(actor, "lodge_objection", case, objection, [DataCategory.ORDINARY])
    return objection


@transaction.atomic
def refer_objection(actor: Actor, objection: Objection, *, on: dt.date) -> Objection:
    """The SWV refers to the national objection committee (LBT) within 2 weeks."""
    _require_swv(actor, objection.decision)
    if on < objection.received_on or on > _today():
        raise ValidationError({"referred_on": _("Kies een datum tussen ontvangst en vandaag.")})
    objection.referred_on = on
    objection.save(update_fields=["referred_on"])
    _complete(OBJECTION_OBJECT, objection, "tlv-objection-referral", on)
    _log(actor, "refer_objection", objection.decision.application.case, objection)
    return objection


@transaction.atomic
def schedule_hearing(actor: Actor, objection: Objection, *, on: dt.date) -> Objection:
    _require_swv(actor, objection.decision)
    if objection.referred_on is None:
        raise ValidationError({"hearing_on": _("Leg het bezwaar eerst voor aan de LBT (TLV-10).")})
    if on < objection.referred_on:
        raise ValidationError({"hearing_on": _("De hoorzitting volgt op het voorleggen.")})
    objection.hearing_on = on
    objection.save(update_fields=["hearing_on"])
    _log(actor, "objection_hearing", objection.decision.application.case, objection)
    return objection


@transaction.atomic
def decide_objection(
    actor: Actor, objection: Objection, *, outcome: str, on: dt.date, notes: str = ""
) -> Objection:
    """The SWV decides on the objection within 12 weeks (Awb), after the LBT's advice."""
    _require_swv(actor, objection.decision)
    errors: dict[str, Any] = {}
    if outcome not in Objection.Outcome.values:
        errors["outcome"] = _("Kies de uitkomst van het bezwaar (TLV-10).")
    if objection.referred_on is None:
        errors["outcome"] = _("Het SWV moet eerst de bezwaaradviescommissie raadplegen (TLV-10).")
    if on < objection.received_on or on > _today():
        errors["decided_on"] = _("Kies een datum tussen ontvangst en vandaag.")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"notes": notes})
    objection.outcome = outcome
    objection.decided_on = on
    if notes.strip():
        objection.notes = notes.strip()
    objection.save(update_fields=["outcome", "decided_on", "notes"])
    _complete(OBJECTION_OBJECT, objection, "tlv-objection-decision", on)
    _log(actor, "decide_objection", objection.decision.application.case, objection)
    return objection


@transaction.atomic
def register_appeal(actor: Actor, objection: Objection, *, on: dt.date) -> Objection:
    """After the decision on objection: appeal to the administrative court (TLV-10)."""
    _require_swv(actor, objection.decision)
    if objection.decided_on is None:
        raise ValidationError(
            {"appeal_on": _("Beroep volgt op de beslissing op bezwaar (TLV-10).")}
        )
    if on < objection.decided_on or on > _today():
        raise ValidationError({"appeal_on": _("Kies een datum tussen de beslissing en vandaag.")})
    objection.appeal_on = on
    objection.save(update_fields=["appeal_on"])
    _log(actor, "register_appeal", objection.decision.application.case, objection)
    return objection


# --- reminders (TLV-04) ---------------------------------------------------------------------

REMINDER_ROLES: dict[str, frozenset[str]] = {
    OrganisationKind.ADVISORY_COMMITTEE: frozenset({Role.CVA_SECRETARY, Role.CVA_CHAIR}),
    OrganisationKind.SWV: frozenset({Role.SWV_DIRECTOR}),
    OrganisationKind.SCHOOL: frozenset({Role.SUPPORT_COORDINATOR}),
}


def send_overdue_reminders(today: dt.date | None = None) -> int:
    """E-mails the responsible organisation's people about overdue TLV terms.

    The e-mail holds no personal data: only a count and a link to the platform (DESIGN.md
    privacy core 4). Returns the number of e-mails sent.
    """
    from django.conf import settings
    from django.core.mail import send_mail

    from passend.terms.selectors import overdue_terms

    today = today or _today()
    counts: dict[int, int] = {}
    for owner_id in (
        overdue_terms(today)
        .filter(rule__code__startswith="tlv-")
        .values_list("owner_id", flat=True)
    ):
        if owner_id is not None:
            counts[owner_id] = counts.get(owner_id, 0) + 1
    sent = 0
    for organisation in Organisation.objects.filter(pk__in=counts):
        roles = REMINDER_ROLES.get(organisation.kind, frozenset())
        recipients = sorted({u.email for u in _active_members(organisation, roles) if u.email})
        if not recipients:
            continue
        send_mail(
            subject=_("Passend: verstreken termijnen TLV"),
            message=_(
                "Er zijn %(count)d verstreken termijnen in de TLV-procedure van uw organisatie. "
                "Log in op Passend om ze te bekijken."
            )
            % {"count": counts[organisation.pk]},
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
        sent += 1
    return sent
