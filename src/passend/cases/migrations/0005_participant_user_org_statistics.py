"""PostgreSQL: extended statistics on a participation's user and organisation (issue 10).

A participation's organisation is the one its user acts for, so the two columns depend on each
other. Without these statistics PostgreSQL multiplies their selectivities and expects 22 of the
busiest coordinator's 1,415 active participations; it then sorted all of them for the first
page of "Mijn trajecten" (6.9 ms) instead of reading 51 entries in order from
``participant_user_org_recent`` (0.39 ms). The estimate depended on ANALYZE's sample, so the
plan changed from one analysis to the next (docs/performance.md, session 11). Other databases:
nothing to do.
"""

from django.db import migrations

STATISTICS = "cases_participant_user_org_stats"


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (dependencies, mcv) "
        "ON user_id, organisation_id FROM cases_participant"
    )
    schema_editor.execute("ANALYZE cases_participant")


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_participant_case_opened_at")]

    operations = [migrations.RunPython(_create, _drop, elidable=False)]
