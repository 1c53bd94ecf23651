"""attendance 0005 (issue 10): records stored before the single ``record_key`` get the key the
importer computes, so a school's next import of the same export finds them again instead of
adding every line a second time. attendance 0010: that key becomes the primary key, and the
findings keep their evidence."""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from passend.attendance import importers
from passend.attendance.models import ReportableAbsence
from tests.access.helpers import make_pupil
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("passend.attendance.migrations.0005_absence_record_key")

STORED = [
    (7, "magister", importers.hash_ref("R1")),
    (7, "somtoday", importers.hash_ref("R1")),
    (1234567, "parnassys", importers.hash_ref("Absentie 2026/1")),
    (3, "manual", "ghijklmnopghijklmnopghijklmnopgh"),  # a key typed by hand before 0005
]


@pytest.mark.parametrize(("school_id", "source", "source_ref"), STORED)
def test_the_migrations_key_is_the_importers_key(
    school_id: int, source: str, source_ref: str
) -> None:
    expected = uuid.UUID(importers.record_key(school_id, source, source_ref))
    assert migration.key_of(school_id, source, source_ref) == expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL fill: PostgreSQL")
def test_the_migrations_sql_gives_the_importers_key() -> None:
    rows = ", ".join(["(%s::bigint, %s::varchar, %s::varchar)"] * len(STORED))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {migration.KEY_SQL} FROM (VALUES {rows}) AS v(school_id, source, source_ref)",  # noqa: S608
            [value for row in STORED for value in row],
        )
        keys = [key for (key,) in cursor.fetchall()]
    assert keys == [uuid.UUID(importers.record_key(*row)) for row in STORED]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_0010_keeps_each_findings_evidence_when_the_key_becomes_the_primary_key() -> None:
    """attendance 0010 (issue 10): ``record_key`` replaces ``id`` as the absence records'
    primary key. The meldplichtig findings' evidence pointed at ``id``; after the migration
    each finding holds the same records (by key), and back again when it is reversed."""
    school = OrganisationFactory()
    pupil = make_pupil(school)
    before = [("attendance", "0009_absence_index_without_school")]
    after = [("attendance", "0010_absence_record_key_primary")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = MigrationExecutor(connection).loader.project_state(before).apps
        record_model = old.get_model("attendance", "AbsenceRecord")
        finding_model = old.get_model("attendance", "ReportableAbsence")
        keys = [uuid.uuid4() for _ in range(4)]
        records = [
            record_model.objects.create(
                school_id=school.pk,
                pupil_id=pupil.pk,
                source="magister",
                record_key=key,
                date=dt.date(2026, 11, 2 + n),
                hours=Decimal("2.00"),
                kind="unauthorised",
            )
            for n, key in enumerate(keys)
        ]
        findings = [
            finding_model.objects.create(
                school_id=school.pk,
                pupil_id=pupil.pk,
                reason=reason,
                window_start=dt.date(2026, 11, 2),
                trigger_date=dt.date(2026, 11, 5),
                unauthorised_hours=Decimal("8.00"),
            )
            for reason in ("sixteen_hours", "long_term", "other")
        ]
        findings[0].evidence.set(records[:3])
        findings[1].evidence.set(records[2:])
        # The third finding has no evidence.
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        evidence = {
            finding.pk: {record.pk for record in finding.evidence.all()}
            for finding in ReportableAbsence.objects.filter(pk__in=[f.pk for f in findings])
        }
        assert evidence == {
            findings[0].pk: set(keys[:3]),
            findings[1].pk: set(keys[2:]),
            findings[2].pk: set(),
        }
        # Reversed: the same links by the old ids.
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before).apps
        finding_model = old.get_model("attendance", "ReportableAbsence")
        reversed_evidence = {
            finding.pk: {record.record_key for record in finding.evidence.all()}
            for finding in finding_model.objects.filter(pk__in=[f.pk for f in findings])
        }
        assert reversed_evidence == evidence
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
