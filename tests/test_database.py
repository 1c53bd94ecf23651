"""The database connection as production runs it (settings.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from passend.cases.models import Case

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
def test_a_query_a_connection_repeats_is_prepared_once() -> None:
    """Issue 10, session 14: PostgreSQL parses and plans a repeated query once per connection
    (planning was a third to two thirds of its time per page); parameters are bound by the
    server, so the text is the same whatever the values."""
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    assert connection.features.uses_server_side_binding
    assert threshold == 2
    for pk in range(threshold + 1):  # other values each time: still the same statement
        Case.objects.filter(pk=pk, title="x").exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "cases_case" WHERE ("cases_case"."id" = $_ AND "cases_case"."title" = $_)%'],
        )
        assert cursor.fetchone()[0] == 1
