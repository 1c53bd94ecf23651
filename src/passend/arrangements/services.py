"""Writes of the arrangements module. One transaction per call; each write is logged.

Path: apply (school) → advise (ECT) → decide (the kind's decider, numbered) → evaluate →
extend (after an evaluation). Withdrawal by the school before the decision. Any other order
is refused with a Dutch message naming the field.

Access: the school opens a Case of kind ARRANGEMENT (``cases.services.open_case``) and, on
submission, records the CON-04 ground "school to SWV for extra support" for the SWV. SWV
people join the case as participants when they take it up, advise or decide
(``add_participant_by_procedure``), so the one access policy decides what they see.

Budget: a decision or extension that would make the granted amounts of a kind in a school year
exceed its budget is REFUSED (not just warned about): a decision commits money the SWV does not
have. The kind row is locked while counting, so two concurrent decisions cannot both pass.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.access.actor import Actor
from passend.access.policy import decide_case
from passend.accounts.models import Membership, OrganisationKind, Role
from passend.arrangements.models import (
    CONTENT_CATEGORY,
    METADATA_CATEGORY,
    Advice,
    Arrangement,
    ArrangementKind,
    Decision,
    DecisionCounter,
    DurationUnit,
    Evaluation,
    Extension,
    FieldType,
)
from passend.bsn_guard import ensure_no_bsn
from passend.cases import services as case_services
from passend.cases.models import Case, CaseKind, Phase
from passend.consent import services as consent_services
from passend.consent.models import LegalBasis
from passend.privacy.categories import ALL_CATEGORIES
from passend.privacy.context import subject_pseudonym
from passend.privacy.services import record_access
from passend.pupils.models import Pupil
from passend.terms import calendar

ACTIVITY = "arrangements"
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")


# --- helpers ----------------------------------------------------------------------------------


def euro(amount: Decimal | None) -> str:
    """'€ 8.682,52' (DESIGN.md conventions)."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups = f"{int(whole):,}".replace(",", ".")
    return f"€ {sign}{groups},{cents}"


def parse_amount(value: Any) -> Decimal | None:
    """Accepts a Decimal or Dutch/plain text: '8.682,52', '€ 8682,52', '8682.52'."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = str(value).replace("€", "").replace(" ", "").replace("\u00a0", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("Vul een bedrag in, bijvoorbeeld 8.682,52.")) from None


def school_year_of(day: dt.date) -> str:
    """School years run from 1 August to 31 July: '2026-2027'."""
    first = day.year if day.month >= 8 else day.year - 1
    return f"{first}-{first + 1}"


def standard_end(kind: ArrangementKind, start: dt.date) -> dt.date:
    """Last day of the standard period (inclusive), computed by ``terms.calendar``."""
    if kind.duration_unit == DurationUnit.MONTHS:
        after = calendar.add_months(start, kind.duration_length)
    else:
        after = calendar.add_weeks(start, kind.duration_length)
    return after - dt.timedelta(days=1)


def _today() -> dt.date:
    return timezone.localdate()


def _subject(case: Case) -> str:
    if case.pupil_id is None:
        return subject_pseudonym("case", case.pk)
    return subject_pseudonym("pupil", case.pupil_id)


def _log(actor: Actor, action: str, case: Case, obj: Any, categories: Any) -> None:
    record_access(
        actor.context,
        action=action,
        activity=ACTIVITY,
        subject_pseudonym=_subject(case),
        obj=obj,
        data_categories=categories,
        legal_ground=LegalBasis.EXTRA_SUPPORT,
    )


def _membership(actor: Actor) -> Membership:
    if actor.membership is None:
        raise PermissionDenied(_("Kies eerst namens welke organisatie u werkt."))
    return actor.membership


def _require_swv_role(actor: Actor, arrangement: Arrangement, roles: set[str]) -> None:
    membership = _membership(actor)
    if membership.organisation_id != arrangement.swv_id or membership.role not in roles:
        raise PermissionDenied(_("Deze stap is niet aan u in deze rol (ORG-02)."))


def _status_in(arrangement: Arrangement, *statuses: str, step: str) -> None:
    if arrangement.status not in statuses:
        raise ValidationError(
            {
                "status": _("%(step)s kan niet bij een arrangement met status '%(status)s'.")
                % {"step": step, "status": arrangement.get_status_display()}
            }
        )


def _join(actor: Actor, arrangement: Arrangement, role_label: str) -> None:
    """The SWV person joins the case (ORG-04) on the CON-04 ground the school recorded."""
    membership = _membership(actor)
    case_services.add_participant_by_procedure(
        actor,
        arrangement.case,
        organisation=membership.organisation,
        user=actor.user,
        role=role_label,
        joined_phase=Phase.ASSESSMENT,
    )


def check_amount(kind: ArrangementKind, field: str, amount: Decimal | None) -> None:
    """Amounts are positive euros with at most two decimals, within the kind's limits."""
    if amount is None:
        return
    label = {
        "quote_amount": _("offertebedrag"),
        "amount": _("bedrag"),
        "advised_amount": _("geadviseerd bedrag"),
    }.get(field, field)
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({field: _("Het %(label)s is groter dan € 0,00.") % {"label": label}})
    if amount != amount.quantize(CENT) or amount > MAX_AMOUNT:
        raise ValidationError(
            {field: _("Het %(label)s heeft hooguit twee decimalen (centen).") % {"label": label}}
        )
    if kind.min_amount is not None and amount < kind.min_amount:
        raise ValidationError(
            {
                field: _("Het %(label)s is minstens %(min)s voor %(kind)s.")
                % {"label": label, "min": euro(kind.min_amount), "kind": kind.name}
            }
        )
    if kind.max_amount is not None and amount > kind.max_amount:
        raise ValidationError(
            {
                field: _("Het %(label)s is hooguit %(max)s voor %(kind)s.")
                % {"label": label, "max": euro(kind.max_amount), "kind": kind.name}
            }
        )


