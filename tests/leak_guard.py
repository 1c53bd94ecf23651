"""Check 6 of issue 11: no personal data leaves through a side channel, in the whole suite.

DESIGN.md privacy core 4, CO-04, AGE-02. While each test runs, this plugin records

* every log record (a handler on the root logger, whatever the test's own log settings),
* every e-mail (``django.core.mail.outbox``: subject, body, alternatives, attachments),
* every task enqueued through ``django.tasks`` (its arguments and keyword arguments),
* every URL the test client requests (path and query string) and every redirect it receives,

and after the test fails it when any of them holds a pupil's or guardian's name, a pupil's
birth date (d-m-Y, dd-mm-Y, Y-m-d, dd/mm/Y, "4 maart 2011", "4 March 2011"), a BSN-like number
(``bsn_guard.find_bsn_like``, 9 digits with the elfproef or an onderwijsnummer; not a
timestamp such as ICS ``20261123T103000Z``), the text of a health, diagnostics or behaviour
entry, or a line of an uploaded text document (file content, decrypted). Names and dates come
from the test's own database at the end of the test, so every pupil that any test creates is
covered.

It also fails a test whose log message, after the project's logging filters, still holds a
CR, LF or other control character (log forging: a name with a line break must never start a
new log line).

A test that must put such data in a channel on purpose says which channel, e.g. a test that
requests ``?q=<name>`` to prove the application ignores it:
``@pytest.mark.leak_guard_exempt("request_url", reason="…")``. Redirects the application sends
are still checked then.

The e-mail part was ``tests/mail_guard.py`` (consultations, CO-04); it lives here now so that
there is one guard and one set of secrets.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

DUTCH_MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
ENGLISH_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# Entry categories whose text is special personal data or close to it (AVG art. 9).
SENSITIVE_CATEGORIES = ("health", "diagnostics", "behaviour")
MIN_NAME = 3
_TIMESTAMP_TAIL = re.compile(r"T[0-9]{6}")


def _date_forms(day: Any) -> list[str]:
    return [
        f"{day.day}-{day.month}-{day.year}",
        f"{day:%d-%m-%Y}",
        f"{day:%Y-%m-%d}",
        f"{day.day} {DUTCH_MONTHS[day.month - 1]} {day.year}",
        f"{day.day} {ENGLISH_MONTHS[day.month - 1]} {day.year}",
        f"{day:%d/%m/%Y}",
    ]


# --- What was sent ---------------------------------------------------------------------------


@dataclass
class Recorded:
    logs: list[logging.LogRecord] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)  # requested by the test client
    redirects: list[str] = field(default_factory=list)  # Location headers the app sent


_current: Recorded | None = None
_lock = threading.Lock()


class _Capture(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if _current is not None:
            with _lock:
                _current.logs.append(record)


def _record_task(description: str) -> None:
    if _current is not None:
        with _lock:
            _current.tasks.append(description)


def _record_url(url: str, *, redirect: bool = False) -> None:
    if _current is not None and url:
        with _lock:
            (_current.redirects if redirect else _current.urls).append(url)


def _install_wrappers() -> None:
    """Wraps Task.enqueue and Client.request once per process."""
    from django.tasks.base import Task
    from django.test.client import Client

    if getattr(Task.enqueue, "_leak_guard", False):
        return
    original_enqueue = Task.enqueue
    original_aenqueue = Task.aenqueue
    original_request = Client.request

    def enqueue(self: Any, *args: Any, **kwargs: Any) -> Any:
        _record_task(f"{self.name}{args!r}{kwargs!r}")
        return original_enqueue(self, *args, **kwargs)

    async def aenqueue(self: Any, *args: Any, **kwargs: Any) -> Any:
        _record_task(f"{self.name}{args!r}{kwargs!r}")
        return await original_aenqueue(self, *args, **kwargs)

    def request(self: Any, **environ: Any) -> Any:
        query = environ.get("QUERY_STRING", "")
        _record_url(str(environ.get("PATH_INFO", "")) + (f"?{query}" if query else ""))
        response = original_request(self, **environ)
        location = response.get("Location", "") if hasattr(response, "get") else ""
        _record_url(location, redirect=True)
        return response

    enqueue._leak_guard = True  # type: ignore[attr-defined]
    Task.enqueue = enqueue  # type: ignore[method-assign]
    Task.aenqueue = aenqueue  # type: ignore[method-assign]
    Client.request = request  # type: ignore[method-assign]


# --- What must not be in it ------------------------------------------------------------------


@dataclass
class Secrets:
    names: re.Pattern[str] | None
    dates: list[str]
    texts: list[str]

    def find(self, text: str, *, ignore_case: bool) -> list[str]:
        from passend.bsn_guard import CONFIDENCE_LOW, confidence, find_bsn_like

        found = []
        if self.names is not None:
            pattern = self.names
            if ignore_case:
                pattern = re.compile(pattern.pattern, re.IGNORECASE)
            found += [f"the name {m.group(0)!r}" for m in pattern.finditer(text)]
        found += [f"the birth date {d!r}" for d in self.dates if d in text]
        found += [f"case text {t[:30]!r}…" for t in self.texts if t in text]
        # A bare 8-digit run (a BSN that lost its leading zero) is too common in dates and
        # ids to count here unless a keyword such as "BSN" is near. A digit run followed by
        # T and six digits is a timestamp (ICS DTSTAMP 20261123T103000Z, ISO basic format),
        # never a BSN, even with a keyword nearby.
        if any(
            confidence(text, m) != CONFIDENCE_LOW and not _TIMESTAMP_TAIL.match(text, m.end)
            for m in find_bsn_like(text)
        ):
            found.append("a BSN-like number")
        return found


def load_secrets() -> Secrets:
    from django.db import connection

    from passend.pupils.models import Guardian, Pupil

    names: set[str] = set()
    dates: set[str] = set()
    for first, last, born in Pupil.objects.values_list("first_name", "last_name", "birth_date"):
        names.update({first, last, f"{first} {last}"})
        if born:
            dates.update(_date_forms(born))
    for first, last in Guardian.objects.values_list("first_name", "last_name"):
        names.update({first, last, f"{first} {last}"})
    texts: list[str] = []
    if "cases_caseentry" in connection.introspection.table_names():
        from passend.cases.models import CaseEntry

        texts = [
            body.strip()
            for body in CaseEntry.objects.filter(category__in=SENSITIVE_CATEGORIES).values_list(
                "body", flat=True
            )
            if body and len(body.strip()) >= 20
        ]
    texts += _document_texts(connection)
    usable = sorted((n.strip() for n in names if n and len(n.strip()) >= MIN_NAME), key=len)
    pattern = (
        re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in reversed(usable)) + r")(?!\w)")
        if usable
        else None
    )
    return Secrets(pattern, sorted(dates), texts)


def _document_texts(connection: Any) -> list[str]:
    """Lines of uploaded text documents (file content), decrypted; other kinds are binary."""
    if "documents_document" not in connection.introspection.table_names():
        return []
    from passend.documents.models import Document, FileKind
    from passend.documents.services import read_content

    texts: list[str] = []
    for document in Document.objects.filter(kind=FileKind.TXT)[:50]:
        try:
            content = read_content(document).decode("utf-8", errors="replace")
        except Exception:  # noqa: S112 blob gone (temporary MEDIA_ROOT): nothing to match
            continue
        texts += [line.strip() for line in content.splitlines() if len(line.strip()) >= 20]
    return texts


def _mail_texts(message: Any) -> list[str]:
    texts = [str(message.subject), str(message.body)]
    for alternative in getattr(message, "alternatives", []) or []:
        content = alternative[0] if isinstance(alternative, tuple) else alternative.content
        texts.append(str(content))
    for attachment in getattr(message, "attachments", []) or []:
        content = attachment[1] if isinstance(attachment, tuple) else attachment.content
        if isinstance(content, bytes):
            content = content.decode("utf-8", errors="replace")
        texts.append(str(content))
    return texts


def leaks(messages: list[Any], secrets: Secrets | None = None) -> list[str]:
    """Every (message index, secret) found in e-mails; empty when the outbox is clean."""
    secrets = secrets or load_secrets()
    found: list[str] = []
    for index, message in enumerate(messages):
        # ICS and MIME fold long lines; unfold before searching.
        text = "\n".join(_mail_texts(message)).replace("\r\n ", "").replace("\n ", "")
        found += [
            f"e-mail {index} contains {what}" for what in secrets.find(text, ignore_case=True)
        ]
    return found


def _console_filters() -> list[Any]:
    """The filters of the project's log handlers (``settings.LOGGING``), e.g. SingleLineFilter."""
    filters: list[Any] = []
    for handler in logging.getLogger().handlers:
        if not isinstance(handler, _Capture):
            filters.extend(handler.filters)
    return filters


