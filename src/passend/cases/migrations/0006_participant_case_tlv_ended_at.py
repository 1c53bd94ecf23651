"""Participant.case_tlv_ended_at: when the case's TLV application ended (decided or
withdrawn), so that the start page's TLV work reads a person's undecided applications from one
partial index instead of every participation (issue 10). Empty here; the TLV app's migration
``tlv/0007`` fills it where the application has ended."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_participant_user_org_statistics"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="case_tlv_ended_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="TLV-aanvraag afgerond op"
            ),
        ),
        migrations.AddIndex(
            model_name="participant",
            index=models.Index(
                condition=models.Q(
                    ("case_tlv_ended_at__isnull", True), ("ended_at__isnull", True)
                ),
                fields=["user", "organisation", "case"],
                name="participant_user_org_tlv_open",
            ),
        ),
    ]
