"""Django settings for Passend.

Development defaults run on SQLite under ``var/``; every value that differs in production
comes from the environment (see docs/deployment.md and ``passend.settings_production``).
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP  # type: ignore[import-untyped,unused-ignore]
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("PASSEND_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("PASSEND_DEBUG", False)
# The development key is only good for a local demo; production refuses to start without one.
SECRET_KEY = os.environ.get(
    "PASSEND_SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0000"
)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("PASSEND_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Django's widget templates, for FORM_RENDERER below.
    "django.forms",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_tasks_db",
    "passend.accounts",
    "passend.privacy",
    "passend.access",
    "passend.pupils",
    "passend.cases",
    "passend.consent",
    "passend.documents",
    "passend.terms",
    "passend.consultations",
    "passend.correspondence",
    "passend.tlv",
    "passend.arrangements",
    "passend.attendance",
    "passend.inquiries",
    "passend.intake",
    "passend.reports",
    "passend.retention",
    "passend.emergency",
    "passend.fg",
    "passend.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # High up: also the answers that a middleware below gives itself (a gate's redirect, a
    # lockout page) are never cached (issue 11, check 11).
    "passend.accounts.middleware.NoStoreMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "passend.privacy.middleware.TraceIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "passend.i18n.DutchByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "passend.accounts.middleware.SecondFactorMiddleware",  # django-otp's OTPMiddleware
    "passend.accounts.middleware.SessionLifetimeMiddleware",
    "passend.accounts.middleware.RequireTwoFactorMiddleware",
    "passend.accounts.middleware.ActingMembershipMiddleware",
    "passend.portal.middleware.PortalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "passend.urls"
WSGI_APPLICATION = "passend.wsgi.application"
ASGI_APPLICATION = "passend.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "passend.accounts.context_processors.acting_membership",
                "passend.navigation.main_navigation",
            ],
            # The widget templates' filters (templates/django/forms/widgets/select.html).
            # ``{% load i18n %}`` and ``{% load static %}``: Django's libraries, a fixed text's
            # translation kept per language and a fixed path's URL kept (issue 10).
            "libraries": {
                "passend_widgets": "passend.widgets",
                "i18n": "passend.translate_tags",
                "static": "passend.static_tags",
                "navigation": "passend.navigation_tags",
            },
            # Django's ``date`` filter, with the project's date formats written directly, and
            # its ``url`` tag, with a URL's text worked out once per name.
            "builtins": ["passend.datefilter", "passend.urlreverse"],
        },
    }
]

# Widgets render with the project's templates, so that templates/django/forms/ can replace a
# widget's markup (the select, issue 10); Django's own come from the django.forms app.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'passend.sqlite3'}"),
        conn_max_age=int(os.environ.get("PASSEND_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Short, index-backed queries: JIT compilation only adds 25-70 ms where the planner
    # overestimates rows (seen on the large benchmark region's start page, issue 10).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # Prepared statements (issue 10, session 14): the parameters go to PostgreSQL apart from
    # the query, and a query that a connection runs a second time is prepared, so that
    # PostgreSQL parses and plans it once per connection instead of on every request. Planning
    # was a third to two thirds of PostgreSQL's time per page (docs/performance.md). A pooler
    # in transaction mode must keep prepared statements apart per client (docs/deployment.md).
    _PREPARE = os.environ.get("PASSEND_DB_PREPARE_THRESHOLD", "2")
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = int(_PREPARE) if _PREPARE else None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process and the task worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A process that wrote access-log entries seals them into the hash chain after its commit, at
# most this often (seconds); empty = only `manage.py seal_access_log` seals (docs/architecture).
_SEAL_SECONDS = os.environ.get("PASSEND_ACCESS_LOG_SEAL_SECONDS", "1")
PASSEND_ACCESS_LOG_SEAL_SECONDS = float(_SEAL_SECONDS) if _SEAL_SECONDS else None

# --- Authentication ------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, its per-request read a statement written once (issue 10).
    "passend.accounts.backends.PasswordBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# PRV-08: lockout after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("PASSEND_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Locked per account: a school's staff share one NAT address, so an IP lockout would lock out a
# whole school after five typos. Password spraying across accounts still meets the second factor.
AXES_LOCKOUT_PARAMETERS = ["username"]
# models.W040: covering indexes (Index.include) are a PostgreSQL optimisation (issue 10); on
# SQLite the index still exists, without the included columns, which is what we want there.
# templates.W003: "i18n" and "static" name two libraries each, on purpose: Django's and
# ``passend.translate_tags`` / ``passend.static_tags`` (TEMPLATES above), which are Django's own
# with a fixed text's translation and a fixed path's URL kept. tests/test_translate_tags.py
# fails for any other library name used twice.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040", "templates.W003"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

OTP_TOTP_ISSUER = "Passend"
OTP_TOTP_TOLERANCE = 1
# No administrator may read another user's TOTP secret or QR code (it would let them clone the
# second factor, PRV-08); this also makes django-otp's admin config/QR views answer 403.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Sessions: idle timeout 30 min, absolute lifetime 12 h (PRV-08), enforced server-side by
# passend.accounts.middleware.SessionLifetimeMiddleware.
# Django's database sessions, read by a statement written once (issue 10).
SESSION_ENGINE = "passend.accounts.sessions"
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_LIFETIME.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "passend_session"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "passend.views.csrf_failure"

# --- Security headers and CSP ----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True
FORMAT_MODULE_PATH = ["passend.formats"]

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("PASSEND_STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it, even before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Outside production, serve static files straight from the app directories (no collectstatic).
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("PASSEND_MEDIA_ROOT", VAR_DIR / "media"))

# --- Background work ------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("PASSEND_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- E-mail (notifications carry no personal data: DESIGN.md privacy core 4) -----------------
MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "PASSEND_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
        )
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("PASSEND_FROM_EMAIL", "noreply@passend.invalid")
# Where links in notification e-mails point (they carry no personal data, only this link).
PASSEND_BASE_URL = os.environ.get("PASSEND_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["passend.accounts.api_auth.HashedTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Passend API",
    "DESCRIPTION": "Case software for samenwerkingsverbanden passend onderwijs. "
    "Every call is checked by the access policy and written to the access log.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files (drf-spectacular-sidecar), never from a CDN: CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set that several serializers share (cases API).
    "ENUM_NAME_OVERRIDES": {
        "CaseKindEnum": "passend.cases.models.CaseKind",
        "PhaseEnum": "passend.cases.models.Phase",
        "DataCategoryEnum": "passend.privacy.categories.DataCategory",
        "FileKindEnum": "passend.documents.models.FileKind",
    },
}
API_TOKEN_LIFETIME = timedelta(days=int(os.environ.get("PASSEND_API_TOKEN_DAYS", "90")))

# --- Privacy --------------------------------------------------------------------------------
# Key for subject pseudonyms in the access log (HMAC); separate from SECRET_KEY so that
# rotating the session key does not break the link between log entries of one pupil.
PSEUDONYM_KEY = os.environ.get("PASSEND_PSEUDONYM_KEY", "dev-only-pseudonym-key")

# --- Documents at rest (DESIGN.md "At rest", issue 4) ----------------------------------------
# Each document is encrypted with its own AES-GCM key, wrapped by a master key (base64 of 32
# random bytes) named by an id. Old keys stay readable during rotation through
# PASSEND_DOCUMENT_PREVIOUS_MASTER_KEYS ("id=base64,id=base64") until `rotate_document_keys`
# has re-wrapped every document key. The fallback below is for development only (derived from
# a fixed, public string): settings_production refuses it.
DEV_DOCUMENT_MASTER_KEY = base64.b64encode(
    hashlib.sha256(b"dev-only-document-master-key").digest()
).decode()


def document_master_keys(environ: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """The current master key id and every readable master key (id -> base64) from ``environ``."""
    current = environ.get("PASSEND_DOCUMENT_MASTER_KEY", "").strip()
    key_id = environ.get("PASSEND_DOCUMENT_MASTER_KEY_ID", "k1" if current else "dev-only").strip()
    keys = {
        old_id.strip(): value.strip()
        for old_id, _sep, value in (
            item.partition("=")
            for item in environ.get("PASSEND_DOCUMENT_PREVIOUS_MASTER_KEYS", "").split(",")
            if "=" in item
        )
    }
    keys[key_id] = current or DEV_DOCUMENT_MASTER_KEY
    return key_id, keys


PASSEND_DOCUMENT_MASTER_KEY_ID, PASSEND_DOCUMENT_MASTER_KEYS = document_master_keys(os.environ)
PASSEND_DOCUMENT_MAX_BYTES = int(os.environ.get("PASSEND_DOCUMENT_MAX_BYTES", 25 * 1024 * 1024))
# Held uploads (BSN found, or a scan to confirm) not decided within this time are removed.
PASSEND_DOCUMENT_PENDING_HOURS = int(os.environ.get("PASSEND_DOCUMENT_PENDING_HOURS", "24"))
# Unix socket of clamd; when set, every upload is scanned (INSTREAM) and refused on FOUND.
PASSEND_CLAMD_SOCKET = os.environ.get("PASSEND_CLAMD_SOCKET", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {"one_line": {"()": "passend.privacy.logging.SingleLineFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["one_line"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("PASSEND_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
