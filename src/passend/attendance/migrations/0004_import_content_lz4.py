"""The stored upload of an absence import (``AbsenceImport.content``, up to 70 MB) is compressed
with lz4 instead of PostgreSQL's default pglz: storing a million lines takes about half as
long (docs/performance.md, session 6). Only where the server was built with lz4; elsewhere (and
on SQLite) nothing changes. A column's compression applies to values written after it is set.
"""

from django.db import migrations

_SUPPORTED = (
    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
)


def _set_compression(method: str):
    def apply(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(_SUPPORTED)
            row = cursor.fetchone()
        if not (row and row[0]):
            return
        table = apps.get_model("attendance", "AbsenceImport")._meta.db_table
        schema_editor.execute(
            f"ALTER TABLE {schema_editor.quote_name(table)} "
            f"ALTER COLUMN content SET COMPRESSION {method}"
        )

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0003_bulk_table_without_db_constraints"),
    ]

    operations = [
        migrations.RunPython(_set_compression("lz4"), _set_compression("pglz")),
    ]
