"""A small load driver: real logged-in sessions (password + TOTP), threads, http.client.

Standard library only. Each virtual user is one thread with one keep-alive connection to the
server on loopback; it logs in like a person does (login form, then the TOTP code computed from
its device key, like the tests do), then requests URLs from its own list until the deadline.
Loops are bounded by a deadline and a request cap.
"""

from __future__ import annotations

import http.client
import random
import re
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
MAX_REQUESTS_PER_USER = 1_000_000  # a hard bound next to the deadline


class LoadError(RuntimeError):
    pass


class Session:
    """One browser-like session: cookies, a keep-alive connection, optional API token."""

    def __init__(self, base_url: str, *, api_token: str = "") -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.cookies: dict[str, str] = {}
        self.api_token = api_token
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        return self._conn

    def clone(self) -> Session:
        """Another connection in the same signed-in session: a person with a second tab."""
        other = Session(f"http://{self.host}:{self.port}", api_token=self.api_token)
        other.cookies = dict(self.cookies)
        return other

    def csrf_token(self, path: str) -> str:
        """The CSRF token of a page of this session, for the POSTs of a scenario."""
        status, page, _ = self.request("GET", path)
        if status != 200:
            raise LoadError(f"{path}: HTTP {status}")
        return _csrf(page)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None, *, api: bool = False
    ) -> tuple[int, bytes, http.client.HTTPResponse]:
        headers = {"Host": f"{self.host}:{self.port}"}
        if api:
            headers["Authorization"] = f"Token {self.api_token}"
            headers["Accept"] = "application/json"
        elif self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        for attempt in range(2):  # one retry when the server closed an idle keep-alive socket
            conn = self._connection()
            try:
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt:
                    raise
        if not api:
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(header)
                for key, morsel in cookie.items():
                    if morsel["max-age"] == "0" or morsel.value == "":
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, payload, response

    def login(self, username: str, password: str, totp: Callable[[], str]) -> None:
        """Password, then second factor; raises LoadError when either step fails."""
        status, page, _ = self.request("GET", "/accounts/login/")
        token = _csrf(page)
        status, _page, response = self.request(
            "POST",
            "/accounts/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": token},
        )
        if status != 302 or "/2fa/" not in (response.getheader("Location") or ""):
            raise LoadError(f"password step failed for {username}: HTTP {status}")
        status, page, _ = self.request("GET", "/accounts/2fa/verify/")
        status, _page, response = self.request(
            "POST",
            "/accounts/2fa/verify/",
            {"token": totp(), "csrfmiddlewaretoken": _csrf(page)},
        )
        if status != 302 or "/2fa/" in (response.getheader("Location") or ""):
            raise LoadError(f"second factor failed for {username}: HTTP {status}")


def _csrf(page: bytes) -> str:
    match = _CSRF_INPUT.search(page)
    if match is None:
        raise LoadError("no CSRF token on the page")
    return match.group(1).decode()


@dataclass(frozen=True)
class Target:
    """One URL of one virtual user."""

    path: str
    api: bool = False
    # A POST (with this form body) where the page is an explicit action, like the access bundle.
    form: tuple[tuple[str, str], ...] | None = None


@dataclass
class VirtualUser:
    session: Session
    targets: list[Target]


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed_s: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(p) - 1]

    @property
    def rps(self) -> float:
        return self.count / self.elapsed_s if self.elapsed_s else 0.0


def run_load(
    users: list[VirtualUser], *, duration_s: float, warmup_s: float = 0.0, seed: int = 1
) -> LoadResult:
    """Every user requests its targets in random order until the deadline (after a warm-up)."""
    result = LoadResult()
    lock = threading.Lock()
    start_gate = threading.Barrier(len(users) + 1)
    measure_from = 0.0
    deadline = 0.0

    def worker(index: int, user: VirtualUser) -> None:
        rng = random.Random(seed * 1000 + index)
        own: list[float] = []
        errors = 0
        statuses: dict[int, int] = {}
        start_gate.wait()
        for _ in range(MAX_REQUESTS_PER_USER):
            now = time.perf_counter()
            if now >= deadline:
                break
            target = rng.choice(user.targets)
            began = time.perf_counter()
            try:
                if target.form is None:
                    status, _body, _response = user.session.request(
                        "GET", target.path, api=target.api
                    )
                else:
                    status, _body, _response = user.session.request(
                        "POST", target.path, dict(target.form), api=target.api
                    )
            except OSError:
                errors += 1
                user.session.close()
                continue
            ended = time.perf_counter()
            statuses[status] = statuses.get(status, 0) + 1
            if status != 200:
                errors += 1
            if began >= measure_from:
                own.append((ended - began) * 1000)
        with lock:
            result.latencies_ms.extend(own)
            result.errors += errors
            for status, n in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + n

    threads = [
        threading.Thread(target=worker, args=(i, u), daemon=True) for i, u in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    begin = time.perf_counter()
    measure_from = begin + warmup_s
    deadline = measure_from + duration_s
    start_gate.wait()
    for thread in threads:
        thread.join(timeout=duration_s + warmup_s + 120)
    result.elapsed_s = max(0.001, min(time.perf_counter(), deadline) - measure_from)
    return result
