"""Backup and restore of one installation (issue 11, check 9; BIO2 12.3 back-ups).

A backup is a directory:

``database.sqlite3`` or ``database.dump``
    SQLite: a consistent copy made with SQLite's online backup API. PostgreSQL: ``pg_dump
    --format=custom`` taken in the same snapshot in which the row counts were read.
``media/``
    The document store (``MEDIA_ROOT``) as it is on disk: ciphertext only. Document keys are
    wrapped by the master key, which is *not* in the backup.
``manifest.json``
    Row counts per table, SHA-256 and size of every file, the head of the access-log chain
    (count, last id, last hash, last sealed id; the backup seals the chain first) and the ids
    of the master keys the documents need. Never a key, never personal data.

``restore`` refuses a non-empty installation, checks that every master key id the documents
need is configured, checks every file against the manifest, restores the database and the
files, and then verifies: the access-log chain (``verify_chain``) and its head, the row counts,
the file hashes, and that each document decrypts to its recorded SHA-256 (the key check).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from passend.privacy.models import AccessLogEntry, AccessLogSeal
from passend.privacy.selectors import verify_chain
from passend.privacy.services import seal_access_log

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
MEDIA_DIR = "media"
FORMAT_VERSION = 1
# Tables whose rows change by themselves (sessions expire, task results are cleaned up):
# counted but not compared after a restore.
VOLATILE_TABLES = {"django_session", "django_tasks_database_dbtaskresult"}


class BackupError(Exception):
    """A backup or restore that cannot be trusted; the message says what broke."""


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    files: int = 0
    documents_decrypted: int = 0
    access_log_entries: int = 0
    problems: list[str] = field(default_factory=list)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tables() -> list[str]:
    existing = set(connection.introspection.table_names())
    return sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True)} & existing)


def _count_rows(cursor: Any, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _access_log_head(cursor: Any) -> dict[str, Any]:
    table = connection.ops.quote_name(AccessLogEntry._meta.db_table)
    cursor.execute(f"SELECT COUNT(*), MAX(id) FROM {table}")  # noqa: S608
    count, last_id = cursor.fetchone()
    # The head of the chain is the last sealed block (entries after it are not sealed yet).
    seals = connection.ops.quote_name(AccessLogSeal._meta.db_table)
    last_seal = f"SELECT block_hash, last_entry_id FROM {seals} ORDER BY last_entry_id DESC"  # noqa: S608
    cursor.execute(f"{last_seal} LIMIT 1")
    row = cursor.fetchone()
    head_hash, sealed_through = (row[0], row[1]) if row else ("", 0)
    return {
        "count": int(count),
        "last_id": last_id,
        "head_hash": head_hash,
        "sealed_through": sealed_through,
    }


def _document_model() -> Any:
    try:
        return apps.get_model("documents", "Document")
    except LookupError:
        return None


def _document_key_ids(cursor: Any) -> list[str]:
    model = _document_model()
    if model is None or model._meta.db_table not in set(connection.introspection.table_names()):
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    cursor.execute(f"SELECT DISTINCT key_id FROM {table}")  # noqa: S608
    return sorted(row[0] for row in cursor.fetchall())


def _pg_env_and_args() -> tuple[dict[str, str], list[str]]:
    db = settings.DATABASES["default"]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, args


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 - fixed programs, arguments from settings
        command, env=env, capture_output=True, text=True, check=False, timeout=3600
    )
    if result.returncode != 0:
        raise BackupError(
            f"{command[0]} failed ({result.returncode}): {result.stderr.strip()[:500]}"
        )


# --- Backup ------------------------------------------------------------------------------------


def backup(output: Path) -> dict[str, Any]:
    """Writes a backup of the database and the document store to ``output`` (must be new)."""
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"{output} is not empty; choose a new directory for the backup")
    output.mkdir(parents=True, exist_ok=True)
    # The manifest's head must cover the entries written so far: a process that exited before
    # its sealer thread ran, or an installation that leaves sealing to the scheduler, leaves
    # entries unsealed (and a region without a seal yet would back up with no head at all).
    seal_access_log()
    tables = _tables()
    manifest: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "master_key_id": settings.PASSEND_DOCUMENT_MASTER_KEY_ID,
    }
    if connection.vendor == "sqlite":
        target = output / SQLITE_FILE
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        # Counts from the copy itself: exactly what was backed up.
        copy = sqlite3.connect(target)
        try:
            lite = _SqliteCursor(copy.cursor())
            manifest["tables"] = _count_rows(lite, tables)
            manifest["access_log"] = _access_log_head(lite)
            manifest["document_key_ids"] = _document_key_ids(lite)
        finally:
            copy.close()
        database_file = SQLITE_FILE
    elif connection.vendor == "postgresql":
        env, args = _pg_env_and_args()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            manifest["tables"] = _count_rows(cursor, tables)
            manifest["access_log"] = _access_log_head(cursor)
            manifest["document_key_ids"] = _document_key_ids(cursor)
            # pg_dump reads the very snapshot the counts came from, while it is held open.
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--no-owner",
                    f"--file={output / PG_FILE}",
                    *args,
                    str(settings.DATABASES["default"]["NAME"]),
                ],
                env,
            )
        database_file = PG_FILE
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise BackupError(f"unsupported database {connection.vendor}")

    media_root = Path(settings.MEDIA_ROOT)
    files: dict[str, dict[str, Any]] = {
        database_file: {
            "sha256": _sha256_file(output / database_file),
            "size": (output / database_file).stat().st_size,
        }
    }
    if media_root.exists():
        for source in sorted(p for p in media_root.rglob("*") if p.is_file()):
            relative = source.relative_to(media_root).as_posix()
            target = output / MEDIA_DIR / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            files[f"{MEDIA_DIR}/{relative}"] = {
                "sha256": _sha256_file(target),
                "size": target.stat().st_size,
            }
    manifest["database_file"] = database_file
    manifest["files"] = files
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


class _SqliteCursor:
    """sqlite3 uses ``?`` placeholders; the helpers above are written with ``%s``."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.cursor = cursor

    def execute(self, sql: str, params: Any = ()) -> None:
        self.cursor.execute(sql.replace("%s", "?"), params)

    def fetchone(self) -> Any:
        return self.cursor.fetchone()

    def fetchall(self) -> Any:
        return self.cursor.fetchall()


