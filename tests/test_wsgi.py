"""The web process's garbage-collector settings (issue 10, docs/performance.md "Session 45")."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_web_process_freezes_the_loaded_application_and_collects_young_objects_less_often():
    # A process of its own: the settings are the interpreter's, and the test run's own
    # collector must stay as it is.
    script = (
        "import gc, json\n"
        "before = gc.get_threshold()\n"
        "import passend.wsgi\n"
        "print(json.dumps([before, gc.get_threshold(), gc.get_freeze_count(),"
        " passend.wsgi.YOUNG_GENERATION_THRESHOLD]))\n"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, a constant script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    before, after, frozen, young = json.loads(done.stdout.strip().splitlines()[-1])
    assert after == [young, *before[1:]]
    assert young == 10_000 > before[0]
    # The application's modules, classes and settings: tens of thousands of objects.
    assert frozen > 20_000
