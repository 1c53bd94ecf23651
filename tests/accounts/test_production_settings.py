"""Production settings: `manage.py check --deploy` reports nothing, secrets are required (PRV-08)."""

from __future__ import annotations

import base64
import importlib
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # A production process starts without our variables and without the test-only
        # DJANGO_ALLOW_ASYNC_UNSAFE (set by the browser tests), which check --deploy refuses.
        if not key.startswith(("PASSEND_", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="passend.settings_production",
        PASSEND_SECRET_KEY=secrets.token_urlsafe(50),
        PASSEND_PSEUDONYM_KEY=secrets.token_urlsafe(32),
        PASSEND_DOCUMENT_MASTER_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        PASSEND_VAR_DIR=str(tmp_path),
    )
    env.update(overrides)
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments, our own manage.py
        [sys.executable, str(PROJECT_DIR / "manage.py"), *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_prv08_check_deploy_reports_nothing(tmp_path: Path) -> None:
    result = _manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_prv08_production_refuses_to_start_without_secret_key(tmp_path: Path) -> None:
    env = _production_env(tmp_path)
    del env["PASSEND_SECRET_KEY"]
    result = _manage(env, "check")
    assert result.returncode != 0
    assert "PASSEND_SECRET_KEY must be set" in result.stderr


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Imports the production settings module with a given environment."""

    def load(**env: str | None) -> Any:
        defaults: dict[str, str | None] = {
            "PASSEND_SECRET_KEY": secrets.token_urlsafe(50),
            "PASSEND_PSEUDONYM_KEY": secrets.token_urlsafe(32),
            "PASSEND_DOCUMENT_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "PASSEND_DOCUMENT_MASTER_KEY_ID": None,
            "PASSEND_ALLOWED_HOSTS": None,
            "PASSEND_EMAIL_BACKEND": None,
        }
        defaults.update(env)
        for key, value in defaults.items():
            if value is None:
                monkeypatch.delenv(key, raising=False)
            else:
                monkeypatch.setenv(key, value)
        sys.modules.pop("passend.settings_production", None)
        return importlib.import_module("passend.settings_production")

    yield load
    sys.modules.pop("passend.settings_production", None)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PASSEND_SECRET_KEY", None, "must be set"),
        ("PASSEND_SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0000", "development"),
        ("PASSEND_SECRET_KEY", "too-short", "at least 50"),
        ("PASSEND_PSEUDONYM_KEY", None, "must be set"),
        ("PASSEND_PSEUDONYM_KEY", "dev-only-pseudonym-key", "development"),
        # DESIGN.md "At rest": the document master key comes from configuration (issue 4).
        ("PASSEND_DOCUMENT_MASTER_KEY", None, "must be set"),
        (
            "PASSEND_DOCUMENT_MASTER_KEY",
            "a6xskyrTwb5aQHqPTpyy7k5bTmdOwWaSGk8wHzbJ6iI=",
            "development",
        ),
        ("PASSEND_DOCUMENT_MASTER_KEY", "dG9vLXNob3J0", "32 random bytes"),
    ],
)
def test_prv08_secrets_are_required(
    production: Any, name: str, value: str | None, message: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        production(**{name: value})


def test_prv08_production_hardening(production: Any) -> None:
    prod = production(PASSEND_ALLOWED_HOSTS="passend.example.nl, www.passend.example.nl")
    assert prod.DEBUG is False
    assert prod.ALLOWED_HOSTS == ["passend.example.nl", "www.passend.example.nl"]
    assert "testserver" not in prod.ALLOWED_HOSTS
    assert prod.SECURE_SSL_REDIRECT is True
    assert prod.SECURE_HSTS_SECONDS >= 365 * 24 * 3600
    assert prod.SECURE_HSTS_INCLUDE_SUBDOMAINS and prod.SECURE_HSTS_PRELOAD
    assert prod.SESSION_COOKIE_SECURE and prod.CSRF_COOKIE_SECURE
    assert prod.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert prod.WHITENOISE_USE_FINDERS is False
    assert prod.STORAGES["staticfiles"]["BACKEND"].endswith("CompressedManifestStaticFilesStorage")
    assert prod.MAILERS["default"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    # Inherited from the base settings, unchanged: the session limits and the lockout.
    assert prod.SESSION_IDLE_TIMEOUT.total_seconds() == 30 * 60
    assert prod.AXES_FAILURE_LIMIT == 5
