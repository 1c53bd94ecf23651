"""Arrangement rules: the path application → advice → decision → evaluation → extension,
refused transitions, amount and budget validation, decision numbers unique per SWV and year,
and access through the one policy (ORG-04, CON-04)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from passend.access.policy import decide_case
from passend.accounts.models import Membership, Role
from passend.arrangements import services
from passend.arrangements.models import (
    Arrangement,
    ArrangementKind,
    Decision,
    validate_extra_fields,
)
from passend.cases.models import CaseKind
from passend.consent.models import LegalBasis
from passend.privacy.models import AccessLogEntry
from tests.access.helpers import make_pupil
from tests.arrangements.conftest import START, World, advised, applied, granted
from tests.conftest import make_professional

pytestmark = pytest.mark.django_db


def _access(user: Any, arrangement: Arrangement) -> Any:
    return decide_case(user, Membership.objects.get(user=user), arrangement.case)


def test_full_path_application_advice_decision_evaluation_extension(world: World) -> None:
    """Flexmodule (000 §1 h), CON-04, CO-02: the whole path, each step logged."""
    arrangement = applied(world)
    case = arrangement.case
    assert case.kind == CaseKind.ARRANGEMENT and case.owner == world.region["school_a"]
    assert arrangement.status == Arrangement.Status.SUBMITTED
    ground = case.legal_grounds.get()
    assert ground.organisation == world.region["swv"]
    assert ground.basis == LegalBasis.EXTRA_SUPPORT
    # ORG-04: the SWV holds the ground but nobody there is involved yet.
    assert not _access(world.ect, arrangement).allowed

    services.advise(world.actor(world.ect), arrangement, outcome="grant", text="Passend.")
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.ADVISED
    assert _access(world.ect, arrangement).allowed  # joined as participant on the ground

    decision = services.decide(
        world.actor(world.director), arrangement, granted=True, motivation="Conform advies."
    )
    arrangement.refresh_from_db()
    year = timezone.localdate().year
    assert decision.number == f"ARR-{year}-0001"
    assert decision.amount == Decimal("8682.52")  # the quote, as nothing else was given
    assert decision.start_date == START
    # Standard duration 12 weeks, inclusive end (terms.calendar).
    assert decision.end_date == START + dt.timedelta(weeks=12) - dt.timedelta(days=1)
    assert arrangement.status == Arrangement.Status.GRANTED
    assert arrangement.period_end == decision.end_date
    assert _access(world.director, arrangement).allowed

    services.evaluate(
        world.actor(world.coordinator), arrangement, goals_met="partly", notes="Half bereikt."
    )
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.EVALUATED

    old_end = arrangement.period_end
    extension = services.extend(
        world.actor(world.director),
        arrangement,
        reason="Doelen deels bereikt; nog een periode.",
        amount=Decimal("1000.00"),
    )
    arrangement.refresh_from_db()
    assert extension.previous_end == old_end
    assert extension.new_end == old_end + dt.timedelta(weeks=12)
    assert arrangement.period_end == extension.new_end
    assert arrangement.status == Arrangement.Status.GRANTED  # running again
    actions = set(
        AccessLogEntry.objects.filter(activity="arrangements").values_list("action", flat=True)
    )
    assert {"apply", "advise", "decide", "evaluate", "extend"} <= actions


def test_refused_transitions(world: World) -> None:
    """Each step only in its place: no decision before advice, no evaluation before a grant,
    no extension before an evaluation, no second advice, nothing after withdrawal."""
    arrangement = applied(world)
    with pytest.raises(ValidationError) as error:
        services.decide(world.actor(world.director), arrangement, granted=True, motivation="x")
    assert "status" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.evaluate(world.actor(world.coordinator), arrangement, goals_met="yes", notes="x")
    services.advise(world.actor(world.ect), arrangement, outcome="grant", text="Goed.")
    with pytest.raises(ValidationError) as error:
        services.advise(world.actor(world.ect), arrangement, outcome="grant", text="Nog eens.")
    assert "Advies uitbrengen" in error.value.message_dict["status"][0]
    services.decide(world.actor(world.director), arrangement, granted=True, motivation="Ja.")
    with pytest.raises(ValidationError) as error:
        services.extend(world.actor(world.director), arrangement, reason="Langer.")
    assert "Evalueer" in error.value.message_dict["status"][0]
    with pytest.raises(ValidationError):
        services.decide(world.actor(world.director), arrangement, granted=False, motivation="x")
    with pytest.raises(ValidationError):
        services.withdraw(world.actor(world.coordinator), arrangement)


def test_refused_decision_has_number_but_no_period_or_amount(world: World) -> None:
    arrangement = advised(world)
    with pytest.raises(ValidationError) as error:
        services.decide(
            world.actor(world.director),
            arrangement,
            granted=False,
            motivation="Niet passend.",
            amount=Decimal("10.00"),
        )
    assert "amount" in error.value.message_dict
    decision = services.decide(
        world.actor(world.director), arrangement, granted=False, motivation="Niet passend."
    )
    arrangement.refresh_from_db()
    assert decision.number.startswith("ARR-") and decision.end_date is None
    assert arrangement.status == Arrangement.Status.REFUSED
    with pytest.raises(ValidationError):
        services.evaluate(world.actor(world.coordinator), arrangement, goals_met="no", notes="x")


def test_withdrawal_by_the_school_only(world: World) -> None:
    arrangement = applied(world)
    with pytest.raises(PermissionDenied):
        services.withdraw(world.actor(world.director), arrangement)
    services.withdraw(world.actor(world.coordinator), arrangement, reason="Niet meer nodig.")
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.WITHDRAWN
    with pytest.raises(ValidationError):
        services.advise(world.actor(world.ect), arrangement, outcome="grant", text="Te laat.")


def test_roles_org_02(world: World, coordinator_b: Any) -> None:
    """Who may apply, advise and decide follows the kind's configuration."""
    arrangement = applied(world)
    with pytest.raises(PermissionDenied):  # the director does not advise
        services.advise(world.actor(world.director), arrangement, outcome="grant", text="x")
    other_ect = make_professional(world.other_swv, Role.ECT_MEMBER, username="ect-ander")
    with pytest.raises(PermissionDenied):  # another SWV's ECT
        services.advise(world.actor(other_ect), arrangement, outcome="grant", text="x")
    services.advise(world.actor(world.ect), arrangement, outcome="grant", text="Goed.")
    with pytest.raises(PermissionDenied):  # the kind says: the director decides
        services.decide(world.actor(world.ect), arrangement, granted=True, motivation="x")
    # A kind decided by the ECT.
    world.kind.decider_role = Role.ECT_MEMBER
    world.kind.save()
    decision = services.decide(world.actor(world.ect), arrangement, granted=True, motivation="Ja")
    assert decision.decided_by == world.ect
    # Applicant roles: a behaviour expert may not apply for this kind.
    expert = make_professional(world.region["school_a"], Role.BEHAVIOUR_EXPERT, username="gd")
    with pytest.raises(PermissionDenied):
        services.apply(
            world.actor(expert), kind=world.kind, pupil=world.pupil, support_need="Hulp."
        )
    # A school of another SWV cannot apply for this SWV's kind.
    world.region["school_b"].swv = world.other_swv
    world.region["school_b"].save()
    pupil_b = make_pupil(world.region["school_b"])
    with pytest.raises(PermissionDenied):
        services.apply(
            world.actor(coordinator_b), kind=world.kind, pupil=pupil_b, support_need="Hulp."
        )


