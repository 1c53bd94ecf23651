"""Writes of the portal, each in one transaction with its access-log entry.

Who may do what is decided by the access policy for rights holders (``PupilAccess.can_act``:
the person exercises the pupil's rights today, AGE-03); consent itself is changed only by
``passend.consent.services``, which checks the rights holders by age once more.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.access.rights_holder import ACTIVITY, PupilAccess, RightsHolder, pupil_subject
from passend.bsn_guard import ensure_no_bsn
from passend.cases.models import Case, Phase
from passend.consent import services as consent_services
from passend.consent.models import Consent
from passend.portal.models import Author, ConsentApproval, GuardianViewPermission, Statement
from passend.privacy.categories import DataCategory
from passend.privacy.services import record_access

MAX_STATEMENT_LENGTH = 5000


def _require_act(access: PupilAccess) -> None:
    if not access.allowed or not access.can_act:
        raise PermissionDenied(
            _(
                "De jongere is 16 jaar of ouder en oefent de privacyrechten alleen uit; u kunt "
                "de gegevens alleen inzien (AGE-03)."
            )
        )


def _case_of(access: PupilAccess, case_id: object) -> Case:
    try:
        pk = int(str(case_id))
    except ValueError:
        pk = 0
    case = Case.objects.filter(pk=pk, pupil=access.pupil, is_anonymous=False).first()
    if case is None:
        raise ValidationError({"case": _("Kies een traject van deze leerling.")})
    return case


def _consent_of(access: PupilAccess, consent_id: object) -> Consent:
    try:
        pk = int(str(consent_id))
    except ValueError:
        pk = 0
    consent = (
        Consent.objects.select_related("case", "case__pupil")
        .filter(pk=pk, case__pupil=access.pupil, case__is_anonymous=False)
        .first()
    )
    if consent is None:
        raise ValidationError(_("Deze toestemming hoort niet bij deze leerling."))
    return consent


@transaction.atomic
def set_guardian_view(
    holder: RightsHolder, access: PupilAccess, guardian_id: object, *, allow: bool
) -> None:
    """AGE-03: the youth of 16+ decides whether a parent may see their data in the portal."""
    if not access.allowed or not access.as_youth:
        raise PermissionDenied(_("Alleen de jongere zelf beslist hierover (AGE-03)."))
    guardian = next(
        (g for g in access.pupil.guardians.all() if str(g.pk) == str(guardian_id)), None
    )
    if guardian is None:
        raise ValidationError({"guardian": _("Kies een van uw ouders/verzorgers.")})
    active = GuardianViewPermission.objects.filter(
        pupil=access.pupil, guardian=guardian, revoked_at__isnull=True
    ).first()
    if allow and active is None:
        GuardianViewPermission.objects.create(pupil=access.pupil, guardian=guardian)
    elif not allow and active is not None:
        active.revoked_at = timezone.now()
        active.save(update_fields=["revoked_at"])
    record_access(
        holder.context_as(access.role),
        action="portal_allow_guardian" if allow else "portal_disallow_guardian",
        activity=ACTIVITY,
        subject_pseudonym=pupil_subject(access.pupil.pk),
        object_type="pupils.guardian",
        object_id=str(guardian.pk),
        data_categories=(DataCategory.FAMILY,),
        legal_ground="rights_holder",
    )


@transaction.atomic
def add_statement(
    holder: RightsHolder, access: PupilAccess, case_id: object, text: str, *, trace_id: str = ""
) -> Statement:
    """A zienswijze on a case, with its provenance: who (guardian or youth), how (portal)."""
    _require_act(access)
    case = _case_of(access, case_id)
    if case.phase == Phase.CLOSED:
        raise ValidationError({"case": _("Dit traject is afgemeld; een zienswijze kan niet meer.")})
    body = text.strip()
    if not body:
        raise ValidationError({"text": _("Schrijf uw zienswijze.")})
    if len(body) > MAX_STATEMENT_LENGTH:
        raise ValidationError(
            {
                "text": _("Uw zienswijze is te lang (hoogstens %(n)d tekens).")
                % {"n": MAX_STATEMENT_LENGTH}
            }
        )
    ensure_no_bsn({"text": body})
    statement = Statement.objects.create(
        case=case,
        author=Author.YOUTH if access.as_youth else Author.GUARDIAN,
        guardian=None if access.as_youth else access.guardian,
        text=body,
        trace_id=trace_id[:64],
    )
    record_access(
        holder.context_as(access.role),
        action="portal_add_statement",
        activity=ACTIVITY,
        subject_pseudonym=pupil_subject(access.pupil.pk),
        obj=statement,
        data_categories=(DataCategory.ORDINARY,),
        legal_ground="rights_holder",
    )
    return statement


@transaction.atomic
def revoke_consent(holder: RightsHolder, access: PupilAccess, consent_id: object) -> Consent:
    """CON-03, at once. The consent service checks again who holds the rights today."""
    _require_act(access)
    consent = _consent_of(access, consent_id)
    return consent_services.revoke_consent_as_rights_holder(
        holder.context_as(access.role),
        consent,
        by_pupil=access.as_youth,
        guardian_id=None if access.as_youth else access.guardian.pk if access.guardian else None,
    )


@transaction.atomic
def approve_consent(
    holder: RightsHolder, access: PupilAccess, consent_id: object
) -> Consent | None:
    """CON-02: give a revoked consent again. Records this person's approval; once the approvals
    form a valid set of givers under AGE-03, the consent is recorded and takes effect at once.
    Returns the new consent, or None while others still have to approve."""
    _require_act(access)
    previous = _consent_of(access, consent_id)
    if previous.case.phase == Phase.CLOSED:
        raise ValidationError(_("Dit traject is afgemeld."))
    if previous.revoked_at is None:
        raise ValidationError(_("Deze toestemming is nog van kracht."))
    if access.as_youth:
        ConsentApproval.objects.get_or_create(previous=previous, by_pupil=True, guardian=None)
    else:
        ConsentApproval.objects.get_or_create(previous=previous, guardian=access.guardian)
    record_access(
        holder.context_as(access.role),
        action="portal_approve_consent",
        activity=ACTIVITY,
        subject_pseudonym=pupil_subject(access.pupil.pk),
        obj=previous,
        data_categories=previous.categories,
        legal_ground="rights_holder",
    )
    approvals = list(ConsentApproval.objects.filter(previous=previous))
    by_pupil = any(a.by_pupil for a in approvals)
    guardian_ids = {a.guardian_id for a in approvals if a.guardian_id is not None}
    holders = access.holders
    # Only the approvals of today's rights holders count (AGE-03 on the date of the act).
    if holders is not None:
        guardian_ids &= set(holders.guardian_ids)
        by_pupil = by_pupil and holders.child
    try:
        with transaction.atomic():
            return consent_services.give_consent_as_rights_holders(
                holder.context_as(access.role),
                previous,
                given_by_pupil=by_pupil,
                guardian_ids=guardian_ids,
            )
    except ValidationError as error:
        if "given_by_guardians" in getattr(error, "error_dict", {}):
            return None  # waiting for the other rights holder(s)
        raise


def requester_relation(access: PupilAccess) -> str:
    if access.as_youth:
        return "pupil"
    if access.guardian is not None and access.guardian.relation in ("guardian",):
        return "guardian"
    return "parent"


def submit_request(
    holder: RightsHolder, access: PupilAccess, *, kind: str, description: str
) -> Any:
    """PRV-01: a data subject request from the portal, handed to the privacy app's intake."""
    _require_act(access)
    from passend.privacy import services as privacy_services

    submit = getattr(privacy_services, "submit_subject_request", None)
    if submit is None:
        raise ValidationError(
            _(
                "Verzoeken indienen via het portaal is nog niet beschikbaar. Neem contact op met de school."
            )
        )
    ensure_no_bsn({"description": description})
    name = (
        access.pupil.full_name
        if access.as_youth
        else access.guardian.full_name
        if access.guardian
        else ""
    )
    return submit(
        pupil=access.pupil,
        kind=kind,
        description=description.strip(),
        requester_name=name,
        requester_relation=requester_relation(access),
        channel="portal",
        # An e-mail address is not proof of identity: the privacy app suspends the term until
        # staff verified it (PRV-02). With DigiD (docs/privacy.md) this could be True.
        identity_verified=False,
        context=holder.context_as(access.role),
    )
