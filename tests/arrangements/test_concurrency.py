"""Decision numbers are race-safe: numbering locks the counter row of (SWV, year) until the
transaction ends (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers anyway), and
unique constraints refuse a duplicate number (see test_services)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from passend.accounts.models import OrganisationKind, Sector
from passend.arrangements import services
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_numbering_locks_the_counter_row() -> None:
    swv = OrganisationFactory(name="SWV Druk", kind=OrganisationKind.SWV, sector=Sector.VO)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert services._next_number(swv.pk, 2026) == (1, "ARR-2026-0001")
    selects = [
        q["sql"] for q in queries.captured_queries if "arrangements_decisioncounter" in q["sql"]
    ]
    if connection.features.has_select_for_update:
        assert any("FOR UPDATE" in sql for sql in selects)
    with transaction.atomic():
        assert services._next_number(swv.pk, 2026) == (2, "ARR-2026-0002")