def test_pupil_of_another_school_is_refused_org_04(world: World) -> None:
    pupil_b = make_pupil(world.region["school_b"])
    with pytest.raises(ValidationError) as error:
        applied(world, pupil=pupil_b)
    assert "pupil" in error.value.message_dict
    assert not Arrangement.objects.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("0"), "groter dan € 0,00"),
        (Decimal("-5"), "groter dan € 0,00"),
        (Decimal("12.345"), "twee decimalen"),
        (Decimal("50.00"), "minstens € 100,00"),
        (Decimal("15000.01"), "hooguit € 15.000,00"),
    ],
)
def test_quote_amount_validation(world: World, amount: Decimal, message: str) -> None:
    with pytest.raises(ValidationError) as error:
        applied(world, quote_amount=amount)
    assert message in error.value.message_dict["quote_amount"][0]
    assert not Arrangement.objects.exists()  # a failed write changes nothing


def test_extra_fields_are_checked_against_the_kind(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        applied(world, values={"form": "solo", "hours": "veel", "start_wish": "morgen", "x": 1})
    errors = error.value.message_dict
    assert "Uren per week is een getal" in errors["hours"][0]
    assert "individueel, groep" in errors["form"][0]
    assert "datum" in errors["start_wish"][0]
    assert "Onbekend veld" in errors["x"][0]
    with pytest.raises(ValidationError) as error:
        applied(world, values={"form": "groep"})
    assert "verplicht" in error.value.message_dict["hours"][0]
    arrangement = applied(
        world, values={"hours": "4,5", "start_wish": dt.date(2026, 10, 1), "provider": " Zorg "}
    )
    assert arrangement.values == {"hours": "4.5", "start_wish": "2026-10-01", "provider": "Zorg"}


def test_bsn_in_an_extra_field_is_refused_age_02(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        applied(world, values={"hours": "3", "provider": "BSN 123456782"})
    assert "BSN" in str(error.value)


def test_kind_configuration_is_validated() -> None:
    validate_extra_fields(
        [{"name": "a", "label": "A", "type": "choice", "choices": ["x"], "required": True}]
    )
    for bad in (
        {"name": "a"},
        [{"name": "a b", "label": "A", "type": "text"}],
        [{"name": "a", "label": "A", "type": "file"}],
        [{"name": "a", "label": "A", "type": "choice"}],
        [{"name": "a", "label": "A", "type": "text"}, {"name": "a", "label": "B", "type": "text"}],
    ):
        with pytest.raises(ValidationError):
            validate_extra_fields(bad)


def test_kind_clean_refuses_non_school_roles_and_inverted_limits(region: dict[str, Any]) -> None:
    kind = ArrangementKind(
        swv=region["swv"],
        name="X",
        applicant_roles=["swv_director"],
        min_amount=Decimal("10"),
        max_amount=Decimal("5"),
    )
    with pytest.raises(ValidationError) as error:
        kind.clean()
    assert {"applicant_roles", "max_amount"} <= set(error.value.message_dict)


def test_budget_is_refused_when_exceeded(world: World) -> None:
    """Budget per kind per school year: a decision that exceeds it is refused (documented
    choice), with the remaining amount in € notation."""
    granted(world, amount=Decimal("12000.00"))
    second = advised(world, pupil=make_pupil(world.region["school_a"]))
    with pytest.raises(ValidationError) as error:
        services.decide(
            world.actor(world.director),
            second,
            granted=True,
            motivation="Ja.",
            amount=Decimal("8000.01"),
        )
    message = error.value.message_dict["amount"][0]
    assert "nog beschikbaar € 8.000,00" in message and "al toegekend € 12.000,00" in message
    second.refresh_from_db()
    assert second.status == Arrangement.Status.ADVISED  # nothing changed
    assert Decision.objects.count() == 1
    decision = services.decide(
        world.actor(world.director), second, granted=True, motivation="Ja.", amount=Decimal("8000")
    )
    assert services.budget_used(world.kind, decision.school_year) == Decimal("20000.00")


def test_extension_amount_counts_against_the_budget(world: World) -> None:
    arrangement = granted(world, amount=Decimal("15000.00"))
    services.evaluate(world.actor(world.ect), arrangement, goals_met="no", notes="Niet bereikt.")
    with pytest.raises(ValidationError) as error:
        services.extend(
            world.actor(world.director),
            arrangement,
            reason="Nog nodig.",
            amount=Decimal("5000.01"),
        )
    assert "budget" in error.value.message_dict["amount"][0]
    with pytest.raises(ValidationError) as error:
        services.extend(
            world.actor(world.director),
            arrangement,
            reason="Nog nodig.",
            new_end=arrangement.period_end,
        )
    assert "new_end" in error.value.message_dict


def test_decision_numbers_are_unique_per_swv_and_year(world: World) -> None:
    year = timezone.localdate().year
    numbers = []
    for _n in range(3):
        arrangement = advised(world, pupil=make_pupil(world.region["school_a"]))
        numbers.append(
            services.decide(
                world.actor(world.director),
                arrangement,
                granted=False,
                motivation="Nee.",
            ).number
        )
    assert numbers == [f"ARR-{year}-0001", f"ARR-{year}-0002", f"ARR-{year}-0003"]
    # Another SWV counts on its own.
    assert services._next_number(world.other_swv.pk, year) == (1, f"ARR-{year}-0001")
    # The next year starts again at 1.
    assert services._next_number(world.region["swv"].pk, year + 1)[0] == 1
    # The database refuses a duplicate even if the counter were bypassed.
    first = Decision.objects.order_by("pk").first()
    assert first is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(
            arrangement=advised(world, pupil=make_pupil(world.region["school_a"])),
            swv=first.swv,
            year=first.year,
            sequence=first.sequence,
            number=first.number,
            granted=False,
            motivation="dubbel",
            decided_by=world.director,
            decided_on=first.decided_on,
        )


def test_euro_formatting() -> None:
    assert services.euro(Decimal("8682.52")) == "€ 8.682,52"
    assert services.euro(Decimal("1234567")) == "€ 1.234.567,00"
    assert services.euro(Decimal("0.5")) == "€ 0,50"
    assert services.parse_amount("€ 8.682,52") == Decimal("8682.52")
    assert services.parse_amount("8682.52") == Decimal("8682.52")
    assert services.school_year_of(dt.date(2026, 7, 31)) == "2025-2026"
    assert services.school_year_of(dt.date(2026, 8, 1)) == "2026-2027"


def test_months_duration_uses_terms_calendar(world: World) -> None:
    world.kind.duration_unit = "months"
    world.kind.duration_length = 3
    world.kind.save()
    arrangement = advised(world, requested_start=dt.date(2026, 1, 31))
    decision = services.decide(
        world.actor(world.director), arrangement, granted=True, motivation="Ja."
    )
    assert decision.end_date == dt.date(2026, 4, 29)  # 30 April is the day after the period