def log_problems(records: list[logging.LogRecord], secrets: Secrets) -> list[str]:
    found: list[str] = []
    filters = _console_filters()
    for record in records:
        try:
            message = record.getMessage()
        except Exception:
            found.append(f"log record of {record.name} cannot be formatted")
            continue
        for what in secrets.find(message, ignore_case=False):
            found.append(f"log line of {record.name} contains {what}: {message[:120]!r}")
        if any(not ch.isprintable() for ch in message):
            clone = logging.makeLogRecord(record.__dict__)
            for f in filters:
                f.filter(clone)
            if any(not ch.isprintable() for ch in clone.getMessage()):
                found.append(f"log line of {record.name} would split: {message[:80]!r}")
    return found


CHANNELS = ("mail", "log", "task", "request_url", "redirect")


def problems(
    recorded: Recorded, outbox: list[Any], skip: frozenset[str] = frozenset()
) -> list[str]:
    from urllib.parse import unquote_plus

    secrets = load_secrets()
    found = leaks(outbox, secrets) if outbox and "mail" not in skip else []
    if "log" not in skip:
        found += log_problems(recorded.logs, secrets)
    if "task" not in skip:
        for task in recorded.tasks:
            found += [
                f"task arguments {task[:80]!r} contain {w}"
                for w in secrets.find(task, ignore_case=False)
            ]
    urls = [] if "request_url" in skip else [("requested URL", u) for u in recorded.urls]
    urls += [] if "redirect" in skip else [("redirect to", u) for u in recorded.redirects]
    for label, url in urls:
        found += [
            f"{label} {url[:100]!r} contains {w}"
            for w in secrets.find(unquote_plus(url), ignore_case=False)
        ]
    return found


