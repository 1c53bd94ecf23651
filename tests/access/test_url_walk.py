"""Every route, walked by an outsider: none serves case data without the policy.

DESIGN.md privacy core 1 and ORG-04. New routes are covered automatically: the walk reads
the URLconf. A user of school A, signed in with a second factor but not involved, requests
every pattern (web and API, GET and POST) with the ids of school B's case, its participants,
consents and entries. Nothing of that case may show, and nothing may change.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from passend.access.actor import Actor
from passend.accounts.models import Membership, Role
from passend.accounts.services import issue_api_token
from passend.cases.models import Case, CaseEntry, Hearing, Participant, Phase
from passend.consent.models import Consent, LegalGround
from passend.privacy.categories import DataCategory
from passend.privacy.models import AccessLogEntry
from tests.access.helpers import add_participant, give_consent, make_case, make_pupil, record_ground
from tests.conftest import make_professional, verified_client

pytestmark = pytest.mark.django_db

SECRET_FIRST = "Zwaantje"
SECRET_LAST = "Geheimzinnig"

# Routes that hold no case data by construction (static files, language switch, health).
NO_DATA_PREFIXES = ("static/", "i18n/", "healthz")


def walk(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in resolver.url_patterns:
        # Regex routes (DRF routers) carry their own anchors; strip them when joining.
        part = str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            yield from walk(entry, prefix + part)
        elif isinstance(entry, URLPattern):
            yield prefix + part, entry


def concrete_urls(pattern: str, ids: list[int]) -> Iterator[str]:
    """Fills converters: each int parameter with each candidate id, others with a dummy."""
    pattern = pattern.lstrip("^").rstrip("$")
    if pattern.startswith(NO_DATA_PREFIXES) or "(?P<format>" in pattern or "\\.(?P" in pattern:
        return
    params = re.findall(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>[^)]*\)", pattern)
    if not params:
        yield "/" + pattern
        return
    for value in ids:
        # Every regex group (DRF routers) and every int converter gets the candidate id.
        url = re.sub(r"<int:\w+>|<pk>|\(\?P<\w+>[^)]*\)", str(value), pattern)
        url = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000000", url)
        url = re.sub(r"<(?:\w+:)?\w+>|\(\?P<\w+>[^)]*\)", "x", url)
        yield "/" + url.replace("\\", "")


@pytest.fixture
def school_b_case(region: dict[str, Any], coordinator_b: Any) -> dict[str, Any]:
    membership_b = Membership.objects.get(user=coordinator_b)
    pupil = make_pupil(
        region["school_b"],
        first_name=SECRET_FIRST,
        last_name=SECRET_LAST,
        birth_date=dt.date(2011, 3, 4),
    )
    case = make_case(membership_b, pupil=pupil, phase=Phase.ASSESSMENT)
    swv_staff = make_professional(region["swv"], Role.ECT_MEMBER, username="ect-walk")
    participant = add_participant(case, Membership.objects.get(user=swv_staff), Phase.ASSESSMENT)
    consent = give_consent(case, [region["swv"]], [DataCategory.ORDINARY], coordinator_b)
    ground = record_ground(
        case, region["swv"], "extra_support", [DataCategory.BEHAVIOUR], coordinator_b
    )
    entry = CaseEntry.objects.create(
        case=case,
        category=DataCategory.BEHAVIOUR,
        supplied_by=region["school_b"],
        phase=Phase.ASSESSMENT,
        title=f"Observatie {SECRET_LAST}",
        body=f"{SECRET_FIRST} werkt beter in kleine groepjes.",
        recorded_by=coordinator_b,
    )
    hearing = Hearing.objects.create(
        case=case,
        heard_on=dt.date(2026, 2, 1),
        heard_by="IB",
        child_view="Wil blijven.",
        recorded_by=coordinator_b,
    )
    ids = sorted(
        {
            case.pk,
            participant.pk,
            consent.pk,
            ground.pk,
            entry.pk,
            hearing.pk,
            pupil.pk,
            pupil.guardians.first().pk,
        }
    )
    return {"case": case, "pupil": pupil, "ids": ids}


def snapshot() -> tuple[Any, ...]:
    return (
        list(Case.objects.order_by("pk").values_list("pk", "phase", "version", "case_director_id")),
        Participant.objects.filter(ended_at__isnull=True).count(),
        Participant.objects.count(),
        list(Consent.objects.order_by("pk").values_list("pk", "revoked_at")),
        LegalGround.objects.count(),
        CaseEntry.objects.count(),
        Hearing.objects.count(),
    )


def assert_no_leak(response: Any, url: str, method: str, case: Case) -> None:
    body = response.content.decode(errors="replace") if hasattr(response, "content") else ""
    for secret in (SECRET_FIRST, SECRET_LAST, case.pseudonym):
        assert secret not in body, (
            f"{method} {url} leaked {secret!r} (status {response.status_code})"
        )
    location = response.get("Location", "")
    assert SECRET_LAST not in location, f"{method} {url} leaked data in a redirect"


def test_org_04_outsider_gets_nothing_from_any_route(
    school_b_case: dict[str, Any], coordinator_a: Any
) -> None:
    web = verified_client(coordinator_a)
    membership_a = Membership.objects.get(user=coordinator_a)
    _token, raw = issue_api_token(Actor.for_membership(membership_a).context, membership_a)
    api = Client(HTTP_AUTHORIZATION=f"Token {raw}")
    case = school_b_case["case"]
    before = snapshot()
    walked = 0
    for pattern, _entry in walk(get_resolver()):
        for url in concrete_urls(pattern, school_b_case["ids"]):
            client = api if url.startswith("/api/") else web
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                walked += 1
                assert response.status_code < 500, (
                    f"{method.upper()} {url} -> {response.status_code}"
                )
                assert_no_leak(response, url, method.upper(), case)
    assert walked > 10
    assert snapshot() == before, "an outsider's request changed case data"


def test_org_04_denied_case_access_is_logged(
    school_b_case: dict[str, Any], coordinator_a: Any
) -> None:
    from django.urls import reverse

    url = reverse("cases:detail", args=[school_b_case["case"].pk])
    response = verified_client(coordinator_a).get(url)
    assert response.status_code == 404
    denied = AccessLogEntry.objects.filter(
        outcome="denied", object_type="cases.case", object_id=str(school_b_case["case"].pk)
    )
    assert denied.filter(actor=coordinator_a).exists()


def test_walk_reaches_case_routes_when_installed() -> None:
    """Guards the walker itself: it must generate concrete URLs for int-parameter routes."""
    urls = list(concrete_urls("trajecten/<int:case_id>/deelnemers/<int:pk>/einde/", [7]))
    assert urls == ["/trajecten/7/deelnemers/7/einde/"]
    router = list(
        concrete_urls("api/v1/cases/(?P<pk>[^/.]+)/consents/(?P<consent_id>[^/.]+)/revoke/", [3])
    )
    assert router == ["/api/v1/cases/3/consents/3/revoke/"]
    assert list(itertools.islice(concrete_urls("static/<path:p>", [1]), 1)) == []
