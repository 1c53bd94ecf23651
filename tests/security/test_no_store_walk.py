"""Check 11 of issue 11, as seen by the people who *may* see the data.

The authorisation matrix (``test_authorisation_matrix.py``) checks every answer an outsider
gets. Here the owners walk their own data: each demo user who owns one of the world's cases
(a school, the SWV, the CvA, the municipality, a youth-care partner) requests every GET route
of the URLconf and every GET operation of the API, filled with the ids of their own case and
its child rows. Every answer must carry ``Cache-Control: no-store`` (a shared or browser cache
must never keep a page with personal data), no HTML page may load anything from another host,
and nothing answers 5xx (redirects and refusals are checked the same way by the matrix). The walk must really reach pages with personal data: the test counts
the answers that show the owner's pupil or case text, and fails when there are too few.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from passend.accounts.models import Membership, User
from tests.conftest import verified_client
from tests.security.test_authorisation_matrix import api_client_for, page_problems, requests_for
from tests.security.world import OWN_CASES, World, build_world

pytestmark = pytest.mark.django_db

MIN_PERSONAL_PAGES = 20
NO_PERSONAL_DATA = ("/api/v1/schema/", "/api/v1/docs/")


@pytest.fixture
def world(region: Any) -> World:
    return build_world()


def test_prv08_every_page_with_personal_data_is_no_store_and_first_party(world: World) -> None:
    failures: list[str] = []
    personal = 0
    sent = 0
    answered: set[str] = set()
    misses: Counter[str] = Counter()
    for (_org, username, *_rest), case_id in zip(OWN_CASES, world.own_case_ids, strict=True):
        user = User.objects.get(username=username)
        web, api = verified_client(user), api_client_for(user)
        memberships = list(Membership.objects.filter(user=user).order_by("pk"))
        assert memberships, username
        own = {text for text in world.case_secrets.get(case_id, {})}
        own |= {t for t, what in world.secrets.items() if what.startswith("name of pupil")}
        probe_world = world.sliced([case_id], extra_ids=0, per_model=1)
        for _method, url in requests_for(probe_world, admin=False, methods=("get",)):
            shape = re.sub(r"\d+", "N", url)
            if shape in answered or misses[shape] >= 2 or url.startswith(NO_PERSONAL_DATA):
                continue  # one owner's 200 per route shape is enough: the header is global
            client = api if url.startswith("/api/") else web
            response = client.get(url)
            sent += 1
            who = f"{username} GET {url} -> {response.status_code}"
            if response.status_code >= 500:
                failures.append(f"{who}: server error")
                continue
            failures += [f"{who}: {problem}" for problem in page_problems(response, url)]
            if response.status_code in (200, 405):  # 405: the route, not the data, decides
                answered.add(shape)
            elif response.status_code == 404:  # not this owner's kind of case; two tries
                misses[shape] += 1
            if response.status_code == 200 and not response.streaming:
                body = response.content.decode(errors="replace")
                if any(text in body for text in own):
                    personal += 1
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures[:40])
    assert sent > 150, f"the walk sent only {sent} requests"
    assert personal >= MIN_PERSONAL_PAGES, (
        f"only {personal} answers showed the owners' own data: the walk does not reach the "
        "pages it should check"
    )