# --- The plugin ------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "leak_guard_exempt(*channels, reason=...): the test puts personal data in these channels "
        "on purpose (mail, log, task, request_url, redirect; none named: all), e.g. to prove "
        "that the application ignores a name in a query string",
    )


def _uses_database(request: pytest.FixtureRequest) -> bool:
    if request.node.get_closest_marker("django_db") is not None:
        return True
    return any(
        n in request.fixturenames for n in ("db", "transactional_db", "django_db_reset_sequences")
    )


@pytest.fixture(autouse=True)
def _leak_guard(request: pytest.FixtureRequest) -> Iterator[Recorded]:
    global _current
    uses_db = _uses_database(request)
    if uses_db:
        # Torn down after this fixture, so the test's rows (and its MEDIA_ROOT, for the
        # file content of documents) are still there when we look.
        request.getfixturevalue("_django_db_helper")
        request.getfixturevalue("settings")
    _install_wrappers()
    recorded = Recorded()
    handler = _Capture(level=logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    _current = recorded
    try:
        yield recorded
    finally:
        _current = None
        root.removeHandler(handler)
    marker = request.node.get_closest_marker("leak_guard_exempt")
    skip = frozenset((marker.args or CHANNELS) if marker is not None else ())
    unknown = skip - set(CHANNELS)
    if unknown:
        pytest.fail(f"leak_guard_exempt: unknown channels {sorted(unknown)}", pytrace=False)
    if not uses_db or skip == set(CHANNELS):
        return
    from django.core import mail

    outbox = list(getattr(mail, "outbox", []) or [])
    found = problems(recorded, outbox, skip)
    if found:
        shown = found[0]
        listed = "\n  ".join(list(dict.fromkeys(found))[:20])
        pytest.fail(
            "Personal data in a log line, e-mail, task argument or URL "
            f"(privacy core 4, CO-04, AGE-02): {shown}\n  {listed}",
            pytrace=False,
        )
