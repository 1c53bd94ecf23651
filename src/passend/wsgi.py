import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passend.settings")
application = get_wsgi_application()

# The cyclic garbage collector of a web process (issue 10, docs/performance.md "Session 45").
# - Frozen: the ~150,000 objects of the loaded application (modules, classes, settings, URL
#   patterns) live as long as the process; each full collection scanned them all, a pause of
#   about 90 ms every few hundred requests. With gunicorn's preload_app the master freezes
#   them before it forks, so the workers also leave their memory pages shared.
# - A young generation of 10,000: a list page holds over 2,000 tracked objects at once (its
#   rows, their instances and dicts), so the default threshold collected about once per
#   request, only to find them alive; 0.3 to 0.4 ms of a 7 to 11 ms page. At 10,000 a
#   collection comes every 30 to 60 requests. Objects freed by reference counting, which is
#   nearly all of a request's, never wait for the collector either way.
YOUNG_GENERATION_THRESHOLD = 10_000
gc.collect()
gc.freeze()
gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])
