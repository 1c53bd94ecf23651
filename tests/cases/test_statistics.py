"""PostgreSQL's extended statistics on a participation's user and organisation (migration
cases 0005, issue 10): without them PostgreSQL expects a busy person to have a few
participations and sorts all of them for the first page of "Mijn trajecten"."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_participation_user_and_organisation_have_dependency_statistics() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.stxkind, array(SELECT a.attname FROM pg_attribute a "
            "WHERE a.attrelid = s.stxrelid AND a.attnum = ANY(s.stxkeys) ORDER BY a.attname) "
            "FROM pg_statistic_ext s WHERE s.stxname = 'cases_participant_user_org_stats' "
            "AND s.stxrelid = 'cases_participant'::regclass"
        )
        row = cursor.fetchone()
    assert row is not None
    kinds, columns = row
    assert set(kinds) == {"f", "m"}  # functional dependencies and most common values
    assert columns == ["organisation_id", "user_id"]
