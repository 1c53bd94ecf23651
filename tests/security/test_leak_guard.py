"""Check 6 of issue 11: the leak guard itself (``tests/leak_guard.py``) finds what it must.

The guard runs around every test of the suite; these tests prove that it would catch a pupil's
name, birth date, BSN or case text in each channel, and that the project's logging never lets a
CR/LF in a value split a log line.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import logging.config
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage

from passend.cases.models import CaseEntry
from passend.privacy.categories import DataCategory
from tests.access.helpers import make_pupil
from tests.leak_guard import Recorded, load_secrets, log_problems, problems

pytestmark = pytest.mark.django_db

BSN = "123456782"  # passes the elfproef; the classic test number


def _record(message: str, *args: Any) -> logging.LogRecord:
    return logging.LogRecord("passend.test", logging.INFO, __file__, 1, message, args, None)


@pytest.fixture
def pupil(region: dict[str, Any]) -> Any:
    return make_pupil(
        region["school_a"],
        first_name="Ottoline",
        last_name="Vanderbrug",
        birth_date=dt.date(2011, 3, 4),
    )


def test_guard_is_active_around_every_test(request: pytest.FixtureRequest) -> None:
    assert "_leak_guard" in request.fixturenames


@pytest.mark.parametrize(
    "text",
    [
        "Ottoline",
        "leerling Vanderbrug afwezig",
        "geboren 04-03-2011",
        "geboren 4-3-2011",
        "2011-03-04",
        "4 maart 2011",
        "4 March 2011",
        f"bsn {BSN}",
        "1234.56.782",
    ],
)
@pytest.mark.leak_guard_exempt(reason="feeds personal data to the guard's own detector")
def test_each_kind_of_secret_is_found(pupil: Any, text: str) -> None:
    assert load_secrets().find(text, ignore_case=False), text


@pytest.mark.leak_guard_exempt(reason="feeds personal data to the guard's own detector")
def test_case_text_of_a_health_entry_is_found(pupil: Any, coordinator_a: Any) -> None:
    from passend.accounts.models import Membership
    from tests.access.helpers import make_case

    case = make_case(Membership.objects.get(user=coordinator_a), pupil=pupil)
    CaseEntry.objects.create(
        case=case,
        category=DataCategory.DIAGNOSTICS,
        supplied_by=case.owner,
        phase=case.phase,
        title="Onderzoek",
        body="Uitslag: dyslexie vastgesteld door de orthopedagoog.",
        recorded_by=coordinator_a,
    )
    found = load_secrets().find(
        "task got Uitslag: dyslexie vastgesteld door de orthopedagoog.", ignore_case=False
    )
    assert any("case text" in f for f in found)


def test_ordinary_text_is_not_a_leak(pupil: Any) -> None:
    secrets = load_secrets()
    assert secrets.find("Not Found: /trajecten/12/ 2026-11-23 trace 9f3a", ignore_case=False) == []
    assert secrets.find("Ottolinestraat 4", ignore_case=False) == []  # not a whole word
    assert secrets.find("DTSTAMP:20261123T103000Z", ignore_case=False) == []  # ICS time
    # An ICS time next to a keyword (a meeting about a BSN check) is still a time.
    ics = "SUMMARY:Overleg BSN-controle\r\nDTSTAMP:20261123T103000Z\r\nDTSTART:20261124T090000"
    assert secrets.find(ics, ignore_case=False) == []
    # …but a real BSN next to the keyword is found.
    assert secrets.find(f"SUMMARY:BSN {BSN}", ignore_case=False) != []


@pytest.mark.leak_guard_exempt(reason="feeds personal data to the guard's own detector")
def test_every_channel_is_checked(pupil: Any) -> None:
    recorded = Recorded(
        logs=[_record("opened case for %s", "Ottoline Vanderbrug")],
        tasks=["notify(42, name='Vanderbrug')"],
        urls=["/leerlingen/?q=Ottoline"],
        redirects=["/trajecten/?geboren=2011-03-04"],
    )
    message = EmailMessage("Nieuw bericht", "Over Ottoline", to=["x@example.invalid"])
    found = problems(recorded, [message])
    kinds = {f.split(" ")[0] for f in found}
    assert {"e-mail", "log", "task", "requested", "redirect"} <= kinds, found


@pytest.mark.leak_guard_exempt("mail", reason="sends a leaking e-mail to see the guard catch it")
def test_mail_outbox_is_read(pupil: Any) -> None:
    mail.send_mail("Nieuw", "Ottoline heeft een nieuw plan", "a@example.invalid", ["b@x.invalid"])
    assert problems(Recorded(), list(mail.outbox))


def test_control_characters_never_split_a_log_line(pupil: Any) -> None:
    """A name with CR/LF (log forging) comes out of the project's handler as one line."""
    stream = io.StringIO()
    config = dict(settings.LOGGING)
    handlers = {k: dict(v) for k, v in config["handlers"].items()}
    handlers["console"]["stream"] = stream
    logger = logging.getLogger("passend.leakguard.forging")
    handler = logging.StreamHandler(stream)
    from passend.privacy.logging import SingleLineFilter

    handler.addFilter(SingleLineFilter())
    handler.setFormatter(logging.Formatter(config["formatters"]["plain"]["format"]))
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("login failed for %s", "mallory\r\n2026-01-01 INFO passend login ok\x1b[2J")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    output = stream.getvalue()
    assert output.count("\n") == 1, output
    assert "\r" not in output and "\x1b" not in output
    # The console handler of settings.LOGGING carries that filter.
    assert "one_line" in handlers["console"]["filters"]


def test_a_split_log_line_is_reported_when_no_filter_cleans_it(
    pupil: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tests.leak_guard as guard

    monkeypatch.setattr(guard, "_console_filters", lambda: [])
    found = log_problems([_record("user %s", "eve\nINFO forged")], load_secrets())
    assert any("would split" in f for f in found)


@pytest.mark.leak_guard_exempt(reason="feeds file content to the guard's own detector")
def test_file_content_of_an_uploaded_document_is_found(
    region: dict[str, Any], coordinator_a: Any, settings: Any, tmp_path: Any
) -> None:
    """Check 6 names file content: a line of an uploaded text document is a secret too."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from passend.documents import services
    from tests.cases.screens import actor, build_world

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSEND_CLAMD_SOCKET = ""
    world = build_world(region, coordinator_a)
    line = "Observatie groep 7: concentratie na de pauze sterk wisselend."
    services.upload_document(
        actor(coordinator_a),
        world.case,
        upload=SimpleUploadedFile("verslag.txt", f"Verslag\n{line}\n".encode()),
        title="Verslag",
        category="ordinary",
    )
    found = load_secrets().find(f"log: {line}", ignore_case=False)
    assert any("case text" in f for f in found), found