def budget_used(kind: ArrangementKind, school_year: str) -> Decimal:
    """Granted amounts of the kind in a school year: decisions plus extensions."""
    decided = Decision.objects.filter(
        arrangement__kind=kind, granted=True, school_year=school_year
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    extended = Extension.objects.filter(arrangement__kind=kind, school_year=school_year).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")
    return decided + extended


def _check_budget(kind: ArrangementKind, school_year: str, amount: Decimal | None) -> None:
    """Refuses an amount that would exceed the kind's budget for the school year."""
    if kind.budget_per_school_year is None or not amount:
        return
    used = budget_used(kind, school_year)
    if used + amount > kind.budget_per_school_year:
        raise ValidationError(
            {
                "amount": _(
                    "Dit bedrag past niet in het budget van %(kind)s voor schooljaar %(year)s: "
                    "budget %(budget)s, al toegekend %(used)s, nog beschikbaar %(left)s."
                )
                % {
                    "kind": kind.name,
                    "year": school_year,
                    "budget": euro(kind.budget_per_school_year),
                    "used": euro(used),
                    "left": euro(max(kind.budget_per_school_year - used, Decimal("0"))),
                }
            }
        )


def clean_values(kind: ArrangementKind, raw: dict[str, Any]) -> dict[str, Any]:
    """Checks answers against the kind's extra fields; returns JSON-safe values."""
    specs = {spec["name"]: spec for spec in kind.field_specs()}
    errors: dict[str, str] = {}
    unknown = set(raw) - set(specs)
    for name in sorted(unknown):
        errors[name] = _("Onbekend veld voor deze soort arrangement.")
    cleaned: dict[str, Any] = {}
    for name, spec in specs.items():
        value = raw.get(name)
        label = spec["label"]
        if value is None or value == "":
            if spec.get("required"):
                errors[name] = _("Vul %(label)s in (verplicht voor deze soort).") % {"label": label}
            continue
        kind_of = spec["type"]
        if kind_of == FieldType.NUMBER:
            try:
                number = parse_amount(value)
            except ValidationError:
                number = None
            if number is None or not number.is_finite():
                errors[name] = _("%(label)s is een getal.") % {"label": label}
                continue
            cleaned[name] = str(number)
        elif kind_of == FieldType.DATE:
            if isinstance(value, dt.date):
                cleaned[name] = value.isoformat()
                continue
            try:
                cleaned[name] = dt.date.fromisoformat(str(value)).isoformat()
            except ValueError:
                errors[name] = _("%(label)s is een datum (jjjj-mm-dd).") % {"label": label}
        elif kind_of == FieldType.CHOICE:
            if value not in spec["choices"]:
                errors[name] = _("Kies bij %(label)s een van: %(choices)s.") % {
                    "label": label,
                    "choices": ", ".join(spec["choices"]),
                }
                continue
            cleaned[name] = value
        else:
            text = str(value).strip()
            if len(text) > 2000:
                errors[name] = _("%(label)s is hooguit 2000 tekens.") % {"label": label}
                continue
            cleaned[name] = text
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn(cleaned)
    return cleaned


# --- 1. application (school) ------------------------------------------------------------------


def kinds_for(membership: Membership | None) -> list[ArrangementKind]:
    """Active kinds the acting person may apply for: their school's SWV, their role."""
    if membership is None or membership.organisation.kind != OrganisationKind.SCHOOL:
        return []
    swv_id = membership.organisation.swv_id
    if swv_id is None:
        return []
    kinds = ArrangementKind.objects.filter(swv_id=swv_id, is_active=True).order_by("name")
    return [k for k in kinds if membership.role in (k.applicant_roles or [])]


@transaction.atomic
def apply(
    actor: Actor,
    *,
    kind: ArrangementKind,
    pupil: Pupil,
    support_need: str,
    values: dict[str, Any] | None = None,
    quote_amount: Decimal | None = None,
    requested_start: dt.date | None = None,
) -> Arrangement:
    """The school applies: opens the case, records the CON-04 ground for the SWV."""
    membership = _membership(actor)
    school = membership.organisation
    if kind not in kinds_for(membership):
        raise PermissionDenied(
            _(
                "U kunt dit arrangement niet aanvragen: het is niet van het SWV van uw school of niet voor uw rol (ORG-02)."
            )
        )
    errors: dict[str, Any] = {}
    if not support_need.strip():
        errors["support_need"] = _("Beschrijf de ondersteuningsbehoefte en de doelen.")
    try:
        check_amount(kind, "quote_amount", quote_amount)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        cleaned = clean_values(kind, values or {})
    except ValidationError as error:
        errors.update(error.message_dict)
        cleaned = {}
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"support_need": support_need})
    case = case_services.open_case(
        actor, kind=CaseKind.ARRANGEMENT, pupil=pupil, title=kind.name[:200]
    )
    arrangement = Arrangement.objects.create(
        case=case,
        kind=kind,
        swv=kind.swv,
        school=school,
        support_need=support_need.strip(),
        values=cleaned,
        quote_amount=quote_amount,
        requested_start=requested_start,
        applied_by=actor.user,
        applied_on=_today(),
    )
    # CON-04: school to SWV for extra support; no consent needed, parents are informed.
    consent_services.record_legal_ground(
        actor,
        case,
        organisation=kind.swv,
        basis=LegalBasis.EXTRA_SUPPORT,
        categories=sorted(ALL_CATEGORIES),
        note=str(_("Aanvraag arrangement %(kind)s") % {"kind": kind.name})[:300],
    )
    _log(actor, "apply", case, arrangement, [METADATA_CATEGORY, CONTENT_CATEGORY])
    return arrangement


