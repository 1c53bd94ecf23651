"""The anomaly reports' time windows read from their actions' own indexes (issue 10, session 22).

The FG's anomaly page counts failed logins per hour and reads of files per person and hour over
the last 7 days. With an index on the time of every entry, PostgreSQL read every entry of the
week (1.5 million on the large region after a benchmark run) to keep the few it wanted: 0.44 s
for the failed logins, 0.62 s for the reads. Two partial indexes hold only those actions'
entries, by time: 0.15 ms and about 45 ms. They replace the time's own index, which had no
other query; a list page's 50 entries are written to neither (1 million inserts of a mix with
a third reads and failed logins: 3.18 s with the time's index, 2.97-2.99 s with these).
"""

from django.db import migrations, models

TABLE = "privacy_accesslogentry"


def _old_name(schema_editor):
    # The name Django gave the field index (db_index=True) when the table was created.
    return schema_editor._create_index_name(TABLE, ["occurred_at"], suffix="")


def drop_time_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(_old_name(schema_editor))}")


def create_time_index(apps, schema_editor):
    qn = schema_editor.quote_name
    schema_editor.execute(f"CREATE INDEX {qn(_old_name(schema_editor))} ON {qn(TABLE)} ({qn('occurred_at')})")


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0007_access_log_intake_form_index"),
    ]

    operations = [
        # The field's index dropped by name: an AlterField would rebuild the log on SQLite.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="accesslogentry",
                    name="occurred_at",
                    field=models.DateTimeField(verbose_name="tijdstip (UTC)"),
                ),
            ],
            database_operations=[migrations.RunPython(drop_time_index, create_time_index)],
        ),
        migrations.AddIndex(
            model_name="accesslogentry",
            index=models.Index(
                condition=models.Q(("action", "login_failed")),
                fields=["occurred_at"],
                name="accesslog_failed_logins",
            ),
        ),
        migrations.AddIndex(
            model_name="accesslogentry",
            index=models.Index(
                condition=models.Q(("action__in", ("view", "download", "read", "preview"))),
                fields=["occurred_at"],
                name="accesslog_reads",
            ),
        ),
    ]
