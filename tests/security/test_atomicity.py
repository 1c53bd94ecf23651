"""Check 7 of issue 11: a write and its access-log entry commit together or not at all.

DESIGN.md privacy core 2 and "a failed write changes nothing". A failure is injected at the
moment the access-log entry is appended (``privacy.services._append``), i.e. after the
service's own rows were written in the same transaction; afterwards neither the rows nor the
log entry may exist. The same for an upload: a crash after the encrypted blob was written
leaves no orphan file and no row.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from passend.accounts.models import Role
from passend.cases import services as case_services
from passend.cases.models import Case, CaseKind, Phase
from passend.consent import services as consent_services
from passend.consent.models import ConsentMethod
from passend.fg import services as fg_services
from passend.privacy import services as privacy_services
from passend.privacy.categories import DataCategory
from passend.privacy.context import AccessContext
from passend.privacy.models import AccessLogEntry
from tests.access.helpers import make_pupil
from tests.cases.screens import actor, build_world
from tests.conftest import make_professional, verified_client

pytestmark = pytest.mark.django_db


class InjectedFailure(RuntimeError):
    pass


def every_table() -> dict[str, int]:
    tables = set(connection.introspection.table_names())
    counts = {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.db_table in tables and m._meta.app_label not in {"sessions", "axes"}
    }
    counts["case versions"] = list(
        Case.objects.order_by("pk").values_list("pk", "version", "phase")
    )  # type: ignore[assignment]
    return counts


class FailingLog:
    """Once armed, every access-log append fails, whichever way the entries go: one by one
    (``_append``) or as a list's rows (``_append_rows``, which ``record_access_many`` and the
    bulk services use); ``reached`` counts the attempts."""

    _ACTION = privacy_services._WRITTEN_NAMES.index("action")

    def __init__(self) -> None:
        self.original = privacy_services._append
        self.original_rows = privacy_services._append_rows
        self.armed = False
        self.only_action = ""  # fail only the append of this action (a web request logs reads too)
        self.reached = 0

    def _fails(self, actions: list[str]) -> bool:
        if not self.armed or (self.only_action and self.only_action not in actions):
            return False
        self.reached += 1
        return True

    def __call__(self, entries: list[Any]) -> None:
        if self._fails([e.action for e in entries]):
            raise InjectedFailure("injected between the write and its access-log entry")
        self.original(entries)

    def rows(self, rows: list[list[Any]]) -> None:
        if self._fails([row[self._ACTION] for row in rows]):
            raise InjectedFailure("injected between the write and its access-log entries")
        self.original_rows(rows)


@pytest.fixture
def failing_log(monkeypatch: pytest.MonkeyPatch) -> FailingLog:
    failing = FailingLog()
    monkeypatch.setattr(privacy_services, "_append", failing)
    monkeypatch.setattr(privacy_services, "_append_rows", failing.rows)
    return failing


@pytest.fixture
def world(region: dict[str, Any], coordinator_a: Any) -> Any:
    return build_world(region, coordinator_a, first_name="Hildegonda")


def _services(world: Any) -> dict[str, Callable[[], Any]]:
    owner = actor(world.owner)
    case = Case.objects.get(pk=world.case.pk)
    pupil = make_pupil(world.region["school_a"], first_name="Reinout")
    officer = make_professional(world.region["swv"], Role.PRIVACY_OFFICER, username="fg-atomic")
    return {
        "open_case": lambda: case_services.open_case(
            owner, kind=CaseKind.SUPPORT, pupil=pupil, title="Nieuw traject"
        ),
        "open_cases": lambda: case_services.open_cases(
            owner, kind=CaseKind.ATTENDANCE, pupil_ids=[pupil.pk], title="Verzuim"
        ),
        "add_entry": lambda: case_services.add_entry(
            owner, case, category=DataCategory.BEHAVIOUR, title="Observatie", body="Onrustig."
        ),
        "change_phase": lambda: case_services.change_phase(
            owner, case, to_phase=Phase.ASSESSMENT, expected_version=case.version
        ),
        "record_hearing": lambda: case_services.record_hearing(
            owner,
            case,
            heard_on=timezone.localdate(),
            heard_by="IB",
            child_view="Wil blijven.",
            not_heard_reason="",
        ),
        "give_consent": lambda: consent_services.give_consent(
            owner,
            case,
            parties=[world.ggd],
            categories=[DataCategory.HEALTH],
            given_by_pupil=True,
            guardian_ids=list(world.pupil.guardians.values_list("pk", flat=True)),
            given_on=timezone.localdate(),
            form_version="2026-1",
            method=ConsentMethod.PAPER,
        ),
        "end_participant": lambda: case_services.end_participant(
            owner, case.participants.get(user=world.partner), reason="Klaar"
        ),
        "request_register_pdf": lambda: fg_services.request_register_pdf(
            AccessContext(user=officer, role=Role.PRIVACY_OFFICER), officer, "access"
        ),
    }


SERVICE_NAMES = [
    "open_case",
    "open_cases",
    "add_entry",
    "change_phase",
    "record_hearing",
    "give_consent",
    "end_participant",
    "request_register_pdf",
]


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_a_failing_access_log_append_rolls_back_the_write(
    world: Any, failing_log: FailingLog, name: str
) -> None:
    call = _services(world)[name]
    before = every_table()
    failing_log.armed = True
    with pytest.raises(InjectedFailure):
        call()
    assert failing_log.reached, f"{name} never reached the access log: the write is not logged"
    after = every_table()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after.get(k)}
    assert not changed, f"{name} left a partial write after the log failed: {changed}"


def test_a_failing_access_log_append_in_a_web_request_changes_nothing(
    world: Any, failing_log: FailingLog
) -> None:
    client = verified_client(world.owner)
    client.raise_request_exception = False
    before = every_table()
    failing_log.armed = True
    failing_log.only_action = "add_entry"
    response = client.post(
        f"/trajecten/{world.case.pk}/gegevens/nieuw/",
        {"category": DataCategory.BEHAVIOUR, "title": "Observatie", "body": "Onrustig in de les."},
    )
    assert response.status_code == 500
    assert failing_log.reached
    assert every_table() == before
    assert "Traceback" not in response.content.decode()


def test_the_log_entry_is_not_kept_when_the_write_after_it_fails(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other order: the entry was appended, then the service fails: no entry survives."""
    from passend.cases import models as case_models

    original = case_models.PhaseChange.objects.create
    calls: list[int] = []

    def create_then_fail(**kwargs: Any) -> Any:
        calls.append(1)
        raise InjectedFailure("injected after the log entry")

    monkeypatch.setattr(case_models.PhaseChange.objects, "create", create_then_fail)
    count = AccessLogEntry.objects.count()
    case = Case.objects.get(pk=world.case.pk)
    with pytest.raises(InjectedFailure):
        case_services.change_phase(actor(world.owner), case, to_phase=Phase.ASSESSMENT)
    assert calls
    assert AccessLogEntry.objects.count() == count
    case.refresh_from_db()
    assert case.phase == Phase.INTAKE
    monkeypatch.setattr(case_models.PhaseChange.objects, "create", original)