@transaction.atomic
def withdraw(actor: Actor, arrangement: Arrangement, *, reason: str = "") -> Arrangement:
    arrangement = Arrangement.objects.select_for_update().get(pk=arrangement.pk)
    membership = _membership(actor)
    if (
        membership.organisation_id != arrangement.school_id
        or not decide_case(actor.user, membership, arrangement.case).allowed
    ):
        raise PermissionDenied(_("Alleen de aanvragende school trekt een aanvraag in."))
    _status_in(
        arrangement,
        Arrangement.Status.SUBMITTED,
        Arrangement.Status.ADVISED,
        step=_("Intrekken"),
    )
    ensure_no_bsn({"reason": reason})
    arrangement.status = Arrangement.Status.WITHDRAWN
    arrangement.save(update_fields=["status", "updated_at"])
    _log(actor, "withdraw", arrangement.case, arrangement, [METADATA_CATEGORY])
    return arrangement


# --- 2. taking up and advice (ECT) ------------------------------------------------------------


@transaction.atomic
def take_up(actor: Actor, arrangement: Arrangement) -> Arrangement:
    """An ECT member or the decider takes up an application of their SWV (joins the case)."""
    _require_swv_role(actor, arrangement, {Role.ECT_MEMBER, arrangement.kind.decider_role})
    _status_in(
        arrangement,
        Arrangement.Status.SUBMITTED,
        Arrangement.Status.ADVISED,
        step=_("In behandeling nemen"),
    )
    _join(actor, arrangement, str(_("SWV (arrangement)")))
    _log(actor, "take_up", arrangement.case, arrangement, [METADATA_CATEGORY])
    return arrangement


