"""The load driver reads HTTP/1.1 answers off the socket itself (``bench.load``): every way an
answer's body can end, whether the connection stays open, cookies, and a server that closed an
idle connection."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest
from bench.load import BrokenAnswer, ServerClosed, Session, read_response


def _answered(raw: bytes, method: str = "GET") -> tuple[int, dict[str, list[str]], bytes, bool]:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(raw)
        theirs.shutdown(socket.SHUT_WR)
        response, keep_open = read_response(ours, method)
    return response.status, response.headers, response.body, keep_open


def test_a_body_of_content_length_and_the_connection_kept() -> None:
    status, headers, body, keep_open = _answered(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n"
        b"helloNEXT"
    )
    assert (status, body, keep_open) == (200, b"hello", True)
    assert headers["set-cookie"] == ["a=1", "b=2"]  # names in lower case, every value kept


def test_gunicorns_sync_worker_closes_after_the_answer() -> None:
    *_, body, keep_open = _answered(
        b"HTTP/1.1 302 Found\r\nConnection: close\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n"
    )
    assert (body, keep_open) == (b"", False)


def test_a_chunked_body_with_extensions_and_trailers() -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4;name=value\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    assert _answered(raw)[2] == b"Wikipedia in \r\n\r\nchunks."


def test_without_length_the_body_ends_with_the_connection() -> None:
    status, _headers, body, keep_open = _answered(b"HTTP/1.0 200 OK\r\n\r\nall of it")
    assert (status, body, keep_open) == (200, b"all of it", False)


def test_http_1_0_stays_open_only_when_the_server_says_keep_alive() -> None:
    raw = b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"
    assert _answered(raw)[3] is True


def test_no_body_for_head_and_204() -> None:
    assert _answered(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", "HEAD")[2] == b""
    assert _answered(b"HTTP/1.1 204 No Content\r\n\r\n")[2] == b""


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\nContent-Le",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    ],
)
def test_an_answer_cut_off_is_an_error_of_the_connection(raw: bytes) -> None:
    with pytest.raises(BrokenAnswer):
        _answered(raw)


def test_no_answer_at_all_is_a_closed_connection() -> None:
    with pytest.raises(ServerClosed):
        _answered(b"")


class _Server:
    """A server on loopback that answers each connection with ``answer(request, n)``."""

    def __init__(self, answer: Callable[[bytes, int], bytes | None]) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.answer = answer
        self.requests: list[bytes] = []
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                while True:
                    request = self._read_request(conn)
                    if request is None:
                        break
                    self.requests.append(request)
                    answer = self.answer(request, len(self.requests))
                    if answer is None:  # close without answering, as an idle timeout does
                        break
                    conn.sendall(answer)
                    if b"Connection: close" in answer:
                        break

    @staticmethod
    def _read_request(conn: socket.socket) -> bytes | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
                while len(body) < length:
                    body += conn.recv(65536)
        return head + b"\r\n\r\n" + body

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def server() -> Iterator[Callable[[Callable[[bytes, int], bytes | None]], _Server]]:
    made: list[_Server] = []

    def make(answer: Callable[[bytes, int], bytes | None]) -> _Server:
        made.append(_Server(answer))
        return made[-1]

    yield make
    for each in made:
        each.close()


def test_a_session_keeps_its_cookies_and_sends_its_form(server: Callable[..., _Server]) -> None:
    answers = {
        1: b"HTTP/1.1 200 OK\r\nSet-Cookie: sessionid=abc; HttpOnly; Path=/\r\n"
        b"Set-Cookie: csrftoken=t1; Path=/\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
        2: b"HTTP/1.1 302 Found\r\nLocation: /next/\r\n"
        b'Set-Cookie: csrftoken=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/\r\n'
        b"Content-Length: 0\r\nConnection: close\r\n\r\n",
    }
    running = server(lambda request, n: answers[n])
    session = Session(f"http://127.0.0.1:{running.port}")
    assert session.request("GET", "/a/")[:2] == (200, b"ok")
    assert session.cookies == {"sessionid": "abc", "csrftoken": "t1"}
    status, body, response = session.request("POST", "/b/", {"token": "1 2"})
    assert (status, body, response.getheader("Location")) == (302, b"", "/next/")
    assert session.cookies == {"sessionid": "abc"}  # the deleted cookie is gone
    post = running.requests[1]
    assert post.startswith(b"POST /b/ HTTP/1.1\r\n")
    assert b"Cookie: sessionid=abc; csrftoken=t1\r\n" in post
    assert b"Content-Length: 9\r\n" in post and post.endswith(b"\r\n\r\ntoken=1+2")
    assert running.connections == 2  # each answer said close
    session.close()


def test_an_api_request_sends_the_token_not_the_cookies(server: Callable[..., _Server]) -> None:
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
    running = server(lambda request, n: ok)
    session = Session(f"http://127.0.0.1:{running.port}", api_token="secret")
    session.cookies = {"sessionid": "abc"}
    assert session.request("GET", "/api/", api=True)[0] == 200
    assert session.request("GET", "/api/", api=True)[0] == 200
    assert b"Authorization: Token secret\r\n" in running.requests[0]
    assert b"Cookie:" not in running.requests[0]
    assert running.connections == 1  # kept alive: the answers did not say close
    session.close()


def test_an_idle_connection_the_server_closed_is_opened_again_once(
    server: Callable[..., _Server],
) -> None:
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    # The second request finds its kept connection closed; the third opens one again.
    running = server(lambda request, n: None if n == 2 else ok)
    session = Session(f"http://127.0.0.1:{running.port}")
    assert session.request("GET", "/1/")[0] == 200
    assert session.request("GET", "/2/")[0] == 200
    assert [r.split(b" ")[1] for r in running.requests] == [b"/1/", b"/2/", b"/2/"]
    assert running.connections == 2
    session.close()


def test_a_new_connection_that_closes_unanswered_is_an_error(
    server: Callable[..., _Server],
) -> None:
    running = server(lambda request, n: None)
    session = Session(f"http://127.0.0.1:{running.port}")
    with pytest.raises(ServerClosed):
        session.request("GET", "/")
    assert len(running.requests) == 1  # not sent twice: nothing was kept open
