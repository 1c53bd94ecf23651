"""Who exercises a pupil's privacy rights (AGE-03): computed here and nowhere else.

AGE-03, on the date of the act:
    under 12 (``joint_from_age``)         the guardians with parental authority;
    12 up to 16 (``child_alone_from_age``) the child AND the guardians with authority,
                                          both must consent;
    16 and older                          the youth alone;
    parents with authority keep a right to information from school until 18
    (``parents_information_until_age``).
The ages come from ``AgePolicy`` (functional administrator), defaults from the covenant.

Birthdays. Age is counted in whole years on the date of the act: one turns N on the N-th
anniversary of the birth date. A child born on 29 February has no anniversary in a common
year; Passend takes 1 March as the birthday in those years, so a child born 29-02-2008 is
still 17 on 28-02-2026 and turns 18 on 01-03-2026. This is a project choice, documented here
because the Burgerlijk Wetboek has no article that settles it explicitly: a year of age is
taken to be complete only when the whole calendar year has passed, and 1 March is the first
day on which that holds. The effect is that, once every four years at most, the younger-age
regime applies one day longer (parents keep deciding one day more), never one day too short.

The functions here are pure (no database access) except ``consent_givers_valid``, which
loads the pupil's guardians and the policy when they are not passed in.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from passend.pupils.models import AgePolicy, Guardian, Pupil


class _AgeRules(Protocol):
    joint_from_age: int
    child_alone_from_age: int
    parents_information_until_age: int
    consent_requires_all_guardians: bool


class Regime(enum.StrEnum):
    GUARDIANS = "guardians"  # under 12: parents with authority decide
    JOINT = "joint"  # 12 up to 16: child and parents with authority together
    YOUTH = "youth"  # 16 and older: the youth alone


def birthday_in(birth_date: date, year: int) -> date:
    """The birthday in ``year``; 1 March in a common year for a 29 February birth."""
    if birth_date.month == 2 and birth_date.day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 3, 1)
    return birth_date.replace(year=year)


def date_turning(birth_date: date, age: int) -> date:
    """The date on which someone born on ``birth_date`` turns ``age``."""
    return birthday_in(birth_date, birth_date.year + age)


def age_on(birth_date: date, on_date: date) -> int:
    """Age in whole years on ``on_date`` (exact, leap-day births included)."""
    if on_date < birth_date:
        raise ValueError("on_date lies before the birth date")
    age = on_date.year - birth_date.year
    if on_date < birthday_in(birth_date, on_date.year):
        age -= 1
    return age


@dataclass(frozen=True)
class RightsHolders:
    """Who exercises the pupil's privacy rights on ``on_date`` (AGE-03)."""

    on_date: date
    age: int
    regime: Regime
    child: bool  # the child (alone or together with the guardians) exercises the rights
    guardian_ids: frozenset[int]  # guardians with parental authority who exercise them
    parents_have_information_right: bool
    information_guardian_ids: frozenset[int]  # guardians with authority entitled to information

    @property
    def guardians_required(self) -> bool:
        return self.regime in (Regime.GUARDIANS, Regime.JOINT)

    @property
    def missing_guardians(self) -> bool:
        """Guardians must act but none with parental authority is registered."""
        return self.guardians_required and not self.guardian_ids

    def describe(self) -> str:
        if self.regime == Regime.GUARDIANS:
            return _("De ouders/verzorgers met gezag oefenen de privacyrechten uit (AGE-03).")
        if self.regime == Regime.JOINT:
            return _(
                "Het kind en de ouders/verzorgers met gezag oefenen de privacyrechten samen uit; "
                "beiden moeten toestemming geven (AGE-03)."
            )
        return _("De jongere oefent de privacyrechten alleen uit (AGE-03).")


def rights_holders(
    pupil: Pupil, guardians: Iterable[Guardian], on_date: date, policy: AgePolicy | _AgeRules
) -> RightsHolders:
    """Who exercises ``pupil``'s rights on ``on_date`` under ``policy`` (AGE-03). Pure."""
    age = age_on(pupil.birth_date, on_date)
    with_authority = frozenset(
        g.pk
        for g in guardians
        if g.has_parental_authority and (pupil.pk is None or g.pupil_id == pupil.pk)
    )
    if age < policy.joint_from_age:
        regime = Regime.GUARDIANS
    elif age < policy.child_alone_from_age:
        regime = Regime.JOINT
    else:
        regime = Regime.YOUTH
    information = age < policy.parents_information_until_age
    return RightsHolders(
        on_date=on_date,
        age=age,
        regime=regime,
        child=regime != Regime.GUARDIANS,
        guardian_ids=with_authority if regime != Regime.YOUTH else frozenset(),
        parents_have_information_right=information,
        information_guardian_ids=with_authority if information else frozenset(),
    )


