from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("tlv", "0004_tlv_swv"),
    ]

    operations = [
        migrations.AlterField(
            model_name="tlv",
            name="swv",
            field=models.ForeignKey(
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="accounts.organisation",
                verbose_name="afgegeven door",
            ),
        ),
        migrations.AddIndex(
            model_name="tlv",
            index=models.Index(fields=["swv", "start_date"], name="tlv_swv_start"),
        ),
        migrations.AddIndex(
            model_name="tlv",
            index=models.Index(fields=["swv", "end_date"], name="tlv_swv_end"),
        ),
    ]
