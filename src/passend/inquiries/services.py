"""Writes of the informatiepunt (INF-01). One transaction per call; each write is logged and
leaves an InquiryEvent (the history).

Status: open → assigned → answered | referred → closed (open may also be answered, referred or
closed straight away; an assigned inquiry may be reassigned). Anything else is refused.
The answer term starts at registration (TermRule "inquiry-answer": 10 working days;
"inquiry-complaint": 6 weeks; both configurable) and ends when the inquiry is answered,
referred or closed. Overdue inquiries are escalated by a daily task.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.access.actor import Actor
from passend.access.policy import decide_case
from passend.accounts.models import Membership, Organisation, OrganisationKind, Role
from passend.bsn_guard import ensure_no_bsn
from passend.cases.models import Case
from passend.inquiries.models import (
    Channel,
    ContactRole,
    Inquiry,
    InquiryEvent,
    InquiryKind,
    normalise_phone,
)
from passend.privacy.categories import DataCategory
from passend.privacy.context import AccessContext, subject_pseudonym
from passend.privacy.services import record_access
from passend.terms import services as terms
from passend.terms.selectors import overdue_terms, terms_for

ACTIVITY = "information_desk"
OBJECT_TYPE = "inquiries.inquiry"
TERM_RULES = {InquiryKind.QUESTION: "inquiry-answer", InquiryKind.COMPLAINT: "inquiry-complaint"}
# Who runs the informatiepunt of an SWV (ORG-02).
DESK_ROLES = frozenset({Role.INFORMATION_DESK, Role.SWV_DIRECTOR})
# Who may be assigned an inquiry: SWV staff, never the FG or the functional administrator.
ASSIGNABLE_ROLES = frozenset(
    {Role.INFORMATION_DESK, Role.SWV_DIRECTOR, Role.ECT_MEMBER, Role.BEHAVIOUR_EXPERT}
)
S = Inquiry.Status
ALLOWED: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.ASSIGNED, S.ANSWERED, S.REFERRED, S.CLOSED}),
    S.ASSIGNED: frozenset({S.ASSIGNED, S.ANSWERED, S.REFERRED, S.CLOSED}),
    S.ANSWERED: frozenset({S.CLOSED}),
    S.REFERRED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}


def contact_subject(inquiry: Inquiry) -> str:
    """The pseudonym of the contact in the access log (never the name or address)."""
    key = inquiry.contact_email or inquiry.contact_phone_key or f"inquiry:{inquiry.pk}"
    return subject_pseudonym("contact", key)


def _log(context: AccessContext, action: str, inquiry: Inquiry) -> None:
    record_access(
        context,
        action=action,
        activity=ACTIVITY,
        subject_pseudonym=contact_subject(inquiry),
        obj=inquiry,
        data_categories=[DataCategory.ORDINARY],
    )


def _membership(actor: Actor) -> Membership:
    if actor.membership is None:
        raise PermissionDenied(_("Kies eerst namens welke organisatie u werkt."))
    return actor.membership


def _require_desk(actor: Actor, swv_id: int) -> None:
    membership = _membership(actor)
    if membership.organisation_id != swv_id or membership.role not in DESK_ROLES:
        raise PermissionDenied(
            _("Alleen het informatiepunt en de directeur van het SWV doen dit (INF-01).")
        )


def _require_handler(actor: Actor, inquiry: Inquiry) -> None:
    """Desk, director, or the person the inquiry is assigned to (acting for the SWV)."""
    membership = _membership(actor)
    if membership.organisation_id != inquiry.swv_id:
        raise PermissionDenied(_("Deze vraag hoort bij een ander samenwerkingsverband."))
    if membership.role not in DESK_ROLES and inquiry.assigned_to_id != actor.user.pk:
        raise PermissionDenied(
            _("Alleen het informatiepunt, de directeur of wie de vraag toegewezen kreeg (INF-01).")
        )


def _transition(inquiry: Inquiry, to: str) -> None:
    if to not in ALLOWED[inquiry.status]:
        raise ValidationError(
            {
                "status": _("Van status '%(from)s' naar '%(to)s' kan niet (INF-01).")
                % {"from": inquiry.get_status_display(), "to": S(to).label}
            }
        )


def _event(inquiry: Inquiry, kind: str, actor: Any, note: str = "") -> InquiryEvent:
    return InquiryEvent.objects.create(inquiry=inquiry, kind=kind, note=note, actor=actor)


def _complete_term(inquiry: Inquiry) -> None:
    term = terms_for(OBJECT_TYPE, inquiry.pk).filter(completed_on__isnull=True).first()
    if term is not None:
        terms.complete(term, timezone.localdate())


def _find_case(actor: Actor, reference: str) -> Case | None:
    """The case with this pseudonym, only when the actor may see it through the policy.
    Nothing tells the actor whether a case they may not see exists (no oracle)."""
    case = Case.objects.filter(pseudonym__iexact=reference).first() if reference else None
    if case is None:
        return None
    return case if decide_case(actor.user, actor.membership, case).allowed else None


@transaction.atomic
def register(
    actor: Actor,
    *,
    kind: str,
    channel: str,
    topic: str,
    question: str,
    contact_role: str,
    contact_name: str,
    contact_email: str = "",
    contact_phone: str = "",
    organisation: Organisation | None = None,
    case_reference: str = "",
    received_on: dt.date | None = None,
) -> Inquiry:
    """INF-01: registers a question or complaint and starts its answer term."""
    membership = _membership(actor)
    if membership.organisation.kind != OrganisationKind.SWV or membership.role not in DESK_ROLES:
        raise PermissionDenied(_("Vragen en klachten registreert het informatiepunt van het SWV."))
    today = timezone.localdate()
    received = received_on or today
    errors: dict[str, Any] = {}
    if kind not in InquiryKind.values:
        errors["kind"] = _("Kies: vraag of klacht (INF-01).")
    if channel not in Channel.values:
        errors["channel"] = _("Kies het kanaal: telefoon, e-mail, balie of formulier (INF-01).")
    if contact_role not in ContactRole.values:
        errors["contact_role"] = _("Kies wie de vraag stelt: ouder, leerling of professional.")
    if not topic.strip():
        errors["topic"] = _("Vul het onderwerp in.")
    if not question.strip():
        errors["question"] = _("Vul de vraag of klacht in.")
    if not contact_name.strip():
        errors["contact_name"] = _("Vul de naam van de contactpersoon in.")
    if contact_email:
        try:
            validate_email(contact_email.strip())
        except ValidationError:
            errors["contact_email"] = _("Vul een geldig e-mailadres in.")
    if contact_phone and len(normalise_phone(contact_phone)) < 6:
        errors["contact_phone"] = _("Vul een geldig telefoonnummer in.")
    if received > today:
        errors["received_on"] = _("De ontvangstdatum ligt in de toekomst.")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn(
        {
            "topic": topic,
            "question": question,
            "contact_name": contact_name,
            "contact_email": contact_email,
            "contact_phone": contact_phone,
            "case_reference": case_reference,
        }
    )
    reference = case_reference.strip().upper()[:20]
    inquiry = Inquiry(
        swv=membership.organisation,
        kind=kind,
        channel=channel,
        topic=topic.strip(),
        question=question.strip(),
        contact_role=contact_role,
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip(),
        contact_phone=contact_phone.strip(),
        organisation=organisation,
        case=_find_case(actor, reference),
        case_reference=reference,
        received_on=received,
        due_date=received,
        registered_by=actor.user,
    )
    inquiry.save()
    term = terms.start_term(
        TERM_RULES[InquiryKind(kind)],
        object_type=OBJECT_TYPE,
        object_id=inquiry.pk,
        start_date=received,
        owner=membership.organisation,
        subject_pseudonym=contact_subject(inquiry),
        swv=membership.organisation,
        created_by=actor.user,
    )
    inquiry.due_date = term.due_date
    inquiry.save(update_fields=["due_date"])
    _event(inquiry, InquiryEvent.Kind.REGISTERED, actor.user)
    _log(actor.context, "create", inquiry)
    return inquiry


def assignable_users(swv: Organisation) -> list[Any]:
    memberships = (
        Membership.objects.active()
        .filter(organisation=swv, role__in=ASSIGNABLE_ROLES)
        .select_related("user")
        .order_by("user__last_name", "user__username")
    )
    seen: dict[int, Any] = {}
    for membership in memberships:
        seen.setdefault(membership.user_id, membership.user)
    return list(seen.values())


@transaction.atomic
def assign(actor: Actor, inquiry: Inquiry, *, user: Any, note: str = "") -> Inquiry:
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    _require_desk(actor, inquiry.swv_id)
    _transition(inquiry, S.ASSIGNED)
    if user is None or user.pk not in {u.pk for u in assignable_users(inquiry.swv)}:
        raise ValidationError(
            {"user": _("Wijs de vraag toe aan een medewerker van %(swv)s.") % {"swv": inquiry.swv}}
        )
    ensure_no_bsn({"note": note})
    inquiry.assigned_to = user
    inquiry.status = S.ASSIGNED
    inquiry.save(update_fields=["assigned_to", "status", "updated_at"])
    name = user.get_full_name() or user.get_username()
    _event(inquiry, InquiryEvent.Kind.ASSIGNED, actor.user, f"{name}. {note.strip()}".strip())
    _log(actor.context, "assign", inquiry)
    return inquiry


@transaction.atomic
def answer(actor: Actor, inquiry: Inquiry, *, text: str) -> Inquiry:
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    _require_handler(actor, inquiry)
    _transition(inquiry, S.ANSWERED)
    if not text.strip():
        raise ValidationError({"text": _("Vul het antwoord in (INF-01).")})
    ensure_no_bsn({"text": text})
    inquiry.answer = text.strip()
    inquiry.status = S.ANSWERED
    inquiry.save(update_fields=["answer", "status", "updated_at"])
    _complete_term(inquiry)
    _event(inquiry, InquiryEvent.Kind.ANSWERED, actor.user, text.strip())
    _log(actor.context, "answer", inquiry)
    return inquiry


@transaction.atomic
def refer(actor: Actor, inquiry: Inquiry, *, referred_to: str, note: str = "") -> Inquiry:
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    _require_handler(actor, inquiry)
    _transition(inquiry, S.REFERRED)
    if not referred_to.strip():
        raise ValidationError(
            {"referred_to": _("Vul in naar wie of welke instantie is doorverwezen (INF-01).")}
        )
    ensure_no_bsn({"referred_to": referred_to, "note": note})
    inquiry.referred_to = referred_to.strip()[:200]
    inquiry.status = S.REFERRED
    inquiry.save(update_fields=["referred_to", "status", "updated_at"])
    _complete_term(inquiry)
    _event(
        inquiry,
        InquiryEvent.Kind.REFERRED,
        actor.user,
        f"{inquiry.referred_to}. {note.strip()}".strip(),
    )
    _log(actor.context, "refer", inquiry)
    return inquiry


@transaction.atomic
def close(actor: Actor, inquiry: Inquiry, *, note: str = "") -> Inquiry:
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    _require_handler(actor, inquiry)
    _transition(inquiry, S.CLOSED)
    if inquiry.is_open and not note.strip():
        raise ValidationError(
            {"note": _("Een onbeantwoorde vraag sluit u met een toelichting (INF-01).")}
        )
    ensure_no_bsn({"note": note})
    inquiry.status = S.CLOSED
    inquiry.save(update_fields=["status", "updated_at"])
    _complete_term(inquiry)
    _event(inquiry, InquiryEvent.Kind.CLOSED, actor.user, note.strip())
    _log(actor.context, "close", inquiry)
    return inquiry


# --- escalation -------------------------------------------------------------------------------


def escalate_overdue(today: dt.date | None = None) -> int:
    """Marks open inquiries past their answer term as escalated and tells the SWV director.

    The e-mail holds no personal data: "Er is een vraag/klacht over de termijn" and a link to
    the platform (DESIGN.md privacy core 4). Each inquiry is escalated once. Returns the
    number of inquiries escalated.
    """
    today = today or timezone.localdate()
    overdue_ids = [
        int(object_id)
        for object_id in overdue_terms(today)
        .filter(object_type=OBJECT_TYPE, rule__code__in=TERM_RULES.values())
        .values_list("object_id", flat=True)
    ]
    escalated: dict[int, list[int]] = {}
    context = AccessContext.system()
    with transaction.atomic():
        inquiries = list(
            Inquiry.objects.select_for_update()
            .filter(
                pk__in=overdue_ids,
                escalated_at__isnull=True,
                status__in=[S.OPEN, S.ASSIGNED],
            )
            .order_by("pk")
        )
        now = timezone.now()
        for inquiry in inquiries:
            inquiry.escalated_at = now
            inquiry.save(update_fields=["escalated_at", "updated_at"])
            _event(inquiry, InquiryEvent.Kind.ESCALATED, None)
            _log(context, "escalate", inquiry)
            escalated.setdefault(inquiry.swv_id, []).append(inquiry.pk)
    base = str(getattr(settings, "PASSEND_BASE_URL", "http://localhost:8000")).rstrip("/")
    for swv_id, ids in escalated.items():
        recipients = sorted(
            {
                m.user.email
                for m in Membership.objects.active()
                .filter(organisation_id=swv_id, role=Role.SWV_DIRECTOR)
                .select_related("user")
                if m.user.email
            }
        )
        if not recipients:
            continue
        links = "\n".join(f"{base}{reverse('inquiries:detail', args=[pk])}" for pk in ids)
        send_mail(
            subject=_("Passend: er is een vraag/klacht over de termijn"),
            message=_(
                "Er is een vraag/klacht over de termijn bij het informatiepunt van uw "
                "samenwerkingsverband. Log in op Passend om te zien welke:\n%(links)s"
            )
            % {"links": links},
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
    return sum(len(ids) for ids in escalated.values())
