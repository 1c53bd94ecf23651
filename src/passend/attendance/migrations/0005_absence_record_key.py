"""An absence record's idempotency key becomes one 16-byte ``record_key`` (issue 10).

Before: (school, source, source_ref) in a unique index, ``source_ref`` 32 letters. After:
``record_key``, a ``uuid`` on PostgreSQL, alone in its unique index: the first 16 bytes of
SHA-256 over "<school id>|<source>|<source_ref>" (``importers.record_key``), so a record
imported before this migration keeps its identity when its school imports the same export
again. Filled here; 0006 drops ``source_ref`` and puts the constraint on the new key.
"""

import hashlib
import uuid

from django.db import migrations, models

# importers.record_key in SQL over a row's columns (PostgreSQL 11+ has sha256()).
KEY_SQL = (
    "CAST(substring(encode(sha256(convert_to(school_id::text || '|' || source || '|' || "
    "source_ref, 'UTF8')), 'hex') from 1 for 32) AS uuid)"
)


def key_of(school_id: int, source: str, source_ref: str) -> uuid.UUID:
    """importers.record_key, as of this migration (a migration does not import app code)."""
    digest = hashlib.sha256(f"{school_id}|{source}|{source_ref}".encode()).hexdigest()
    return uuid.UUID(digest[:32])


def fill(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(f"UPDATE attendance_absencerecord SET record_key = {KEY_SQL}")
        return
    record = apps.get_model("attendance", "AbsenceRecord")
    rows = record.objects.using(connection.alias).order_by("pk")
    batch = []
    for pk, school_id, source, source_ref in rows.values_list(
        "pk", "school_id", "source", "source_ref"
    ).iterator(chunk_size=5_000):
        batch.append(record(pk=pk, record_key=key_of(school_id, source, source_ref)))
        if len(batch) == 5_000:
            record.objects.using(connection.alias).bulk_update(batch, ["record_key"])
            batch = []
    record.objects.using(connection.alias).bulk_update(batch, ["record_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0004_import_content_lz4"),
    ]

    operations = [
        migrations.AddField(
            model_name="absencerecord",
            name="record_key",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
