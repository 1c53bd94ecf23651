import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passend.settings")
application = get_wsgi_application()

# What the process loads before its first request (settings, apps, models, the URL patterns and
# every view module they import: some 145,000 objects) lives as long as the process. Frozen,
# the garbage collector's full collections no longer go through it: each took 90-140 ms of a
# web worker's CPU, once every few hundred requests (issue 10, docs/performance.md "Session
# 38"). Loaded here, as the first request would, so that it is among what is frozen; with
# gunicorn's --preload the workers also share these pages instead of copying them when a
# collection touches them.
get_resolver().url_patterns  # noqa: B018 - imported for its side effect
gc.collect()
gc.freeze()
