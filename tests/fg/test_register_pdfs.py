"""A register's PDF is built by the worker, sealed at rest, and handed only to its requester for
a day (ORG-05; issue 10: a region's access register took WeasyPrint 12 to 25 s in a request)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from passend.accounts.models import Role
from passend.fg import services
from passend.fg.models import AVAILABLE_HOURS, BUILD_MINUTES, RegisterPdf
from passend.privacy.models import AccessLogEntry
from tests.conftest import make_professional, verified_client

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def officer(region: dict[str, Any]) -> Any:
    return make_professional(region["swv"], Role.PRIVACY_OFFICER, username="fg-pdf")


@pytest.fixture
def queue(settings: Any) -> Any:
    """A task backend that only records what was enqueued (nothing runs)."""
    from django.tasks import default_task_backend

    settings.TASKS = DUMMY_TASKS
    return default_task_backend


def _request(client: Any, register: str, capture: Any) -> Any:
    with capture(execute=True):
        return client.post(reverse(f"privacy_officer:register_{register}_pdf"))


def test_org05_access_register_pdf_is_built_sealed_and_downloaded_by_its_requester(
    officer: Any, coordinator_a: Any, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = verified_client(officer)
    assert client.get(reverse("privacy_officer:register_access_pdf")).status_code == 405
    response = _request(client, "access", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == reverse("privacy_officer:register_pdfs")
    pdf = RegisterPdf.objects.get()
    assert (pdf.register, pdf.status, pdf.requested_by) == ("access", "done", officer)
    # At rest the file is ciphertext: neither a PDF nor a name from the register.
    stored = (media_root / pdf.storage_name).read_bytes()
    assert not stored.startswith(b"%PDF") and b"ib-a" not in stored
    assert pdf.size > len(b"%PDF") and len(stored) == pdf.size + 16  # AES-GCM's tag

    page = client.get(reverse("privacy_officer:register_pdfs")).content.decode()
    download_url = reverse("privacy_officer:register_pdf_download", args=[pdf.pk])
    assert download_url in page and "Toegangsregister" in page
    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf" and download.content.startswith(b"%PDF")
    assert download["Cache-Control"] == "no-store"
    assert download["Content-Disposition"].startswith('attachment; filename="register-access-')
    logged = set(
        AccessLogEntry.objects.filter(actor=officer, action="fg_view").values_list(
            "reason", "object_type"
        )
    )
    assert ("register_access_pdf", "fg.registerpdf") in logged
    assert ("register_access_pdf_download", "fg.registerpdf") in logged


def test_org05_register_pdf_only_for_its_requester_in_a_register_role(
    region: dict[str, Any],
    officer: Any,
    coordinator_a: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _request(verified_client(officer), "processing", django_capture_on_commit_callbacks)
    pdf = RegisterPdf.objects.get(status="done")
    url = reverse("privacy_officer:register_pdf_download", args=[pdf.pk])
    admin = make_professional(region["swv"], Role.FUNCTIONAL_ADMIN, username="fb-pdf")
    assert verified_client(admin).get(url).status_code == 404
    # The list is per person: the other register role sees none.
    listed = verified_client(admin).get(reverse("privacy_officer:register_pdfs")).content
    assert url not in listed.decode() and "geen PDF" in listed.decode()
    coordinator = verified_client(coordinator_a)
    assert coordinator.get(url).status_code == 403
    assert coordinator.post(reverse("privacy_officer:register_access_pdf")).status_code == 403
    assert coordinator.get(reverse("privacy_officer:register_pdfs")).status_code == 403
    assert RegisterPdf.objects.count() == 1


def test_org05_register_pdf_queues_the_id_only_and_once_while_it_is_being_made(
    officer: Any, queue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = verified_client(officer)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("privacy_officer:register_access_pdf"), follow=True)
        assert response.status_code == 200
    pdf = RegisterPdf.objects.get()
    assert pdf.status == "pending"
    (queued,) = queue.results
    assert (queued.args, queued.kwargs) == ([pdf.pk], {})
    page = response.content.decode()
    assert "al gemaakt" in page and "hx-trigger" in page
    assert reverse("privacy_officer:register_pdf_download", args=[pdf.pk]) not in page
    # Not downloadable before it is done.
    download = reverse("privacy_officer:register_pdf_download", args=[pdf.pk])
    assert client.get(download).status_code == 404
    # A second worker that picks up the same id does nothing.
    assert services.build_register_pdf(pdf.pk) is True
    assert services.build_register_pdf(pdf.pk) is False
    assert client.get(download).status_code == 200
    # Done: the next request queues a new one.
    client.post(reverse("privacy_officer:register_access_pdf"))
    assert RegisterPdf.objects.count() == 2


def test_org05_a_failed_build_says_so_keeps_no_file_and_logs_no_content(
    officer: Any,
    coordinator_a: Any,
    media_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    queue: Any,
) -> None:
    client = verified_client(officer)
    client.post(reverse("privacy_officer:register_access_pdf"))
    pdf = RegisterPdf.objects.get()

    def broken_storage_save(name: str, content: Any, **kwargs: Any) -> str:
        raise OSError(f"disk full while writing {coordinator_a.username}")

    monkeypatch.setattr(default_storage, "save", broken_storage_save)
    with caplog.at_level(logging.ERROR), pytest.raises(OSError):
        services.build_register_pdf(pdf.pk)
    pdf.refresh_from_db()
    assert pdf.status == "failed" and pdf.storage_name == ""
    assert not [p for p in media_root.rglob("*") if p.is_file()]
    assert "OSError" in caplog.text and coordinator_a.username not in caplog.text
    page = client.get(reverse("privacy_officer:register_pdfs")).content.decode()
    assert "kon niet worden gemaakt" in page and "hx-trigger" not in page


def test_prv06_register_pdfs_are_gone_after_a_day_row_and_file(
    officer: Any, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = verified_client(officer)
    _request(client, "processing", django_capture_on_commit_callbacks)
    old = RegisterPdf.objects.get()
    stray = media_root / services.STORAGE_DIR / "stray.bin"
    stray.write_bytes(b"ciphertext without a row")
    past = timezone.now() - dt.timedelta(hours=AVAILABLE_HOURS, minutes=1)
    RegisterPdf.objects.filter(pk=old.pk).update(created_at=past)
    _request(client, "processing", django_capture_on_commit_callbacks)
    fresh = RegisterPdf.objects.exclude(pk=old.pk).get()
    # Past its day: neither listed nor handed out, even before the purge ran.
    url = reverse("privacy_officer:register_pdf_download", args=[old.pk])
    assert client.get(url).status_code == 404
    assert url not in client.get(reverse("privacy_officer:register_pdfs")).content.decode()

    later = timezone.now() + dt.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.purge_register_pdfs(now=later)
    assert result == {"pdfs_deleted": 1, "orphans_deleted": 1}
    assert list(RegisterPdf.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not (media_root / old.storage_name).exists() and not stray.exists()
    assert (media_root / fresh.storage_name).exists()


def test_org05_a_build_cut_off_shows_as_failed_and_does_not_hold_up_a_new_request(
    officer: Any, queue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A worker stopped mid-build leaves its PDF running: after ``BUILD_MINUTES`` the list
    says it failed and stops asking, and the next request queues a new build."""
    client = verified_client(officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy_officer:register_access_pdf"))
    pdf = RegisterPdf.objects.get()
    started = timezone.now() - dt.timedelta(minutes=BUILD_MINUTES - 1)
    RegisterPdf.objects.filter(pk=pdf.pk).update(status="running", started_at=started)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy_officer:register_access_pdf"))
    assert RegisterPdf.objects.count() == 1  # still being made: nothing new queued
    assert "hx-trigger" in client.get(reverse("privacy_officer:register_pdfs")).content.decode()

    cut_off = timezone.now() - dt.timedelta(minutes=BUILD_MINUTES + 1)
    RegisterPdf.objects.filter(pk=pdf.pk).update(started_at=cut_off)
    page = client.get(reverse("privacy_officer:register_pdfs")).content.decode()
    assert "kon niet worden gemaakt" in page and "hx-trigger" not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy_officer:register_access_pdf"))
    assert RegisterPdf.objects.count() == 2
    assert len(queue.results) == 2


def test_register_pdfs_list_and_download_have_constant_queries(
    officer: Any, queue: Any, django_assert_max_num_queries: Any
) -> None:
    """The list reads the person's PDFs in one query whatever their number; the download reads
    its PDF, wrapped key and nonce included, in one."""
    client = verified_client(officer)
    url = reverse("privacy_officer:register_pdfs")
    first = RegisterPdf.objects.create(register="processing", requested_by=officer)
    services.build_register_pdf(first.pk)
    client.get(url)
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    for _ in range(5):
        RegisterPdf.objects.create(register="access", requested_by=officer)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)
    download = reverse("privacy_officer:register_pdf_download", args=[first.pk])
    with django_assert_max_num_queries(20) as read:
        assert client.get(download).status_code == 200
    assert sum("fg_registerpdf" in q["sql"] for q in read.captured_queries) == 1