# --- Restore -----------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict[str, Any]:
    path = Path(source) / MANIFEST
    if not path.exists():
        raise BackupError(f"{source} holds no {MANIFEST}: not a Passend backup")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"backup format {manifest.get('format')} is not supported")
    return manifest


def check_backup(source: Path, manifest: dict[str, Any]) -> None:
    """Every file present with its size and hash; every needed master key configured."""
    for relative, expected in manifest["files"].items():
        path = Path(source) / relative
        if not path.exists():
            raise BackupError(f"file {relative} of the backup is missing")
        if _sha256_file(path) != expected["sha256"]:
            raise BackupError(f"file {relative} of the backup is damaged (SHA-256 differs)")
    configured = set(settings.PASSEND_DOCUMENT_MASTER_KEYS)
    missing = [k for k in manifest.get("document_key_ids", []) if k not in configured]
    if missing:
        raise BackupError(
            "the documents need master key(s) "
            + ", ".join(missing)
            + " which this installation does not have (PASSEND_DOCUMENT_MASTER_KEY / "
            "PASSEND_DOCUMENT_PREVIOUS_MASTER_KEYS); restore refused"
        )
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"the backup is of a {manifest['vendor']} database; this installation uses "
            f"{connection.vendor}"
        )


def _ensure_empty() -> None:
    existing = set(connection.introspection.table_names())
    for model in (AccessLogEntry, apps.get_model(settings.AUTH_USER_MODEL)):
        if model._meta.db_table in existing and model._default_manager.exists():
            raise BackupError(
                "this installation is not empty (it has users or access-log entries); "
                "restore only into a new, empty installation"
            )
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.exists() and any(p.is_file() for p in media_root.rglob("*")):
        raise BackupError(f"the document store {media_root} is not empty")


