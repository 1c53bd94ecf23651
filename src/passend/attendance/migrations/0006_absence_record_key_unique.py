"""``record_key`` (filled by 0005) becomes the only idempotency key; ``source_ref`` goes.

Not reversible: the old keys cannot be recomputed from their hashes.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0005_absence_record_key"),
    ]

    operations = [
        # No reverse code: Django refuses to migrate back past this point.
        migrations.RunPython(migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="absencerecord",
            name="absence_unique_source_ref",
        ),
        migrations.RemoveField(
            model_name="absencerecord",
            name="source_ref",
        ),
        migrations.AlterField(
            model_name="absencerecord",
            name="record_key",
            field=models.UUIDField(editable=False),
        ),
        migrations.AddConstraint(
            model_name="absencerecord",
            constraint=models.UniqueConstraint(
                fields=("record_key",), name="absence_unique_record_key"
            ),
        ),
    ]
