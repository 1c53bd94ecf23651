"""The absence record's ``record_key`` becomes its primary key; the ``id`` column goes.

Every imported line paid for a value from the identity sequence and an entry in the primary
key's index besides the key's own unique index: about 1.1 s of PostgreSQL's time for a
million lines (COPY in ``psql``, docs/performance.md, session 29).

The meldplichtig findings' evidence (a many-to-many table) pointed at ``id``; it is carried
over by key: read out into a temporary column, the table dropped and made again for the new
key, and filled back. The same steps run in reverse.
"""

import uuid
from typing import Any

from django.db import migrations, models


def evidence_out(apps: Any, schema_editor: Any) -> None:
    """Each finding's evidence as the records' keys (text), before the table goes."""
    finding_model = apps.get_model("attendance", "ReportableAbsence")
    through = finding_model.evidence.through
    keys: dict[int, list[str]] = {}
    for finding_id, key in through.objects.values_list(
        "reportableabsence_id", "absencerecord__record_key"
    ).order_by("pk"):
        keys.setdefault(finding_id, []).append(str(key))
    # Not ``pk__in=keys``: a region's findings can be more than SQLite takes in one statement.
    findings = [f for f in finding_model.objects.only("pk").iterator() if f.pk in keys]
    for finding in findings:
        finding.evidence_keys = keys[finding.pk]
    finding_model.objects.bulk_update(findings, ["evidence_keys"], batch_size=500)


def evidence_in(apps: Any, schema_editor: Any) -> None:
    """The evidence back into the new table, by the records' keys (now or again the link)."""
    finding_model = apps.get_model("attendance", "ReportableAbsence")
    record_model = apps.get_model("attendance", "AbsenceRecord")
    through = finding_model.evidence.through
    links = [
        (finding_id, uuid.UUID(key))
        for finding_id, keys in finding_model.objects.values_list("pk", "evidence_keys")
        for key in keys
    ]
    # The record's pk by key (the key itself after the migration, the old id when reversed),
    # looked up in chunks: a region's evidence can be more keys than SQLite takes at once.
    wanted = sorted({key for _, key in links})
    record_pk: dict[uuid.UUID, Any] = {}
    for start in range(0, len(wanted), 5000):
        record_pk.update(
            record_model.objects.filter(record_key__in=wanted[start : start + 5000]).values_list(
                "record_key", "pk"
            )
        )
    through.objects.bulk_create(
        [
            through(reportableabsence_id=finding_id, absencerecord_id=record_pk[key])
            for finding_id, key in links
            if key in record_pk
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0009_absence_index_without_school"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportableabsence",
            name="evidence_keys",
            field=models.JSONField(default=list),
        ),
        migrations.RunPython(evidence_out, evidence_in),
        migrations.RemoveField(model_name="reportableabsence", name="evidence"),
        migrations.AlterModelOptions(
            name="absencerecord",
            options={
                "ordering": ["date", "start_time", "pk"],
                "verbose_name": "verzuimregistratie",
                "verbose_name_plural": "verzuimregistraties",
            },
        ),
        migrations.RemoveConstraint(
            model_name="absencerecord",
            name="absence_unique_record_key",
        ),
        migrations.RemoveField(model_name="absencerecord", name="id"),
        migrations.AlterField(
            model_name="absencerecord",
            name="record_key",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, primary_key=True, serialize=False
            ),
        ),
        migrations.AddField(
            model_name="reportableabsence",
            name="evidence",
            field=models.ManyToManyField(
                blank=True, related_name="+", to="attendance.absencerecord"
            ),
        ),
        migrations.RunPython(evidence_in, evidence_out),
        migrations.RemoveField(model_name="reportableabsence", name="evidence_keys"),
    ]
