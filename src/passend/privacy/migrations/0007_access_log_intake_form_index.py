"""The access log's object index holds only intake forms' entries (issue 10, session 15).

Its one query is an intake form's refused submissions (``intake.services._rate_limited``).
Every other entry, a list page's 50 included, was written to it for nothing: 0.15 ms of
PostgreSQL's time per list page of 50 entries.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0006_access_log_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="accesslogentry",
            name="accesslog_object",
        ),
        migrations.AddIndex(
            model_name="accesslogentry",
            index=models.Index(
                condition=models.Q(("object_type", "intake.intakeform")),
                fields=["object_id"],
                name="accesslog_intakeform",
            ),
        ),
    ]
