"""The web server's entry point (issue 10): what a worker loads before its first request is
frozen out of the garbage collector's full collections."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import gc, json, sys
before = gc.get_freeze_count()
import passend.wsgi
print(json.dumps({
    "before": before,
    "frozen": gc.get_freeze_count(),
    "views_loaded": "passend.cases.views" in sys.modules,
    "enabled": gc.isenabled(),
}))
"""


def test_the_application_freezes_what_it_loaded_views_included() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "passend.settings"}
    env.pop("DATABASE_URL", None)  # nothing here touches the database
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True
    )
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["before"] == 0
    # The URL patterns and the view modules they import are loaded before the freeze.
    assert probe["views_loaded"]
    assert probe["frozen"] > 50_000
    assert probe["enabled"]  # collections go on for what requests make