def consent_givers_valid(
    pupil: Pupil,
    given_by_pupil: bool,
    given_by_guardian_ids: Iterable[int],
    on_date: date,
    *,
    guardians: Iterable[Guardian] | None = None,
    policy: AgePolicy | _AgeRules | None = None,
) -> tuple[bool, str]:
    """Do these people together give a valid consent for ``pupil`` on ``on_date`` (CON-02)?

    The set must match AGE-03 exactly, so that the consent record says who really decided:
    under 12 the guardians with authority (not the child: it is heard, AGE-04, but does not
    consent); 12 up to 16 the child and the guardians with authority; from 16 the youth alone
    (a parent's signature is then not part of the consent). "The guardians" means all of them
    with parental authority, or one of them if the policy says one suffices.
    Returns ``(ok, message)``; the message is Dutch and names no person.
    """
    from passend.pupils.models import AgePolicy

    if policy is None:
        policy = AgePolicy.current()
    guardians = list(pupil.guardians.all()) if guardians is None else list(guardians)
    if on_date < pupil.birth_date:
        return False, _("De datum van de toestemming ligt vóór de geboortedatum.")
    holders = rights_holders(pupil, guardians, on_date, policy)
    given = set(given_by_guardian_ids)
    known = {g.pk for g in guardians if pupil.pk is None or g.pupil_id == pupil.pk}
    if given - known:
        return False, _("Een opgegeven persoon is geen ouder/verzorger van deze leerling.")
    without_authority = {g.pk for g in guardians if not g.has_parental_authority}
    if given & without_authority:
        return False, _(
            "Een opgegeven ouder/verzorger heeft geen gezag en kan geen toestemming geven (AGE-03)."
        )
    age = holders.age

    if holders.regime == Regime.YOUTH:
        if given:
            return False, _(
                "De jongere is %(age)s jaar: vanaf %(limit)s jaar geeft de jongere alleen "
                "toestemming; ouders kunnen dat niet (meer) namens de jongere (AGE-03)."
            ) % {"age": age, "limit": policy.child_alone_from_age}
        if not given_by_pupil:
            return False, _(
                "De jongere is %(age)s jaar en moet zelf toestemming geven (AGE-03)."
            ) % {"age": age}
        return True, str(holders.describe())

    if holders.missing_guardians:
        return False, _(
            "Er is geen ouder/verzorger met gezag geregistreerd. Leg eerst vast wie het gezag "
            "heeft (AGE-03)."
        )
    if policy.consent_requires_all_guardians:
        guardians_ok = given == holders.guardian_ids
        guardians_missing = _("Alle ouders/verzorgers met gezag moeten toestemming geven (AGE-03).")
    else:
        guardians_ok = bool(given)
        guardians_missing = _("Een ouder/verzorger met gezag moet toestemming geven (AGE-03).")

    if holders.regime == Regime.GUARDIANS:
        if given_by_pupil:
            return False, _(
                "Het kind is %(age)s jaar: onder de %(limit)s jaar geven de ouders/verzorgers "
                "met gezag toestemming. Het kind wordt wel gehoord (AGE-03, AGE-04)."
            ) % {"age": age, "limit": policy.joint_from_age}
        if not guardians_ok:
            return False, str(guardians_missing)
        return True, str(holders.describe())

    # Regime.JOINT
    if not given_by_pupil:
        return False, _(
            "Het kind is %(age)s jaar: van %(joint)s tot %(alone)s jaar moet het kind zelf ook "
            "toestemming geven (AGE-03)."
        ) % {"age": age, "joint": policy.joint_from_age, "alone": policy.child_alone_from_age}
    if not guardians_ok:
        return False, _(
            "Het kind is %(age)s jaar: van %(joint)s tot %(alone)s jaar geven kind en ouders "
            "samen toestemming. %(missing)s"
        ) % {
            "age": age,
            "joint": policy.joint_from_age,
            "alone": policy.child_alone_from_age,
            "missing": guardians_missing,
        }
    return True, str(holders.describe())
