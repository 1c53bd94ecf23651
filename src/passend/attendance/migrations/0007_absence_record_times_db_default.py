"""AbsenceRecord.created_at and updated_at default to the statement's time in the database as
well (issue 10): a school's first import copies its lines straight into the table without
them, two timestamps fewer per line to write and parse (docs/performance.md, session 18).
Python still sets both on every other write. Only a column default: no row is rewritten."""

import django.db.models.functions.datetime
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('attendance', '0006_absence_record_key_unique'),
    ]

    operations = [
        migrations.AlterField(
            model_name='absencerecord',
            name='created_at',
            field=models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name='absencerecord',
            name='updated_at',
            field=models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), default=django.utils.timezone.now),
        ),
    ]
