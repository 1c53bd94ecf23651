"""Serves the application together with the background worker; Ctrl-C stops both."""

import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Runs the web server and the django.tasks database worker together (for `make run`)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        worker = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
            [sys.executable, sys.argv[0], "db_worker", "--interval", "1"]
        )
        self.stdout.write(f"Background worker started (pid {worker.pid}).")
        try:
            call_command("runserver", options["addr"], use_reloader=False, use_threading=True)
        except KeyboardInterrupt:
            pass
        finally:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
            self.stdout.write("Server and worker stopped.")
