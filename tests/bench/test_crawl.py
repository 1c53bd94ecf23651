"""The crawl of ``make bench`` keeps working, and every page a role reaches from its start page
answers without a server error on a generated region (not timed)."""

from __future__ import annotations

from typing import Any

import pytest
from bench.crawl import ROLES, crawl, replanned, report, role_holders, signed_in_client
from django.db import connection

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


def _signed_in_coordinator() -> Any:
    """A test client of a tiny region's busiest support coordinator, signed in."""
    generator.Generator(generator.SCALES["tiny"], seed=5).run()
    username = role_holders(("support_coordinator",))["support_coordinator"]
    return signed_in_client(username, generator.PASSWORD)


def _plan_cache_mode(mode: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET plan_cache_mode = {mode}")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan cache")
def test_replanned_lists_the_statements_planned_at_every_request_and_only_those() -> None:
    client = _signed_in_coordinator()
    timings = crawl(client, max_pages=3)
    try:
        # Planned for their values at every execution: what ``replanned`` is to find.
        _plan_cache_mode("force_custom_plan")
        every_time = replanned(client, timings, repeat=4)
        # A generic plan kept: nothing to report.
        _plan_cache_mode("force_generic_plan")
        kept = replanned(client, timings, repeat=4)
    finally:
        _plan_cache_mode("auto")
    assert every_time
    assert {found.path for found in every_time} <= {t.path for t in timings}
    assert all(found.custom_plans >= 3 for found in every_time)
    assert any(found.statement.startswith("SELECT") for found in every_time)
    assert kept == []


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the other databases")
def test_replanned_is_empty_where_there_is_no_plan_cache_to_read() -> None:
    client = _signed_in_coordinator()
    assert replanned(client, crawl(client, max_pages=2), repeat=2) == []