@transaction.atomic
def advise(
    actor: Actor,
    arrangement: Arrangement,
    *,
    outcome: str,
    text: str,
    advised_amount: Decimal | None = None,
) -> Advice:
    arrangement = (
        Arrangement.objects.select_for_update().select_related("kind").get(pk=arrangement.pk)
    )
    _require_swv_role(actor, arrangement, {Role.ECT_MEMBER})
    _status_in(arrangement, Arrangement.Status.SUBMITTED, step=_("Advies uitbrengen"))
    errors: dict[str, Any] = {}
    if outcome not in Advice.Outcome.values:
        errors["outcome"] = _("Kies het advies: toekennen, toekennen met aanpassing of afwijzen.")
    if not text.strip():
        errors["text"] = _("Licht het advies toe.")
    if outcome == Advice.Outcome.REFUSE and advised_amount is not None:
        errors["advised_amount"] = _("Bij een advies om af te wijzen hoort geen bedrag.")
    else:
        try:
            check_amount(arrangement.kind, "advised_amount", advised_amount)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"text": text})
    _join(actor, arrangement, str(_("ECT (advies)")))
    advice = Advice.objects.create(
        arrangement=arrangement,
        outcome=outcome,
        advised_amount=advised_amount,
        text=text.strip(),
        advised_by=actor.user,
    )
    arrangement.status = Arrangement.Status.ADVISED
    arrangement.save(update_fields=["status", "updated_at"])
    _log(actor, "advise", arrangement.case, advice, [METADATA_CATEGORY, CONTENT_CATEGORY])
    return advice


# --- 3. decision (SWV director or ECT, per kind) ----------------------------------------------


def _next_number(swv_id: int, year: int) -> tuple[int, str]:
    """Race-safe: the counter row is locked until the transaction ends; a unique constraint
    on (swv, year, sequence) guards it as well."""
    DecisionCounter.objects.get_or_create(swv_id=swv_id, year=year)
    counter = DecisionCounter.objects.select_for_update().get(swv_id=swv_id, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number, f"ARR-{year}-{counter.last_number:04d}"


@transaction.atomic
def decide(
    actor: Actor,
    arrangement: Arrangement,
    *,
    granted: bool,
    motivation: str,
    amount: Decimal | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
) -> Decision:
    arrangement = (
        Arrangement.objects.select_for_update().select_related("kind").get(pk=arrangement.pk)
    )
    kind = arrangement.kind
    _require_swv_role(actor, arrangement, {kind.decider_role})
    if arrangement.status == Arrangement.Status.SUBMITTED:
        raise ValidationError(
            {"status": _("Eerst brengt het ECT advies uit; daarna volgt het besluit.")}
        )
    _status_in(arrangement, Arrangement.Status.ADVISED, step=_("Besluiten"))
    errors: dict[str, Any] = {}
    if not motivation.strip():
        errors["motivation"] = _("Motiveer het besluit.")
    today = _today()
    school_year = ""
    if granted:
        advice = Advice.objects.filter(arrangement=arrangement).first()
        if amount is None:
            amount = (advice.advised_amount if advice else None) or arrangement.quote_amount
        start = start_date or arrangement.requested_start or today
        end = end_date or standard_end(kind, start)
        if end <= start:
            errors["end_date"] = _("De einddatum ligt na de startdatum.")
        school_year = school_year_of(start)
        if amount is None and (kind.budget_per_school_year is not None or kind.min_amount):
            errors["amount"] = _(
                "Vul het toegekende bedrag in: voor %(kind)s wordt het budget bewaakt."
            ) % {"kind": kind.name}
        else:
            try:
                check_amount(kind, "amount", amount)
            except ValidationError as error:
                errors.update(error.message_dict)
    else:
        if amount is not None:
            errors["amount"] = _("Bij een afwijzing hoort geen bedrag.")
        if start_date or end_date:
            errors["start_date"] = _("Bij een afwijzing hoort geen periode.")
        start = end = None  # type: ignore[assignment]
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"motivation": motivation})
    if granted:
        # Lock the kind: concurrent decisions on the same budget are counted one at a time.
        locked = ArrangementKind.objects.select_for_update().get(pk=kind.pk)
        _check_budget(locked, school_year, amount)
    _join(actor, arrangement, str(_("SWV (besluit)")))
    sequence, number = _next_number(arrangement.swv_id, today.year)
    decision = Decision.objects.create(
        arrangement=arrangement,
        swv_id=arrangement.swv_id,
        year=today.year,
        sequence=sequence,
        number=number,
        granted=granted,
        amount=amount if granted else None,
        school_year=school_year,
        start_date=start,
        end_date=end,
        motivation=motivation.strip(),
        decided_by=actor.user,
        decided_on=today,
    )
    arrangement.status = Arrangement.Status.GRANTED if granted else Arrangement.Status.REFUSED
    arrangement.period_start = start
    arrangement.period_end = end
    arrangement.save(update_fields=["status", "period_start", "period_end", "updated_at"])
    _log(actor, "decide", arrangement.case, decision, [METADATA_CATEGORY, CONTENT_CATEGORY])
    return decision


