"""The access log is sealed in blocks after commit instead of hash-chained per entry inside
every writer's transaction (issue 10: the chain lock serialised every request).

Existing entries are first checked against their per-entry chain (a broken chain stops the
migration: it must not be laundered into valid seals), then sealed into blocks of 10,000 in id
order, and the per-entry hash columns are dropped. The seal table is append-only like the log.
"""

import hashlib
import json

from django.db import migrations, models
from django.utils import timezone

from passend.privacy import chain

BLOCK = 10_000

TRIGGER = """
CREATE TRIGGER access_log_seal_append_only
    BEFORE UPDATE OR DELETE ON privacy_accesslogseal
    FOR EACH ROW EXECUTE FUNCTION passend_access_log_append_only();
"""
DROP_TRIGGER = "DROP TRIGGER IF EXISTS access_log_seal_append_only ON privacy_accesslogseal;"


def _old_entry_hash(entry, previous):
    # AccessLogEntry.compute_hash as it was until this migration.
    payload = {}
    for name in chain.HASHED_FIELDS:
        value = getattr(entry, name)
        if name == "occurred_at":
            value = value.isoformat(timespec="microseconds")
        payload[name] = "" if value is None else str(value)
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((previous + canonical).encode()).hexdigest()


def seal_existing(apps, schema_editor):
    entry_model = apps.get_model("privacy", "AccessLogEntry")
    seal_model = apps.get_model("privacy", "AccessLogSeal")
    previous_entry = previous_block = chain.GENESIS_HASH
    after, digests, last_id = 0, [], 0
    seals = []
    fields = ("id", "previous_hash", "entry_hash", *chain.HASHED_FIELDS)
    for entry in entry_model.objects.order_by("id").only(*fields).iterator(chunk_size=5000):
        if entry.previous_hash != previous_entry or (
            _old_entry_hash(entry, entry.previous_hash) != entry.entry_hash
        ):
            raise RuntimeError(
                f"The access log chain is broken at entry {entry.id}: investigate before "
                "migrating (manage.py verify_access_log on the previous release)."
            )
        previous_entry = entry.entry_hash
        digests.append(
            chain.entry_digest(entry.id, {n: getattr(entry, n) for n in chain.HASHED_FIELDS})
        )
        last_id = entry.id
        if len(digests) == BLOCK:
            block = chain.block_hash(previous_block, after, last_id, digests)
            seals.append(seal_model(after_entry_id=after, last_entry_id=last_id,
                                    entry_count=len(digests), sealed_at=timezone.now(),
                                    previous_hash=previous_block, block_hash=block))
            previous_block, after, digests = block, last_id, []
    if digests:
        block = chain.block_hash(previous_block, after, last_id, digests)
        seals.append(seal_model(after_entry_id=after, last_entry_id=last_id,
                                entry_count=len(digests), sealed_at=timezone.now(),
                                previous_hash=previous_block, block_hash=block))
    seal_model.objects.bulk_create(seals, batch_size=1000)


def trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER)


class Migration(migrations.Migration):

    dependencies = [
        ('privacy', '0004_subject_request_term_rule'),
    ]

    operations = [
        migrations.CreateModel(
            name='AccessLogSeal',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('after_entry_id', models.BigIntegerField()),
                ('last_entry_id', models.BigIntegerField(unique=True)),
                ('entry_count', models.PositiveIntegerField()),
                ('sealed_at', models.DateTimeField()),
                ('previous_hash', models.CharField(max_length=64)),
                ('block_hash', models.CharField(max_length=64, unique=True)),
            ],
            options={
                'verbose_name': 'verzegeld blok van het toegangslog',
                'verbose_name_plural': 'verzegelde blokken van het toegangslog',
                'ordering': ['last_entry_id'],
            },
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(trigger, drop_trigger),
        migrations.RemoveField(
            model_name='accesslogentry',
            name='entry_hash',
        ),
        migrations.RemoveField(
            model_name='accesslogentry',
            name='previous_hash',
        ),
    ]