# --- Uploads ----------------------------------------------------------------------------------


def _blobs(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


@pytest.mark.parametrize("where", ["access_log", "document_row"])
def test_a_crash_in_the_middle_of_an_upload_leaves_no_orphan_file_or_row(
    world: Any, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from passend.documents import services as document_services
    from passend.documents.models import Document
    from tests.documents.fixtures import pdf

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSEND_CLAMD_SOCKET = ""
    written: list[int] = []
    original_write = document_services._write_blob

    def write_blob(data: bytes) -> Any:
        blob = original_write(data)
        written.append(1)
        return blob

    def boom(*_args: Any, **_kwargs: Any) -> Any:
        raise InjectedFailure(f"injected at {where}")

    monkeypatch.setattr(document_services, "_write_blob", write_blob)
    if where == "access_log":
        monkeypatch.setattr(privacy_services, "_append", boom)
    else:
        monkeypatch.setattr(Document.objects, "create", boom)
    before = every_table()
    upload = SimpleUploadedFile("verslag.pdf", pdf("Verslag van de jeugdarts."))
    with pytest.raises(InjectedFailure):
        document_services.upload_document(
            actor(world.owner),
            Case.objects.get(pk=world.case.pk),
            upload=upload,
            title="Verslag",
            category=DataCategory.ORDINARY,
        )
    assert written, "the crash came before the blob was written: the test proves nothing"
    assert _blobs(Path(settings.MEDIA_ROOT)) == [], "an orphan encrypted file was left behind"
    assert every_table() == before, "a partial upload left a row"
