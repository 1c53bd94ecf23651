"""The crawl of ``make bench`` keeps working, and every page a role reaches from its start page
answers without a server error on a generated region (not timed)."""

from __future__ import annotations

import pytest
from bench.crawl import ROLES, crawl, report, role_holders, signed_in_client

from passend.cases import generator

pytestmark = pytest.mark.django_db


def test_every_page_each_role_reaches_answers_without_a_server_error() -> None:
    generator.Generator(generator.SCALES["tiny"], seed=5).run()
    holders = role_holders()
    assert set(holders) == set(ROLES)
    for role, username in holders.items():
        timings = crawl(signed_in_client(username, generator.PASSWORD), max_pages=40)
        assert len(timings) >= 5, report(role, username, timings, 5)
        failed = [t for t in timings if t.status >= 500]
        assert not failed, report(role, username, timings, 0)
        assert all(t.queries > 0 for t in timings)
