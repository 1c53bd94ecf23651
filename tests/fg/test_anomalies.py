"""The anomaly reports read their window of the access log by action, never the whole log
(issue 10: the log is never purged; a scan of it grows with its years, the window does not)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from passend.fg import anomalies
from passend.statements import planned

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL plan"),
]


def test_anomaly_reports_read_the_window_from_their_actions_indexes(region: Any) -> None:
    with CaptureQueriesContext(connection) as captured:
        assert anomalies.failed_login_spikes() == []
        assert anomalies.bulk_readers() == []
    sql = [q["sql"] for q in captured.captured_queries]
    reports = [s for s in sql if "privacy_accesslogentry" in s]
    assert len(reports) == 2
    # Each report under its planner setting (set before it; inside the test's transaction
    # also written back after it).
    settings_before = [i for i, s in enumerate(sql) if "enable_seqscan" in s]
    report_at = [i for i, s in enumerate(sql) if "privacy_accesslogentry" in s]
    assert all(any(b < r for b in settings_before) for r in report_at)
    assert len(settings_before) >= 2
    with planned(**anomalies._WINDOW_PLAN), connection.cursor() as cursor:
        for report, index in zip(
            reports, ["accesslog_failed_logins", "accesslog_reads"], strict=True
        ):
            cursor.execute(f"EXPLAIN {report}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert index in plan, plan
            assert "Seq Scan on privacy_accesslogentry" not in plan, plan
