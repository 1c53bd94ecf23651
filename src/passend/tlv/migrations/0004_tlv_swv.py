"""Tlv.swv: the SWV that issued the TLV (TLV-11), filled in from its application.

Added nullable and filled here; made required with its indexes in 0005. Two migrations because
PostgreSQL refuses to alter a table that has pending deferred foreign-key checks, which the
update of this migration leaves until its transaction ends.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_swv(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Every TLV gets the SWV of its application (one UPDATE; the column is new)."""
    Tlv = apps.get_model("tlv", "Tlv")
    TlvApplication = apps.get_model("tlv", "TlvApplication")
    Tlv.objects.update(
        swv_id=Subquery(
            TlvApplication.objects.filter(decision__tlv=OuterRef("pk")).values("swv_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("tlv", "0003_report_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="tlv",
            name="swv",
            field=models.ForeignKey(
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="accounts.organisation",
                verbose_name="afgegeven door",
            ),
        ),
        migrations.RunPython(fill_swv, migrations.RunPython.noop, elidable=False),
    ]
