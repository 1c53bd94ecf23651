"""A user acts for one organisation in one role at a time (ORG-02)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from passend.accounts.middleware import SESSION_MEMBERSHIP
from passend.accounts.models import Membership, Role
from passend.privacy.models import AccessLogEntry
from tests.conftest import make_professional, verified_client
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_hats(region: dict[str, Any]) -> Any:
    user = make_professional(region["school_a"], Role.SUPPORT_COORDINATOR, username="two-hats")
    MembershipFactory(user=user, organisation=region["swv"], role=Role.ECT_MEMBER)
    return user


def _membership(user: Any, organisation: Any) -> Membership:
    return Membership.objects.get(user=user, organisation=organisation)


def test_org02_two_memberships_must_choose_and_header_shows_choice(
    two_hats: Any, region: dict[str, Any]
) -> None:
    client = verified_client(two_hats)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:choose_membership") + "?next=%2F"

    page = client.get(response["Location"])
    assert "School A" in page.content.decode()
    assert "SWV VO Test" in page.content.decode()

    chosen = _membership(two_hats, region["swv"])
    response = client.post(
        reverse("accounts:choose_membership"), {"membership": chosen.pk, "next": "/"}
    )
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert home.context["acting_membership"] == chosen
    header = home.content.decode().split("</header>")[0]
    assert "SWV VO Test" in header
    assert "School A" not in header

    entry = AccessLogEntry.objects.get(action="membership_chosen")
    assert (entry.organisation_id, entry.role) == (region["swv"].pk, Role.ECT_MEMBER)


def test_org02_cannot_choose_someone_elses_or_an_ended_membership(
    two_hats: Any, region: dict[str, Any]
) -> None:
    other = make_professional(region["school_b"], Role.SUPPORT_COORDINATOR, username="other")
    ended = _membership(two_hats, region["swv"])
    ended.valid_until = timezone.localdate() - datetime.timedelta(days=1)
    ended.save()
    client = verified_client(two_hats)
    for pk in (_membership(other, region["school_b"]).pk, ended.pk):
        response = client.post(reverse("accounts:choose_membership"), {"membership": pk})
        assert response.status_code == 200
        assert "membership" in response.context["form"].errors
    assert (
        SESSION_MEMBERSHIP not in client.session
        or client.session[SESSION_MEMBERSHIP] == _membership(two_hats, region["school_a"]).pk
    )


def test_org02_ended_membership_takes_effect_on_the_next_request(
    two_hats: Any, region: dict[str, Any]
) -> None:
    client = verified_client(two_hats)
    chosen = _membership(two_hats, region["swv"])
    client.post(reverse("accounts:choose_membership"), {"membership": chosen.pk})
    assert client.get("/").context["acting_membership"] == chosen

    # The functional administrator ends the membership while the session is open.
    chosen.is_active = False
    chosen.save()
    home = client.get("/")
    assert home.status_code == 200
    assert home.context["acting_membership"] == _membership(two_hats, region["school_a"])
    assert "SWV VO Test" not in home.content.decode().split("</header>")[0]

    # The last one ends by date: nothing but the "no membership" page is left.
    last = _membership(two_hats, region["school_a"])
    last.valid_until = timezone.localdate() - datetime.timedelta(days=1)
    last.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:choose_membership"))
    page = client.get(response["Location"])
    assert "geen actief lidmaatschap" in page.content.decode()
    assert page.context["acting_membership"] is None


def test_org02_inactive_organisation_ends_membership(region: dict[str, Any]) -> None:
    user = make_professional(region["school_b"], Role.SUPPORT_COORDINATOR, username="closing")
    client = verified_client(user)
    assert client.get("/").status_code == 200
    region["school_b"].is_active = False
    region["school_b"].save()
    assert client.get("/")["Location"].startswith(reverse("accounts:choose_membership"))


def test_org02_user_without_membership_reaches_no_page() -> None:
    user = UserFactory(username="no-membership")
    client = verified_client(user)
    response = client.get("/")
    assert response["Location"].startswith(reverse("accounts:choose_membership"))
    # Managing one's own second factor needs no membership.
    assert client.get(reverse("accounts:security")).status_code == 200
