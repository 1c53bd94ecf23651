"""Break-the-glass (CON-05, PRV-08): a professional opens a case outside their involvement.

Allowed only with a stated reason, for a limited time, read-only; the grant and every read
under it are flagged in the access log (legal ground ``break_the_glass``) and the FG is told by a
content-free e-mail and sees every use in the FG console.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.access.actor import Actor
from passend.access.selectors import case_subject
from passend.accounts.models import Membership, Role
from passend.bsn_guard import ensure_no_bsn
from passend.cases.models import ATTENDANCE_KINDS, Case
from passend.emergency.models import BreakGlassGrant
from passend.privacy.models import Outcome
from passend.privacy.services import record_access

ACTIVITY = "break_the_glass"
LEGAL_GROUND = "break_the_glass"
MIN_REASON = 20
# Not for roles that never see case content (ORG-02).
EXCLUDED_ROLES = frozenset({Role.PRIVACY_OFFICER, Role.FUNCTIONAL_ADMIN})


def grant_hours() -> int:
    return int(getattr(settings, "PASSEND_BREAK_GLASS_HOURS", 4))


def _refuse(actor: Actor, case: Case | None, pseudonym: str, reason: str) -> None:
    record_access(
        actor.context,
        action="break_the_glass",
        activity=ACTIVITY,
        outcome=Outcome.DENIED,
        subject_pseudonym=case_subject(case) if case is not None else "",
        object_type="cases.case",
        object_id=str(case.pk) if case is not None else "",
        legal_ground=LEGAL_GROUND,
        reason=reason,
    )


def break_glass(actor: Actor, *, pseudonym: str, reason: str) -> BreakGlassGrant:
    """Grants read access to the case with this pseudonym for ``grant_hours()`` hours."""
    membership = actor.membership
    if membership is None or membership.role in EXCLUDED_ROLES:
        raise PermissionDenied
    reason = (reason or "").strip()
    pseudonym = (pseudonym or "").strip().upper()
    errors: dict[str, str] = {}
    if len(reason) < MIN_REASON:
        errors["reason"] = _(
            "Beschrijf de noodsituatie in minstens %(n)s tekens: waarom kunt u niet wachten tot "
            "u bij het traject betrokken wordt?"
        ) % {"n": MIN_REASON}
    if not pseudonym:
        errors["pseudonym"] = _("Vul het pseudoniem van het traject in.")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"reason": reason})
    with transaction.atomic():
        case = Case.objects.filter(pseudonym=pseudonym).select_related("owner").first()
        refusal = ""
        if case is None:
            refusal = "does not exist"
        elif case.restricted_since is not None:
            refusal = "processing restricted (AVG art. 18)"
        elif membership.role == Role.ATTENDANCE_OFFICER and case.kind not in ATTENDANCE_KINDS:
            refusal = "attendance module only (ABS-05)"
        if refusal:
            _refuse(actor, case, pseudonym, refusal)
    if refusal or case is None:
        raise ValidationError(
            {
                "pseudonym": _(
                    "Noodtoegang tot dit traject is niet mogelijk (geen traject gevonden, "
                    "of de verwerking is beperkt)."
                )
            }
        )
    with transaction.atomic():
        now = timezone.now()
        grant = BreakGlassGrant.objects.create(
            case=case,
            user=actor.user,
            organisation_id=membership.organisation_id,
            role=membership.role,
            reason=reason,
            granted_at=now,
            expires_at=now + dt.timedelta(hours=grant_hours()),
        )
        record_access(
            actor.context,
            action="break_the_glass",
            activity=ACTIVITY,
            subject_pseudonym=case_subject(case),
            obj=case,
            legal_ground=LEGAL_GROUND,
            reason=f"break-the-glass grant {grant.pk}",
        )
        transaction.on_commit(_notify_privacy_officers)
    return grant


def _notify_privacy_officers() -> None:
    """A content-free e-mail to every FG: the details are in the FG console only."""
    from passend.correspondence.notifications import notify

    officers = [
        m.user
        for m in Membership.objects.active()
        .filter(role=Role.PRIVACY_OFFICER, user__is_active=True)
        .select_related("user")
    ]
    notify(officers, "action", reverse("privacy_officer:break_glass"))


@transaction.atomic
def mark_reviewed(actor: Actor, grant: BreakGlassGrant) -> BreakGlassGrant:
    if actor.membership is None or actor.membership.role != Role.PRIVACY_OFFICER:
        raise PermissionDenied
    if grant.reviewed_at is None:
        grant.reviewed_at = timezone.now()
        grant.reviewed_by = actor.user
        grant.save(update_fields=["reviewed_at", "reviewed_by"])
        record_access(
            actor.context,
            action="review_break_the_glass",
            activity="privacy_supervision",
            subject_pseudonym=case_subject(grant.case),
            obj=grant,
        )
    return grant
