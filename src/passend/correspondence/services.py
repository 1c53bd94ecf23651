"""Writes of correspondence. One transaction per call; each write is in the access log."""

from __future__ import annotations

import html
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.access.actor import Actor
from passend.access.policy import decide_case
from passend.accounts.models import Organisation
from passend.bsn_guard import ensure_no_bsn
from passend.cases.models import Case, Phase
from passend.correspondence.models import Letter, LetterTemplate, Message
from passend.correspondence.notifications import notify
from passend.privacy.categories import DataCategory
from passend.privacy.context import subject_pseudonym
from passend.privacy.services import record_access

ACTIVITY = "correspondence"
PLACEHOLDER = re.compile(r"{{\s*(\w+)\s*}}")
PLACEHOLDERS = (
    "leerling",
    "pseudoniem",
    "geboortedatum",
    "school",
    "afzender",
    "organisatie",
    "datum",
    "ontvanger",
)


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


def message_recipients(case: Case, message: Message) -> list[Any]:
    """Active participants who may read the message, except its sender."""
    users = []
    for participant in case.participants.filter(ended_at__isnull=True).select_related("user"):
        if participant.user_id == message.sender_id:
            continue
        if message.to_organisation_id and participant.organisation_id not in (
            message.to_organisation_id,
            message.sender_organisation_id,
        ):
            continue
        users.append(participant.user)
    return users


@transaction.atomic
def send_message(
    actor: Actor,
    case: Case,
    *,
    subject: str,
    body: str,
    to_organisation: Organisation | None = None,
    category: str = DataCategory.ORDINARY,
) -> Message:
    """A secure message inside the case; recipients get a content-free e-mail (CO-04)."""
    access = decide_case(actor.user, actor.membership, case)
    if not access.allowed or actor.membership is None:
        raise PermissionDenied(_("U bent niet betrokken bij dit traject (ORG-04)."))
    errors: dict[str, str] = {}
    if case.phase == Phase.CLOSED:
        errors["body"] = _("Het traject is afgemeld: er kunnen geen berichten meer bij.")
    if not subject.strip():
        errors["subject"] = _("Vul het onderwerp in.")
    if not body.strip():
        errors["body"] = _("Vul het bericht in.")
    if category not in DataCategory.values:
        errors["category"] = _("Kies een gegevenscategorie (AGE-01).")
    if (
        to_organisation is not None
        and not case.participants.filter(
            organisation=to_organisation, ended_at__isnull=True
        ).exists()
    ):
        errors["to_organisation"] = _(
            "Deze organisatie neemt niet deel aan het traject; berichten gaan alleen naar "
            "deelnemers (ORG-04)."
        )
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"subject": subject, "body": body})
    message = Message.objects.create(
        case=case,
        sender=actor.user,
        sender_organisation=actor.membership.organisation,
        to_organisation=to_organisation,
        subject=subject.strip(),
        body=body.strip(),
        category=category,
    )
    _log(actor, "send_message", case, message, [category])
    path = reverse("correspondence:messages", args=[case.pk])
    transaction.on_commit(lambda: notify(message_recipients(case, message), "message", path))
    return message


def may_read(message: Message, organisation_id: int | None) -> bool:
    return message.to_organisation_id is None or organisation_id in (
        message.to_organisation_id,
        message.sender_organisation_id,
    )


# --- Letters ---------------------------------------------------------------------------------


