"""Participations of cases whose TLV application is decided or withdrawn: ``case_tlv_ended_at``
(``cases/0006``) from the application's last change, in one statement; nothing of such an
application waits on anyone any more (issue 10)."""

from django.db import migrations
from django.db.models import Exists, OuterRef, Subquery


def _fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Participant = apps.get_model("cases", "Participant")
    TlvApplication = apps.get_model("tlv", "TlvApplication")
    ended = TlvApplication.objects.filter(
        case_id=OuterRef("case_id"), status__in=["decided", "withdrawn"]
    )
    Participant.objects.filter(Exists(ended)).update(
        case_tlv_ended_at=Subquery(ended.values("updated_at")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_participant_case_tlv_ended_at"),
        ("tlv", "0006_application_case_status"),
    ]

    operations = [
        migrations.RunPython(_fill, migrations.RunPython.noop, elidable=True),
    ]