# --- 4. evaluation and extension --------------------------------------------------------------


@transaction.atomic
def evaluate(
    actor: Actor,
    arrangement: Arrangement,
    *,
    goals_met: str,
    notes: str,
    evaluated_on: dt.date | None = None,
) -> Evaluation:
    """CO-02 evaluatie: the school or the SWV, both involved in the case."""
    arrangement = Arrangement.objects.select_for_update().get(pk=arrangement.pk)
    membership = _membership(actor)
    access = decide_case(actor.user, membership, arrangement.case)
    if not access.allowed or membership.organisation_id not in (
        arrangement.school_id,
        arrangement.swv_id,
    ):
        raise PermissionDenied(_("Alleen de school en het SWV evalueren het arrangement (ORG-04)."))
    _status_in(arrangement, Arrangement.Status.GRANTED, step=_("Evalueren"))
    on = evaluated_on or _today()
    errors: dict[str, Any] = {}
    if goals_met not in Evaluation.GoalsMet.values:
        errors["goals_met"] = _("Kies of de doelen zijn behaald: ja, gedeeltelijk of nee.")
    if not notes.strip():
        errors["notes"] = _("Licht de evaluatie toe.")
    if on > _today():
        errors["evaluated_on"] = _("De evaluatiedatum ligt in de toekomst.")
    elif arrangement.period_start and on < arrangement.period_start:
        errors["evaluated_on"] = _("De evaluatiedatum ligt vóór de start van het arrangement.")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"notes": notes})
    evaluation = Evaluation.objects.create(
        arrangement=arrangement,
        goals_met=goals_met,
        notes=notes.strip(),
        evaluated_on=on,
        evaluated_by=actor.user,
    )
    arrangement.status = Arrangement.Status.EVALUATED
    arrangement.save(update_fields=["status", "updated_at"])
    _log(actor, "evaluate", arrangement.case, evaluation, [METADATA_CATEGORY, CONTENT_CATEGORY])
    return evaluation


@transaction.atomic
def extend(
    actor: Actor,
    arrangement: Arrangement,
    *,
    new_end: dt.date | None = None,
    reason: str,
    amount: Decimal | None = None,
) -> Extension:
    """A new period after an evaluation, decided by the kind's decider."""
    arrangement = (
        Arrangement.objects.select_for_update().select_related("kind").get(pk=arrangement.pk)
    )
    kind = arrangement.kind
    _require_swv_role(actor, arrangement, {kind.decider_role})
    if arrangement.status == Arrangement.Status.GRANTED:
        raise ValidationError(
            {"status": _("Evalueer het arrangement eerst; daarna kan het worden verlengd.")}
        )
    _status_in(arrangement, Arrangement.Status.EVALUATED, step=_("Verlengen"))
    previous_end = arrangement.period_end
    assert previous_end is not None  # noqa: S101 - a granted arrangement has a period
    new_start = previous_end + dt.timedelta(days=1)
    target = new_end or standard_end(kind, new_start)
    errors: dict[str, Any] = {}
    if target <= previous_end:
        errors["new_end"] = _("De nieuwe einddatum ligt na de huidige einddatum (%(end)s).") % {
            "end": previous_end.strftime("%d-%m-%Y")
        }
    if not reason.strip():
        errors["reason"] = _("Geef de reden van de verlenging.")
    try:
        check_amount(kind, "amount", amount)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"reason": reason})
    school_year = school_year_of(new_start)
    locked = ArrangementKind.objects.select_for_update().get(pk=kind.pk)
    _check_budget(locked, school_year, amount)
    _join(actor, arrangement, str(_("SWV (besluit)")))
    extension = Extension.objects.create(
        arrangement=arrangement,
        previous_end=previous_end,
        new_end=target,
        reason=reason.strip(),
        amount=amount,
        school_year=school_year,
        decided_by=actor.user,
        decided_on=_today(),
    )
    arrangement.period_end = target
    arrangement.status = Arrangement.Status.GRANTED
    arrangement.save(update_fields=["period_end", "status", "updated_at"])
    _log(actor, "extend", arrangement.case, extension, [METADATA_CATEGORY, CONTENT_CATEGORY])
    return extension