def fill(text: str, values: dict[str, str]) -> str:
    """Replaces known placeholders; an unknown placeholder stays visible for the writer."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def letter_values(actor: Actor, case: Case, recipient: str) -> dict[str, str]:
    """What a template may use. The name only when the writer may see it (else the pseudonym)."""
    access = decide_case(actor.user, actor.membership, case)
    pupil = case.pupil if not case.is_anonymous else None
    sees_name = pupil is not None and access.can_see(DataCategory.ORDINARY)
    school = ""
    if pupil is not None and sees_name:
        enrolment = pupil.enrolments.filter(end_date__isnull=True).select_related("school").first()
        school = enrolment.school.name if enrolment else ""
    organisation = actor.membership.organisation.name if actor.membership else ""
    return {
        "leerling": pupil.full_name if sees_name and pupil else case.pseudonym,
        "pseudoniem": case.pseudonym,
        "geboortedatum": pupil.birth_date.strftime("%d-%m-%Y") if sees_name and pupil else "",
        "school": school,
        "afzender": actor.user.get_full_name() or actor.user.get_username(),
        "organisatie": organisation,
        "datum": timezone.localdate().strftime("%d-%m-%Y"),
        "ontvanger": recipient,
    }


def templates_for(organisation_id: int | None) -> Any:
    from django.db.models import Q

    return LetterTemplate.objects.filter(is_active=True).filter(
        Q(organisation__isnull=True) | Q(organisation_id=organisation_id)
    )


@transaction.atomic
def create_letter(
    actor: Actor, case: Case, *, template: LetterTemplate, recipient: str, body: str = ""
) -> Letter:
    """A letter from a template, filled for the case; the writer may edit the text first."""
    access = decide_case(actor.user, actor.membership, case)
    if not access.allowed or actor.membership is None:
        raise PermissionDenied(_("U bent niet betrokken bij dit traject (ORG-04)."))
    errors: dict[str, str] = {}
    if not templates_for(actor.membership.organisation_id).filter(pk=template.pk).exists():
        errors["template"] = _("Kies een briefsjabloon van uw organisatie.")
    if not recipient.strip():
        errors["recipient"] = _("Vul de ontvanger van de brief in.")
    if errors:
        raise ValidationError(errors)
    values = letter_values(actor, case, recipient.strip())
    text = fill(body.strip() or template.body, values)
    ensure_no_bsn({"recipient": recipient, "body": text})
    letter = Letter.objects.create(
        case=case,
        template=template,
        recipient=recipient.strip(),
        subject=fill(template.subject, values),
        body=text,
        organisation=actor.membership.organisation,
        created_by=actor.user,
    )
    _log(actor, "create_letter", case, letter, [DataCategory.ORDINARY])
    from passend.privacy.services import register_disclosure

    # PRV-05: a letter goes to a recipient outside the platform's authorised circle.
    register_disclosure(
        actor.context,
        pupil_id=case.pupil_id,
        subject=_subject(case),
        recipient=letter.recipient,
        description=_("Brief: %(template)s") % {"template": template.name},
        legal_ground=actor.membership.organisation.legal_basis,
        data_categories=[DataCategory.ORDINARY],
        obj=letter,
        activity=ACTIVITY,
    )
    return letter


@transaction.atomic
def save_template(
    actor: Actor,
    *,
    template: LetterTemplate | None,
    code: str,
    name: str,
    subject: str,
    body: str,
    is_active: bool = True,
) -> LetterTemplate:
    """Functional administrators edit templates of their organisation (configuration)."""
    membership = actor.membership
    if membership is None or membership.role not in ("functional_admin", "swv_director"):
        raise PermissionDenied(_("Alleen de functioneel beheerder past briefsjablonen aan."))
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Vul de naam van het sjabloon in.")
    if not body.strip():
        errors["body"] = _("Vul de tekst van het sjabloon in.")
    unknown = sorted({m.group(1) for m in PLACEHOLDER.finditer(body + subject)} - set(PLACEHOLDERS))
    if unknown:
        errors["body"] = _("Onbekende plaatshouder(s): %(names)s.") % {"names": ", ".join(unknown)}
    if "<" in body and re.search(r"<\s*(img|link|script|style|iframe)", body, re.IGNORECASE):
        errors["body"] = _("Een sjabloon bevat platte tekst, geen HTML of externe bronnen.")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"name": name, "subject": subject, "body": body})
    if template is None:
        template = LetterTemplate(organisation=membership.organisation, code=code)
    elif template.organisation_id not in (None, membership.organisation_id):
        raise PermissionDenied(_("Dit sjabloon is van een andere organisatie."))
    template.name, template.subject, template.body = name.strip(), subject.strip(), body
    template.is_active = is_active
    template.save()
    record_access(actor.context, action="save_template", activity="configuration", obj=template)
    return template


def letter_paragraphs(letter: Letter) -> list[str]:
    return [html.escape(p.strip()) for p in letter.body.split("\n\n") if p.strip()]
