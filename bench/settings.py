"""Settings for benchmark servers only: production-like (DEBUG off), a throwaway secret key.

Never used by ``manage.py`` or by tests; ``bench.server`` starts gunicorn with it.
"""

import os
import secrets

from passend.settings import *  # noqa: F403

DEBUG = False
# Throwaway per process group: gunicorn preloads the app once, so its workers share it.
SECRET_KEY = os.environ.get("PASSEND_BENCH_SECRET_KEY") or secrets.token_urlsafe(50)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"handlers": [], "level": "ERROR"},
}
