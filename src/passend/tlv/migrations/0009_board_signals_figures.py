"""Two more figures per submitted application, for the SWV's signals about school boards
(TLV-12; issue 10, session 37): whether an "onvolledig" letter was sent and whether the
decision was negative. Filled by the computation that keeps them in step."""

from django.db import migrations, models


def _fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    # As tlv 0008: ``tlv.report_figures`` on this migration's historical models.
    from passend.tlv.report_figures import refresh_submitted

    refresh_submitted(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('tlv', '0008_application_figures'),
    ]

    operations = [
        migrations.AddField(
            model_name='applicationfigures',
            name='incomplete_letter',
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.AddField(
            model_name='applicationfigures',
            name='negative_decision',
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.RunPython(_fill, migrations.RunPython.noop, elidable=True),
    ]
