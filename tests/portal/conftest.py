"""Fixtures for the portal: families with e-mail addresses, and a helper that signs in."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from passend.accounts.models import Membership, Role
from passend.cases.models import CaseEntry, Phase
from passend.privacy.categories import DataCategory
from passend.pupils.models import Guardian
from tests.access.helpers import add_participant, give_consent, make_case, make_pupil
from tests.conftest import make_professional

TODAY = dt.date.today()


def born_years_ago(years: int, days: int = 30) -> dt.date:
    """A birth date that makes the pupil ``years`` old today (a month past the birthday)."""
    return dt.date(TODAY.year - years, TODAY.month, 1) - dt.timedelta(days=days)


def request_link(client: Client, email: str) -> tuple[Any, str | None, str]:
    """Step 1: returns the response, the token from the e-mail (if one was sent), the code."""
    before = len(mail.outbox)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the e-mail goes out on commit
        response = client.post(reverse("portal:sign_in"), {"email": email})
    token = None
    if len(mail.outbox) > before:
        found = re.search(r"/portaal/inloggen/link/([^/\s]+)/", mail.outbox[-1].body)
        token = found.group(1) if found else None
    code = response.context["code"].replace(" ", "") if response.context else ""
    return response, token, code


def portal_client(email: str) -> Client:
    client = Client()
    _response, token, code = request_link(client, email)
    assert token is not None, "no sign-in e-mail was sent"
    done = client.post(reverse("portal:link", args=[token]), {"code": code})
    assert done.status_code == 302 and done["Location"] == reverse("portal:overview")
    return client


@pytest.fixture
def family(region: dict[str, Any], coordinator_a: Any) -> dict[str, Any]:
    """A child of 10 (parents decide), a child of 14 (joint) and a youth of 17 (alone),
    each with a case at school A; ECT of the SWV takes part on consent."""
    membership = Membership.objects.get(user=coordinator_a)
    ect = make_professional(region["swv"], Role.ECT_MEMBER, username="ect-portal")
    ect_membership = Membership.objects.get(user=ect)

    def pupil_with_case(first: str, age: int, guardian_email: str) -> dict[str, Any]:
        pupil = make_pupil(
            region["school_a"],
            first_name=first,
            last_name="Portaaltest",
            birth_date=born_years_ago(age),
        )
        guardian = pupil.guardians.get()
        guardian.email = guardian_email
        guardian.save()
        case = make_case(membership, pupil=pupil, phase=Phase.ASSESSMENT)
        add_participant(case, ect_membership, Phase.ASSESSMENT)
        consent = give_consent(
            case, [region["swv"]], [DataCategory.ORDINARY, DataCategory.HEALTH], coordinator_a
        )
        consent.given_by_guardians.set([guardian])
        entry = CaseEntry.objects.create(
            case=case,
            category=DataCategory.ORDINARY,
            supplied_by=region["school_a"],
            phase=Phase.ASSESSMENT,
            title=f"Leerlingbespreking {first}",
            body="Inhoud die het portaal niet toont.",
            recorded_by=coordinator_a,
        )
        return {
            "pupil": pupil,
            "guardian": guardian,
            "case": case,
            "consent": consent,
            "entry": entry,
        }

    child = pupil_with_case("Kleintje", 10, "ouder.klein@example.org")
    teen = pupil_with_case("Tiener", 14, "ouder.tiener@example.org")
    youth = pupil_with_case("Zestien", 17, "ouder.jongere@example.org")
    youth["pupil"].email = "jongere@example.org"
    youth["pupil"].save()
    teen["pupil"].email = "tiener@example.org"
    teen["pupil"].save()
    other = pupil_with_case("Anderkind", 9, "andere.ouder@example.org")
    return {
        "child": child,
        "teen": teen,
        "youth": youth,
        "other": other,
        "ect": ect,
        "coordinator": coordinator_a,
        "region": region,
    }


def add_guardian(pupil: Any, email: str, *, authority: bool = True) -> Guardian:
    return Guardian.objects.create(
        pupil=pupil,
        first_name="Tweede",
        last_name="Portaaltest",
        relation="father",
        has_parental_authority=authority,
        email=email,
    )
