"""Production settings: the development settings with everything that must differ in production.

Use with ``DJANGO_SETTINGS_MODULE=passend.settings_production``. The application runs behind
a TLS-terminating proxy (docs/deployment.md) that sets ``X-Forwarded-Proto``.

Required environment:

* ``PASSEND_SECRET_KEY`` — at least 50 random characters (sessions, CSRF, password reset).
* ``PASSEND_PSEUDONYM_KEY`` — at least 32 random characters (subject pseudonyms in the access
  log); keep it stable, or the log can no longer link entries of one pupil.
* ``PASSEND_ALLOWED_HOSTS`` — comma-separated host names the site answers to.
* ``PASSEND_DOCUMENT_MASTER_KEY`` — base64 of 32 random bytes (wraps the document keys), with
  ``PASSEND_DOCUMENT_MASTER_KEY_ID``; see docs/modules/documents.md for rotation.

Optional: ``DATABASE_URL``, ``PASSEND_CSRF_TRUSTED_ORIGINS``, ``PASSEND_TRUST_X_FORWARDED_FOR``,
``PASSEND_SMTP_HOST`` / ``_PORT`` / ``_USER`` / ``_PASSWORD`` / ``_TLS`` / ``_SSL``,
``PASSEND_FROM_EMAIL``, ``PASSEND_BASE_URL`` (links in e-mails; default https://<first allowed host>).

``manage.py check --deploy --fail-level WARNING`` reports nothing with these settings.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from passend.settings import *  # noqa: F403
from passend.settings import (
    DEV_DOCUMENT_MASTER_KEY,
    STORAGES,
    document_master_keys,
    env_bool,
)

# Development fallbacks of passend.settings that must never reach production.
_DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0000"  # noqa: S105
_DEV_PSEUDONYM_KEY = "dev-only-pseudonym-key"


def _required_secret(name: str, dev_default: str, min_length: int) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production.")
    if value == dev_default or value.startswith("dev-only") or value.startswith("django-insecure"):
        raise ImproperlyConfigured(f"{name} still has a development value; generate a new one.")
    if len(value) < min_length or len(set(value)) < 5:
        raise ImproperlyConfigured(f"{name} must be at least {min_length} random characters long.")
    return value


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = False
SECRET_KEY = _required_secret("PASSEND_SECRET_KEY", _DEV_SECRET_KEY, 50)
PSEUDONYM_KEY = _required_secret("PASSEND_PSEUDONYM_KEY", _DEV_PSEUDONYM_KEY, 32)

# No "testserver" or other development host; until the operator names the public host, the
# site only answers on the loopback interface (behind a proxy that forwards Host).
ALLOWED_HOSTS = _list("PASSEND_ALLOWED_HOSTS") or ["localhost", "127.0.0.1"]
CSRF_TRUSTED_ORIGINS = _list("PASSEND_CSRF_TRUSTED_ORIGINS")
# Links in notification e-mails; the public address of the site.
PASSEND_BASE_URL = (os.environ.get("PASSEND_BASE_URL") or f"https://{ALLOWED_HOSTS[0]}").rstrip("/")

# --- TLS, behind the proxy --------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
# The health check is probed over plain HTTP by the load balancer, inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Client addresses for the access log come from X-Forwarded-For only when the operator says the
# proxy overwrites that header (otherwise a client could write its own address into the log).
PASSEND_TRUST_X_FORWARDED_FOR = env_bool("PASSEND_TRUST_X_FORWARDED_FOR", False)

# --- Cookies ----------------------------------------------------------------------------------
# The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only, path /.
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-passend_session"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Static files: collected once at deploy, served by WhiteNoise with hashed names -----------
WHITENOISE_USE_FINDERS = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- E-mail over SMTP (notifications carry no personal data) ----------------------------------
_SMTP_OPTIONS: Any = {
    "host": os.environ.get("PASSEND_SMTP_HOST", "localhost"),
    "port": int(os.environ.get("PASSEND_SMTP_PORT", "587")),
    "username": os.environ.get("PASSEND_SMTP_USER", ""),
    "password": os.environ.get("PASSEND_SMTP_PASSWORD", ""),
    "use_tls": env_bool("PASSEND_SMTP_TLS", True),
    "use_ssl": env_bool("PASSEND_SMTP_SSL", False),
    "timeout": 20,
}
MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "PASSEND_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
        ),
        "OPTIONS": _SMTP_OPTIONS,
    }
}


# --- Documents at rest: a real master key is required (DESIGN.md "At rest", issue 4) ---------
PASSEND_DOCUMENT_MASTER_KEY_ID, PASSEND_DOCUMENT_MASTER_KEYS = document_master_keys(os.environ)


def _check_document_master_key() -> None:
    value = os.environ.get("PASSEND_DOCUMENT_MASTER_KEY", "").strip()
    if not value:
        raise ImproperlyConfigured("PASSEND_DOCUMENT_MASTER_KEY must be set in production.")
    if value == DEV_DOCUMENT_MASTER_KEY or PASSEND_DOCUMENT_MASTER_KEY_ID == "dev-only":
        raise ImproperlyConfigured(
            "PASSEND_DOCUMENT_MASTER_KEY still has a development value; generate a new one."
        )
    for key_id, encoded in PASSEND_DOCUMENT_MASTER_KEYS.items():
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise ImproperlyConfigured(
                f"Document master key {key_id!r} must be the base64 encoding of 32 random bytes."
            )


_check_document_master_key()
