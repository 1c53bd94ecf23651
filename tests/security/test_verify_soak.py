"""Check 10 of issue 11 (``make verify``): load soak on gunicorn against a generated region.

A fresh PostgreSQL database (``PASSEND_SOAK_DATABASE_URL``, default a throwaway database on the
machine's PostgreSQL) is migrated and filled with ``manage.py generate_region --scale small``;
then ``tests/security/soak.py`` runs 50 virtual professionals for 5 minutes against gunicorn on
loopback. Passes when: no answer is a 5xx, no request failed in transport, every acknowledged
write is in the database, and no worker's resident memory grew by more than
``PASSEND_SOAK_MAX_GROWTH_MB`` (64 MB) after the first fifth of the run.

Shorter for a quick local run: ``PASSEND_SOAK_SECONDS=30 PASSEND_SOAK_USERS=10``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.verify

ROOT = Path(__file__).resolve().parents[2]
SECONDS = float(os.environ.get("PASSEND_SOAK_SECONDS", "300"))
USERS = int(os.environ.get("PASSEND_SOAK_USERS", "50"))
SCALE = os.environ.get("PASSEND_SOAK_SCALE", "small")
MAX_GROWTH_MB = float(os.environ.get("PASSEND_SOAK_MAX_GROWTH_MB", "64"))
SERVER = os.environ.get("PASSEND_SOAK_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def soak_database() -> Iterator[str]:
    """A throwaway PostgreSQL database (SQLite cannot take 50 concurrent writers)."""
    given = os.environ.get("PASSEND_SOAK_DATABASE_URL")
    if given:
        yield given
        return
    import psycopg

    name = f"passend_soak_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(SERVER, autocommit=True)
    except psycopg.OperationalError as error:
        pytest.fail(f"the soak needs PostgreSQL at {SERVER}: {error}", pytrace=False)
    admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(SERVER)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def manage(database_url: str, *args: str, timeout: float) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "passend.settings",
    }
    done = subprocess.run(  # noqa: S603 fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stderr[-2000:]}"


def test_load_soak_no_5xx_no_lost_writes_stable_memory(soak_database: str, tmp_path: Path) -> None:
    manage(soak_database, "migrate", "--no-input", timeout=600)
    manage(soak_database, "generate_region", "--scale", SCALE, timeout=1800)
    out = tmp_path / "soak.json"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "passend.settings"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(  # noqa: S603 fixed arguments
        [
            sys.executable,
            "-m",
            "tests.security.soak",
            "--database-url",
            soak_database,
            "--users",
            str(USERS),
            "--seconds",
            str(SECONDS),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SECONDS + 900,
    )
    assert done.returncode == 0, f"the soak driver failed:\n{done.stderr[-3000:]}"
    result = json.loads(out.read_text())
    print(json.dumps(result, indent=2))  # the figures for docs/security.md
    assert result["professionals_signed_in"] > 0
    assert result["requests"] > USERS, f"only {result['requests']} requests were made"
    assert result["server_error_count"] == 0, f"5xx answers: {result['server_errors']}"
    assert result["transport_errors"] == 0, f"{result['transport_errors']} requests failed"
    assert result["writes_acknowledged"] > 0, "no write was acknowledged: the mix did not write"
    assert result["writes_lost"] == 0, (
        f"{result['writes_lost']} acknowledged writes are not in the database"
    )
    grown = {
        pid: m["growth_after_warmup_mb"]
        for pid, m in result["memory"].items()
        if m["growth_after_warmup_mb"] > MAX_GROWTH_MB
    }
    assert result["memory"], "no worker memory was sampled"
    assert not grown, f"worker memory grew by more than {MAX_GROWTH_MB} MB: {grown}"
