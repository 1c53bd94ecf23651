"""Participant.case_opened_at: a copy of the case's opened_at, so a person's case list reads its
page in order from one index (issue 10). Filled from the cases in one statement."""

from django.db import migrations, models


def _fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Participant = apps.get_model("cases", "Participant")
    Case = apps.get_model("cases", "Case")
    Participant.objects.update(
        case_opened_at=models.Subquery(
            Case.objects.filter(pk=models.OuterRef("case_id")).values("opened_at")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_active_participations_by_user_and_organisation"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="case_opened_at",
            field=models.DateTimeField(
                editable=False, null=True, verbose_name="traject geopend op"
            ),
        ),
        migrations.RunPython(_fill, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="participant",
            name="case_opened_at",
            field=models.DateTimeField(editable=False, verbose_name="traject geopend op"),
        ),
        migrations.RemoveIndex(
            model_name="participant",
            name="participant_user_org_active",
        ),
        migrations.AddIndex(
            model_name="participant",
            index=models.Index(
                condition=models.Q(("ended_at__isnull", True)),
                fields=["user", "organisation", "-case_opened_at", "-case"],
                name="participant_user_org_recent",
            ),
        ),
    ]
