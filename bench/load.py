"""A small load driver: real logged-in sessions (password + TOTP), threads, raw sockets.

Standard library only. Each virtual user is one thread with one connection to the server on
loopback (kept alive where the server keeps it; gunicorn's sync workers close it after each
answer); it logs in like a person does (login form, then the TOTP code computed from its
device key, like the tests do), then requests URLs from its own list until the deadline.
Loops are bounded by a deadline and a request cap.

The driver runs on the two cores the server runs on, so what it spends is taken from the
server. It writes its requests and reads the answers on the socket itself (HTTP/1.1: a body of
``Content-Length``, chunked, or up to the server's close): through ``http.client`` and its
header parser it took 0.40 to 0.64 ms of CPU a request, this way 0.16 to 0.24 ms, most of it
the kernel's connect and close (docs/performance.md, "Session 51").
"""

from __future__ import annotations

import random
import re
import socket
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
MAX_REQUESTS_PER_USER = 1_000_000  # a hard bound next to the deadline
_READ_SIZE = 65536


class LoadError(RuntimeError):
    pass


class ServerClosed(ConnectionError):
    """The server closed the connection before it answered (an idle keep-alive socket)."""


class BrokenAnswer(ConnectionError):
    """The server closed the connection within an answer."""


class Response:
    """An answer: its status, its headers (names in lower case, each with its values) and its
    body."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, list[str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def getheader(self, name: str, default: str | None = None) -> str | None:
        """The header's last value, as ``http.client`` gives it for a single header."""
        values = self.headers.get(name.lower())
        return values[-1] if values else default

    def get_all(self, name: str) -> list[str]:
        return list(self.headers.get(name.lower(), ()))


def read_response(sock: socket.socket, method: str = "GET") -> tuple[Response, bool]:
    """Reads one HTTP/1.1 answer from ``sock``; returns it and whether the connection stays
    open. Raises ``ServerClosed`` when the server closed the connection before answering."""
    buffer = bytearray()
    while (end := buffer.find(b"\r\n\r\n")) < 0:
        chunk = sock.recv(_READ_SIZE)
        if not chunk:
            if buffer:
                raise BrokenAnswer("the connection closed within an answer's headers")
            raise ServerClosed
        buffer += chunk
    lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    status = int(rest[:3])
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    connection = ",".join(headers.get("connection", ())).lower()
    keep_open = "close" not in connection and (version == "HTTP/1.1" or "keep-alive" in connection)
    body = buffer[end + 4 :]
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return Response(status, headers, b""), keep_open
    if "chunked" in ",".join(headers.get("transfer-encoding", ())).lower():
        return Response(status, headers, _read_chunked(sock, body)), keep_open
    if "content-length" in headers:
        length = int(headers["content-length"][-1])
        while len(body) < length:
            chunk = sock.recv(max(_READ_SIZE, length - len(body)))
            if not chunk:
                raise BrokenAnswer("the connection closed within an answer's body")
            body += chunk
        return Response(status, headers, bytes(body[:length])), keep_open
    while chunk := sock.recv(_READ_SIZE):  # neither: the body ends where the connection does
        body += chunk
    return Response(status, headers, bytes(body)), False


def _read_chunked(sock: socket.socket, buffer: bytearray) -> bytes:
    body = bytearray()
    while True:
        while (end := buffer.find(b"\r\n")) < 0:
            buffer += _receive(sock)
        size = int(bytes(buffer[:end]).split(b";", 1)[0], 16)
        del buffer[: end + 2]
        if size == 0:  # the last chunk, then trailers up to an empty line
            while not (buffer.startswith(b"\r\n") or b"\r\n\r\n" in buffer):
                buffer += _receive(sock)
            return bytes(body)
        while len(buffer) < size + 2:
            buffer += _receive(sock)
        body += buffer[:size]
        del buffer[: size + 2]


def _receive(sock: socket.socket) -> bytes:
    chunk = sock.recv(_READ_SIZE)
    if not chunk:
        raise BrokenAnswer("the connection closed within a chunked answer")
    return chunk


class Session:
    """One browser-like session: cookies, a connection, optional API token."""

    def __init__(self, base_url: str, *, api_token: str = "") -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.cookies: dict[str, str] = {}
        self.api_token = api_token
        self._sock: socket.socket | None = None
        self._address: tuple[Any, ...] | None = None

    def _connection(self) -> tuple[socket.socket, bool]:
        """The open connection and ``True``, or a new one and ``False``."""
        if self._sock is not None:
            return self._sock, True
        if self._address is None:  # looked up once, not at every connection
            self._address = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)[0]
        family, kind, protocol, _name, address = self._address
        sock = socket.socket(family, kind, protocol)
        try:
            sock.settimeout(60)
            sock.connect(address)
        except OSError:
            sock.close()
            raise
        self._sock = sock
        return sock, False

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
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None, *, api: bool = False
    ) -> tuple[int, bytes, Response]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if api:
            lines.append(f"Authorization: Token {self.api_token}")
            lines.append("Accept: application/json")
        elif self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        data = b""
        if body is not None:
            data = urlencode(body).encode()
            lines.append("Content-Type: application/x-www-form-urlencoded")
            lines.append(f"Referer: http://{self.host}:{self.port}{path}")
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(data)}")
        message = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data
        for attempt in range(2):  # one retry when the server closed an idle keep-alive socket
            sock, reused = self._connection()
            try:
                sock.sendall(message)
                response, keep_open = read_response(sock, method)
                break
            except (ServerClosed, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt or not reused:
                    raise
            except BaseException:
                self.close()
                raise
        if not keep_open:
            self.close()
        if not api:
            for header in response.get_all("Set-Cookie"):
                cookie = SimpleCookie()
                cookie.load(header)
                for key, morsel in cookie.items():
                    if morsel["max-age"] == "0" or morsel.value == "":
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = morsel.value
        return response.status, response.body, response

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
