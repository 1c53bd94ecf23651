"""AGE-03: who exercises the pupil's rights, computed on the date of the act."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passend.pupils.models import AgePolicy, Guardian, Pupil
from passend.pupils.rights import (
    Regime,
    age_on,
    birthday_in,
    consent_givers_valid,
    date_turning,
    rights_holders,
)

POLICY = AgePolicy()  # the covenant's defaults: 12 / 16 / 18, all guardians with authority
BIRTH_DATES = st.dates(min_value=date(1995, 1, 1), max_value=date(2030, 12, 31))


def pupil(birth_date: date) -> Pupil:
    return Pupil(pk=1, first_name="Sam", last_name="Jansen", birth_date=birth_date)


def guardians() -> list[Guardian]:
    return [
        Guardian(pk=10, pupil_id=1, last_name="Jansen", has_parental_authority=True),
        Guardian(pk=11, pupil_id=1, last_name="de Vries", has_parental_authority=True),
        Guardian(pk=12, pupil_id=1, last_name="Bakker", has_parental_authority=False),
    ]


WITH_AUTHORITY = frozenset({10, 11})


# --- age arithmetic ------------------------------------------------------------------------


@given(birth=BIRTH_DATES, years=st.integers(min_value=1, max_value=25))
def test_age_03_age_changes_exactly_on_the_birthday(birth: date, years: int) -> None:
    birthday = date_turning(birth, years)
    assert age_on(birth, birthday - timedelta(days=1)) == years - 1
    assert age_on(birth, birthday) == years
    assert age_on(birth, birthday + timedelta(days=1)) == years


@given(birth=BIRTH_DATES, offset=st.integers(min_value=0, max_value=25 * 366))
def test_age_03_age_is_the_number_of_birthdays_passed(birth: date, offset: int) -> None:
    on = birth + timedelta(days=offset)
    passed = sum(1 for n in range(1, 27) if date_turning(birth, n) <= on)
    assert age_on(birth, on) == passed


def test_age_03_leap_day_birth_turns_older_on_1_march_in_common_years() -> None:
    birth = date(2008, 2, 29)
    assert birthday_in(birth, 2026) == date(2026, 3, 1)
    assert birthday_in(birth, 2024) == date(2024, 2, 29)
    assert age_on(birth, date(2026, 2, 28)) == 17
    assert age_on(birth, date(2026, 3, 1)) == 18
    assert age_on(birth, date(2024, 2, 28)) == 15
    assert age_on(birth, date(2024, 2, 29)) == 16  # leap year: the real birthday
    assert age_on(birth, date(2020, 2, 28)) == 11
    assert age_on(birth, date(2020, 2, 29)) == 12


def test_age_03_age_before_birth_is_refused() -> None:
    with pytest.raises(ValueError):
        age_on(date(2015, 1, 1), date(2014, 12, 31))


# --- the rights holders around every boundary ----------------------------------------------

LEAP_BIRTHS = st.sampled_from(
    [date(y, 2, 29) for y in (1996, 2000, 2004, 2008, 2012, 2016, 2020, 2024, 2028)]
)


def _expected_regime(age: int) -> Regime:
    if age < 12:
        return Regime.GUARDIANS
    if age < 16:
        return Regime.JOINT
    return Regime.YOUTH


@settings(max_examples=300)
@given(
    birth=st.one_of(BIRTH_DATES, LEAP_BIRTHS),
    boundary=st.sampled_from([12, 16, 18]),
    shift=st.sampled_from([-1, 0, 1]),
)
def test_age_03_rights_holders_day_before_on_and_after_12_16_18(
    birth: date, boundary: int, shift: int
) -> None:
    on = date_turning(birth, boundary) + timedelta(days=shift)
    holders = rights_holders(pupil(birth), guardians(), on, POLICY)
    age = boundary - 1 if shift < 0 else boundary
    assert holders.age == age
    assert holders.regime == _expected_regime(age)
    # under 12 the child does not exercise the rights; from 12 it does (alone or jointly)
    assert holders.child is (age >= 12)
    # guardians with authority (only those) act until 16, never after
    assert holders.guardian_ids == (WITH_AUTHORITY if age < 16 else frozenset())
    # parents keep the right to information from school until 18
    assert holders.parents_have_information_right is (age < 18)
    assert holders.information_guardian_ids == (WITH_AUTHORITY if age < 18 else frozenset())


@given(birth=LEAP_BIRTHS, boundary=st.sampled_from([12, 16, 18]))
def test_age_03_leap_day_births_change_regime_on_29_february_or_1_march(
    birth: date, boundary: int
) -> None:
    turning = date_turning(birth, boundary)
    assert (turning.month, turning.day) in ((2, 29), (3, 1))
    if turning.month == 3:
        # common year: 28 February is still the younger age
        before = rights_holders(pupil(birth), guardians(), date(turning.year, 2, 28), POLICY)
        assert before.age == boundary - 1
    after = rights_holders(pupil(birth), guardians(), turning, POLICY)
    assert after.age == boundary


def test_age_03_policy_ages_are_configurable() -> None:
    policy = AgePolicy(joint_from_age=10, child_alone_from_age=15, parents_information_until_age=18)
    birth = date(2010, 6, 15)
    assert rights_holders(pupil(birth), [], date(2020, 6, 15), policy).regime == Regime.JOINT
    assert rights_holders(pupil(birth), [], date(2025, 6, 14), policy).regime == Regime.JOINT
    assert rights_holders(pupil(birth), [], date(2025, 6, 15), policy).regime == Regime.YOUTH


def test_age_03_guardians_of_another_pupil_are_not_rights_holders() -> None:
    other = Guardian(pk=99, pupil_id=2, last_name="X", has_parental_authority=True)
    holders = rights_holders(
        pupil(date(2015, 1, 1)), [*guardians(), other], date(2020, 1, 1), POLICY
    )
    assert holders.guardian_ids == WITH_AUTHORITY


# --- consent_givers_valid (CON-02 per AGE-03) ----------------------------------------------

ON = date(2026, 6, 1)


def check(age_years: int, by_pupil: bool, guardian_ids: set[int], **kwargs: object) -> tuple:
    birth = date(ON.year - age_years, 1, 15)
    return consent_givers_valid(
        pupil(birth), by_pupil, guardian_ids, ON, guardians=guardians(), policy=POLICY, **kwargs
    )


def test_con_02_age_03_parents_consent_for_a_10_year_old() -> None:
    assert check(10, False, {10, 11})[0] is True


def test_con_02_age_03_a_10_year_old_alone_cannot_consent() -> None:
    ok, message = check(10, True, set())
    assert ok is False
    assert "onder de 12 jaar" in message


def test_con_02_age_03_one_parent_of_two_with_authority_is_not_enough_by_default() -> None:
    ok, message = check(10, False, {10})
    assert ok is False
    assert "Alle ouders/verzorgers met gezag" in message


def test_con_02_age_03_one_parent_suffices_when_the_policy_says_so() -> None:
    policy = AgePolicy(consent_requires_all_guardians=False)
    birth = date(ON.year - 10, 1, 15)
    ok, _ = consent_givers_valid(
        pupil(birth), False, {10}, ON, guardians=guardians(), policy=policy
    )
    assert ok is True


def test_con_02_age_03_a_parent_alone_cannot_consent_for_a_14_year_old() -> None:
    ok, message = check(14, False, {10, 11})
    assert ok is False
    assert "kind zelf ook toestemming" in message


def test_con_02_age_03_a_14_year_old_alone_cannot_consent() -> None:
    ok, message = check(14, True, set())
    assert ok is False
    assert "samen toestemming" in message


def test_con_02_age_03_child_and_parents_together_consent_for_a_14_year_old() -> None:
    assert check(14, True, {10, 11})[0] is True


def test_con_02_age_03_a_parent_cannot_consent_for_a_17_year_old() -> None:
    ok, message = check(17, False, {10})
    assert ok is False
    assert "ouders kunnen dat niet" in message
    # not even together with the youth: the record must show who decided
    assert check(17, True, {10})[0] is False


def test_con_02_age_03_a_17_year_old_consents_alone() -> None:
    ok, _ = check(17, True, set())
    assert ok is True


def test_con_02_age_03_a_guardian_without_authority_cannot_consent() -> None:
    ok, message = check(10, False, {10, 11, 12})
    assert ok is False
    assert "geen gezag" in message


def test_con_02_age_03_a_stranger_cannot_consent() -> None:
    ok, message = check(10, False, {10, 11, 77})
    assert ok is False
    assert "geen ouder/verzorger van deze leerling" in message


def test_con_02_age_03_no_guardian_with_authority_registered() -> None:
    birth = date(ON.year - 9, 1, 15)
    ok, message = consent_givers_valid(pupil(birth), False, set(), ON, guardians=[], policy=POLICY)
    assert ok is False
    assert "geen ouder/verzorger met gezag geregistreerd" in message


def test_con_02_age_03_consent_is_judged_on_the_date_of_the_act() -> None:
    birth = date(2010, 6, 1)
    kw = {"guardians": guardians(), "policy": POLICY}
    # the day before the 16th birthday the parents must still co-sign; on the day they cannot
    assert consent_givers_valid(pupil(birth), True, set(), date(2026, 5, 31), **kw)[0] is False
    assert consent_givers_valid(pupil(birth), True, set(), date(2026, 6, 1), **kw)[0] is True
    assert consent_givers_valid(pupil(birth), True, {10, 11}, date(2026, 6, 1), **kw)[0] is False


@pytest.mark.django_db
def test_con_02_age_03_loads_guardians_and_policy_from_the_database() -> None:
    from tests.pupils.conftest import make_pupil

    child = make_pupil(birth_date=date(ON.year - 14, 1, 15))
    mother = Guardian.objects.create(pupil=child, last_name="Jansen", relation="mother")
    assert consent_givers_valid(child, True, {mother.pk}, ON)[0] is True
    assert consent_givers_valid(child, False, {mother.pk}, ON)[0] is False
