"""Start and stop a gunicorn benchmark server on loopback, and read its workers' memory."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent


class Server:
    """``with Server(database_url) as server:`` — gunicorn with bench.settings on 127.0.0.1."""

    def __init__(
        self,
        database_url: str,
        *,
        port: int = 8765,
        workers: int = 4,
        threads: int = 1,
        access_log: bool = True,
        access_policy: bool = True,
        startup_timeout: float = 300,
        python: Path | None = None,
    ) -> None:
        self.database_url = database_url
        self.port = port
        self.workers = workers
        self.threads = threads
        self.access_log = access_log
        self.access_policy = access_policy
        self.startup_timeout = startup_timeout
        # The interpreter whose environment's gunicorn serves: this one unless another is given
        # (the same code on two builds of Python, bench.versus --other-python).
        self.python = python or Path(sys.executable)
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> Server:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": self.database_url,
            "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
            "BENCH_BIND": f"127.0.0.1:{self.port}",
            "BENCH_WORKERS": str(self.workers),
            "BENCH_THREADS": str(self.threads),
            "BENCH_ACCESS_LOG": "on" if self.access_log else "off",
            "BENCH_ACCESS_POLICY": "on" if self.access_policy else "off",
            "PASSEND_BENCH_SECRET_KEY": os.urandom(32).hex(),
        }
        gunicorn = self.python.parent / "gunicorn"
        self.process = subprocess.Popen(  # noqa: S603 - fixed argument list
            [
                str(gunicorn),
                "-c",
                str(ROOT / "bench" / "gunicorn_conf.py"),
                "passend.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            if self._healthy():
                return self
            time.sleep(0.5)
        self.stop()
        raise RuntimeError("gunicorn did not become healthy in time")

    def _healthy(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/healthz")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok and len(self.worker_pids()) >= self.workers
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def worker_peak_rss_mb(self) -> list[float]:
        """Peak resident set size (VmHWM) of every worker, in MB."""
        peaks = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return peaks

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