@contextmanager
def _closed_connection() -> Iterator[None]:
    connection.close()
    try:
        yield
    finally:
        connection.close()


def restore(source: Path) -> RestoreReport:
    source = Path(source)
    manifest = read_manifest(source)
    check_backup(source, manifest)
    _ensure_empty()
    database_file = source / manifest["database_file"]
    if connection.vendor == "sqlite":
        with _closed_connection():
            connection.ensure_connection()
            backup_db = sqlite3.connect(database_file)
            try:
                backup_db.backup(connection.connection)
            finally:
                backup_db.close()
    else:
        env, args = _pg_env_and_args()
        with _closed_connection():
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--exit-on-error",
                    f"--dbname={settings.DATABASES['default']['NAME']}",
                    *args,
                    str(database_file),
                ],
                env,
            )
    media_root = Path(settings.MEDIA_ROOT)
    for relative in manifest["files"]:
        if not relative.startswith(f"{MEDIA_DIR}/"):
            continue
        target = media_root / relative.removeprefix(f"{MEDIA_DIR}/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / relative, target)
    return verify_restored(manifest)


def verify_restored(manifest: dict[str, Any]) -> RestoreReport:
    """Compares the installation with the manifest; raises with every difference found."""
    report = RestoreReport()
    tables = _tables()
    with connection.cursor() as cursor:
        counts = _count_rows(cursor, tables)
        head = _access_log_head(cursor)
    for table, expected in manifest["tables"].items():
        if table in VOLATILE_TABLES:
            continue
        actual = counts.get(table)
        if actual != expected:
            report.problems.append(f"table {table}: {actual} rows, the backup had {expected}")
    report.tables, report.rows = len(counts), sum(counts.values())
    expected_head = manifest["access_log"]
    if head["count"] != expected_head["count"] or head["head_hash"] != expected_head["head_hash"]:
        report.problems.append(
            f"access log head differs: {head['count']} entries ending {head['head_hash'][:12]}, "
            f"the backup had {expected_head['count']} ending {expected_head['head_hash'][:12]}"
        )
    for broken in verify_chain():
        report.problems.append(
            f"access log chain broken at entry {broken.entry_id}: {broken.problem}"
        )
        break
    report.access_log_entries = head["count"]
    media_root = Path(settings.MEDIA_ROOT)
    for relative, expected in manifest["files"].items():
        if not relative.startswith(f"{MEDIA_DIR}/"):
            continue
        path = media_root / relative.removeprefix(f"{MEDIA_DIR}/")
        if not path.exists() or _sha256_file(path) != expected["sha256"]:
            report.problems.append(f"document file {relative} missing or different after restore")
        else:
            report.files += 1
    report.documents_decrypted = _decrypt_all(report)
    if report.problems:
        raise BackupError("restore verification failed: " + "; ".join(report.problems[:20]))
    return report


def _decrypt_all(report: RestoreReport) -> int:
    """The key check: each document decrypts and matches its recorded SHA-256."""
    model = _document_model()
    if model is None or model._meta.db_table not in set(connection.introspection.table_names()):
        return 0
    # Imported here: privacy imports no feature app at module level (DESIGN.md layering); the
    # documents app owns decryption.
    from passend.documents.services import read_content

    done = 0
    for document in model._default_manager.all().iterator():
        try:
            content = read_content(document)
        except Exception as error:
            report.problems.append(
                f"document {document.pk} does not decrypt ({type(error).__name__})"
            )
            continue
        if hashlib.sha256(content).hexdigest() != document.sha256:
            report.problems.append(f"document {document.pk} decrypts to different content")
            continue
        done += 1
    return done
