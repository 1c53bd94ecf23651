"""Writes of the consent app (CON-01..05). Revocation takes effect on the next request:
the access policy reads consents per request and never caches them (CON-03)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.access.actor import Actor
from passend.access.policy import decide_case
from passend.accounts.models import Organisation, Role
from passend.bsn_guard import ensure_no_bsn
from passend.cases.models import Case, Phase
from passend.consent.models import (
    STATUTORY_GROUNDS,
    Consent,
    ConsentMethod,
    Justification,
    LegalGround,
)
from passend.privacy.categories import DataCategory
from passend.privacy.context import AccessContext, subject_pseudonym
from passend.privacy.services import record_access
from passend.pupils.rights import consent_givers_valid

ACTIVITY = "consent_administration"
# CON-05: a compelling-interest decision must be reasoned; a one-liner is not a reason.
MIN_JUSTIFICATION_LENGTH = 40


def _subject(case: Case) -> str:
    if case.pupil_id is None:
        return subject_pseudonym("case", case.pk)
    return subject_pseudonym("pupil", case.pupil_id)


def _require_manage(actor: Actor, case: Case) -> None:
    if not decide_case(actor.user, actor.membership, case).can_manage:
        raise PermissionDenied(
            _("Alleen de procesregisseur, de casusregisseur of de eigenaar legt dit vast.")
        )


def _clean_categories(categories: Iterable[str]) -> list[str]:
    chosen = sorted(set(categories))
    if not chosen:
        raise ValidationError({"categories": _("Kies welke gegevens gedeeld worden (CON-01).")})
    unknown = [c for c in chosen if c not in DataCategory.values]
    if unknown:
        raise ValidationError({"categories": _("Onbekende gegevenscategorie.")})
    return chosen


def _log(actor: Actor, action: str, case: Case, obj: Any, categories: Iterable[str] = ()) -> None:
    record_access(
        actor.context,
        action=action,
        activity=ACTIVITY,
        subject_pseudonym=_subject(case),
        obj=obj,
        data_categories=categories,
    )


@transaction.atomic
def give_consent(
    actor: Actor,
    case: Case,
    *,
    parties: Iterable[Organisation],
    categories: Iterable[str],
    given_by_pupil: bool,
    guardian_ids: Iterable[int],
    given_on: date,
    form_version: str,
    method: str,
    evidence: str = "",
) -> Consent:
    """CON-01/02: one consent per trajectory; a new one replaces the active one."""
    _require_manage(actor, case)
    errors: dict[str, str] = {}
    if case.is_anonymous or case.pupil is None:
        raise ValidationError(
            _(
                "Een anoniem traject bevat geen persoonsgegevens; toestemming is niet nodig (CON-07)."
            )
        )
    if case.phase == Phase.CLOSED:
        raise ValidationError(_("Dit traject is afgemeld."))
    party_list = list(parties)
    if not party_list:
        errors["parties"] = _("Kies met wie de gegevens gedeeld worden (CON-01).")
    if given_on > timezone.localdate():
        errors["given_on"] = _("De datum van toestemming ligt in de toekomst (CON-02).")
    if not form_version.strip():
        errors["form_version"] = _("Vul de versie van het toestemmingsformulier in (CON-02).")
    if method not in ConsentMethod.values:
        errors["method"] = _("Kies hoe de toestemming is gegeven (CON-02).")
    guardian_id_set = set(guardian_ids)
    own_guardians = set(case.pupil.guardians.values_list("pk", flat=True))
    if not guardian_id_set <= own_guardians:
        errors["given_by_guardians"] = _("Kies alleen ouders/verzorgers van deze leerling.")
    elif "given_on" not in errors:
        ok, message = consent_givers_valid(case.pupil, given_by_pupil, guardian_id_set, given_on)
        if not ok:
            errors["given_by_guardians"] = message
    if errors:
        raise ValidationError(errors)
    chosen = _clean_categories(categories)
    ensure_no_bsn({"evidence": evidence})

    now = timezone.now()
    for previous in case.consents.filter(revoked_at__isnull=True):
        previous.revoked_at = now
        previous.revoked_by = actor.user
        previous.revocation_note = str(_("Vervangen door een nieuwe toestemming (CON-01)."))
        previous.save(update_fields=["revoked_at", "revoked_by", "revocation_note"])
    consent = Consent.objects.create(
        case=case,
        categories=chosen,
        given_by_pupil=given_by_pupil,
        given_on=given_on,
        form_version=form_version.strip(),
        method=method,
        evidence=evidence.strip(),
        recorded_by=actor.user,
    )
    consent.parties.set(party_list)
    consent.given_by_guardians.set(guardian_id_set)
    _log(actor, "give_consent", case, consent, chosen)
    return consent


@transaction.atomic
def revoke_consent(actor: Actor, consent: Consent, *, note: str = "") -> Consent:
    """CON-03: takes effect at once; what was lawfully processed before stays, marked."""
    case = consent.case
    _require_manage(actor, case)
    if consent.revoked_at is not None:
        raise ValidationError(_("Deze toestemming is al ingetrokken."))
    ensure_no_bsn({"note": note})
    consent.revoked_at = timezone.now()
    consent.revoked_by = actor.user
    consent.revocation_note = note.strip()
    consent.save(update_fields=["revoked_at", "revoked_by", "revocation_note"])
    _log(actor, "revoke_consent", case, consent, consent.categories)
    return consent


@transaction.atomic
def record_legal_ground(
    actor: Actor,
    case: Case,
    *,
    organisation: Organisation,
    basis: str,
    categories: Iterable[str],
    note: str = "",
    parents_informed_on: date | None = None,
) -> LegalGround:
    """CON-04: a statutory ground instead of consent; parents are still informed."""
    _require_manage(actor, case)
    if basis not in STATUTORY_GROUNDS:
        raise ValidationError({"basis": _("Kies een wettelijke grondslag uit CON-04.")})
    if parents_informed_on is not None and parents_informed_on > timezone.localdate():
        raise ValidationError({"parents_informed_on": _("Deze datum ligt in de toekomst.")})
    chosen = _clean_categories(categories)
    ensure_no_bsn({"note": note})
    ground = LegalGround.objects.create(
        case=case,
        organisation=organisation,
        basis=basis,
        categories=chosen,
        note=note.strip(),
        parents_informed_on=parents_informed_on,
        recorded_by=actor.user,
    )
    _log(actor, "record_legal_ground", case, ground, chosen)
    return ground


@transaction.atomic
def end_legal_ground(actor: Actor, ground: LegalGround) -> None:
    _require_manage(actor, ground.case)
    if ground.ended_at is None:
        ground.ended_at = timezone.now()
        ground.save(update_fields=["ended_at"])
        _log(actor, "end_legal_ground", ground.case, ground, ground.categories)


@transaction.atomic
def record_justification(
    actor: Actor,
    case: Case,
    *,
    organisation: Organisation,
    categories: Iterable[str],
    reason: str,
) -> Justification:
    """CON-05: sharing for a compelling interest, reasoned, and flagged for the FG."""
    _require_manage(actor, case)
    if len(reason.strip()) < MIN_JUSTIFICATION_LENGTH:
        raise ValidationError(
            {
                "reason": _(
                    "Onderbouw het zwaarwegend belang: wie, waarom en welk gevaar (minstens %(n)d tekens, CON-05)."
                )
                % {"n": MIN_JUSTIFICATION_LENGTH}
            }
        )
    chosen = _clean_categories(categories)
    ensure_no_bsn({"reason": reason})
    decision = Justification.objects.create(
        case=case,
        organisation=organisation,
        categories=chosen,
        reason=reason.strip(),
        decided_by=actor.user,
    )
    _log(actor, "record_justification", case, decision, chosen)
    from passend.privacy.services import register_disclosure

    # PRV-05: sharing on a compelling interest goes beyond the authorised circle.
    register_disclosure(
        actor.context,
        pupil_id=case.pupil_id,
        subject=_subject(case),
        recipient=organisation.name,
        recipient_organisation_id=organisation.pk,
        description=_("Delen op grond van zwaarwegend belang (CON-05)"),
        legal_ground=_("Zwaarwegend belang (CON-05)"),
        data_categories=chosen,
        obj=decision,
        activity="consent_administration",
    )
    return decision


@transaction.atomic
def mark_justification_reviewed(actor: Actor, decision: Justification) -> Justification:
    """CON-05: the FG records having reviewed a compelling-interest decision."""
    if actor.membership is None or actor.membership.role != Role.PRIVACY_OFFICER:
        raise PermissionDenied(_("Alleen de FG beoordeelt besluiten over zwaarwegend belang."))
    if decision.reviewed_by_privacy_officer_at is None:
        decision.reviewed_by_privacy_officer_at = timezone.now()
        decision.save(update_fields=["reviewed_by_privacy_officer_at"])
        record_access(
            actor.context,
            action="review_justification",
            activity="privacy_supervision",
            subject_pseudonym=_subject(decision.case),
            obj=decision,
        )
    return decision


@transaction.atomic
def record_legal_ground_by_procedure(
    actor: Actor,
    case: Case,
    *,
    organisation: Organisation,
    basis: str,
    categories: Iterable[str],
    note: str = "",
) -> LegalGround:
    """CON-04 ground recorded by a step of a statutory procedure by an involved party that
    does not manage the case (e.g. the school board submitting a TLV application, TLV-01).
    The calling module's service has checked that the step is the actor's."""
    if not decide_case(actor.user, actor.membership, case).allowed:
        raise PermissionDenied(_("U bent niet betrokken bij dit traject (ORG-04)."))
    if basis not in STATUTORY_GROUNDS:
        raise ValidationError({"basis": _("Kies een wettelijke grondslag uit CON-04.")})
    existing = case.legal_grounds.filter(
        organisation=organisation, basis=basis, ended_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    chosen = _clean_categories(categories)
    ensure_no_bsn({"note": note})
    ground = LegalGround.objects.create(
        case=case,
        organisation=organisation,
        basis=basis,
        categories=chosen,
        note=note.strip(),
        recorded_by=actor.user,
    )
    _log(actor, "record_legal_ground", case, ground, chosen)
    return ground


# --- By the rights holder in the portal (issue 8, AGE-03, CON-02/03) ---------------------------


def _rights_holders_today(case: Case) -> Any:
    from passend.pupils.models import AgePolicy
    from passend.pupils.rights import rights_holders

    if case.pupil is None:
        raise ValidationError(_("Een anoniem traject heeft geen toestemming (CON-07)."))
    guardians = list(case.pupil.guardians.all())
    return rights_holders(case.pupil, guardians, timezone.localdate(), AgePolicy.current())


@transaction.atomic
def revoke_consent_as_rights_holder(
    context: AccessContext,
    consent: Consent,
    *,
    by_pupil: bool,
    guardian_id: int | None,
    note: str = "",
) -> Consent:
    """CON-03 by the person who exercises the pupil's rights (AGE-03, on today's date).

    Any one of the rights holders may revoke: a consent that needs the child and the guardians
    together no longer stands when one of them withdraws. A guardian of a youth of 16 or older
    cannot revoke: the youth decides alone. Takes effect on the next request (the policy reads
    consents per request)."""
    case = consent.case
    holders = _rights_holders_today(case)
    if by_pupil:
        allowed = holders.child
    else:
        allowed = guardian_id is not None and guardian_id in holders.guardian_ids
    if not allowed:
        raise PermissionDenied(
            _("U kunt deze toestemming niet intrekken: %(who)s") % {"who": holders.describe()}
        )
    if consent.revoked_at is not None:
        raise ValidationError(_("Deze toestemming is al ingetrokken."))
    ensure_no_bsn({"note": note})
    consent.revoked_at = timezone.now()
    consent.revoked_by = None
    who = _("de jongere") if by_pupil else _("een ouder/verzorger met gezag")
    consent.revocation_note = (
        note.strip() or _("Ingetrokken door %(who)s via het portaal (CON-03).") % {"who": who}
    )[:300]
    consent.save(update_fields=["revoked_at", "revoked_by", "revocation_note"])
    record_access(
        context,
        action="revoke_consent",
        activity=ACTIVITY,
        subject_pseudonym=_subject(case),
        obj=consent,
        data_categories=consent.categories,
        legal_ground="rights_holder",
    )
    return consent


@transaction.atomic
def give_consent_as_rights_holders(
    context: AccessContext,
    previous: Consent,
    *,
    given_by_pupil: bool,
    guardian_ids: Iterable[int],
) -> Consent:
    """CON-01/02: the rights holders give again, digitally, the consent they revoked earlier
    (same parties, same categories, same form). The set of givers must be valid under AGE-03
    on today's date (``consent_givers_valid``: the same check as a consent recorded by staff).

    ``Consent.recorded_by`` names a professional; for a consent given in the portal that is the
    case's procesregisseur, who is responsible for the consent record; ``method`` is digital
    and ``evidence`` says it was given in the portal."""
    case = previous.case
    if case.is_anonymous or case.pupil is None:
        raise ValidationError(_("Een anoniem traject heeft geen toestemming (CON-07)."))
    if case.phase == Phase.CLOSED:
        raise ValidationError(_("Dit traject is afgemeld."))
    if previous.revoked_at is None:
        raise ValidationError(_("Deze toestemming is nog van kracht."))
    if case.consents.filter(revoked_at__isnull=True).exists():
        raise ValidationError(
            _("Er is al een geldige toestemming voor dit traject (één per traject, CON-01).")
        )
    givers = set(guardian_ids)
    today = timezone.localdate()
    ok, message = consent_givers_valid(case.pupil, given_by_pupil, givers, today)
    if not ok:
        raise ValidationError({"given_by_guardians": message})
    consent = Consent.objects.create(
        case=case,
        categories=list(previous.categories),
        given_by_pupil=given_by_pupil,
        given_on=today,
        form_version=previous.form_version,
        method=ConsentMethod.DIGITAL,
        evidence=str(_("Digitaal gegeven via het ouder- en jongerenportaal")),
        recorded_by=case.process_director,
    )
    consent.parties.set(list(previous.parties.all()))
    consent.given_by_guardians.set(givers)
    record_access(
        context,
        action="give_consent",
        activity=ACTIVITY,
        subject_pseudonym=_subject(case),
        obj=consent,
        data_categories=consent.categories,
        legal_ground="rights_holder",
    )
    return consent
