"""Main pages of each role in a real browser, each checked with axe-core (issue 11, check 12).

Complements ``test_journeys.py`` (coordinator: case and consent; membership chooser; FG page;
pupil import). Per role: what the role starts its day with, and — for the roles whose access is
deliberately narrow — that it does not reach the rest (ORG-04, ABS-05, CO-05). One browser
session per test; every page is checked for WCAG 2.2 AA violations and for third-party loads
(the ``page`` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest

from passend.cases.models import Case
from tests.e2e.conftest import assert_accessible, navigate_by
from tests.e2e.test_journeys import demo, login  # noqa: F401 (demo is a fixture)

# serialized_rollback: the flush after each transactional test would drop migration data
# (TermRule rows) that the demo loader needs.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def visit(page: Any, path: str, what: str) -> Any:
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{what}: {path} -> {response}"
    assert page.locator("h1").count() >= 1, f"{what} has no heading"
    assert_accessible(page, what)
    return response


def test_school_coordinator_documents_and_tlv_application(page: Any, demo: Any) -> None:  # noqa: F811
    login(page, "zoco-vo", check=False)
    case = Case.objects.get(pseudonym="TDEMO-001")
    visit(page, f"/trajecten/{case.pk}/", "the case detail")
    upload = page.locator("a[href*='/documenten/']").first
    if upload.count():
        navigate_by(page, upload.click)
        assert_accessible(page, "the documents page")
    visit(page, "/tlv/", "the TLV overview")
    visit(page, "/tlv/nieuw/", "the new TLV application form")
    assert page.locator("main form").count() >= 1


def test_school_board_sees_its_tlv_applications(page: Any, demo: Any) -> None:  # noqa: F811
    login(page, "bestuur", check=False)
    visit(page, "/", "the board's home page")
    visit(page, "/tlv/", "the board's TLV overview")


def test_cva_secretary_triage_overview_and_meetings(page: Any, demo: Any) -> None:  # noqa: F811
    login(page, "cva-secretaris", check=False)
    visit(page, "/", "the CvA home page")
    visit(page, "/tlv/", "the CvA TLV overview (triage queue)")
    visit(page, "/trajecten/", "the CvA case list")


def test_swv_director_arrangements(page: Any, demo: Any) -> None:  # noqa: F811
    login(page, "directeur-swv", check=False)
    visit(page, "/arrangementen/", "the arrangement overview")
    visit(page, "/tlv/", "the SWV's TLV overview")


def test_attendance_officer_sees_the_absence_module_and_no_support_case(
    page: Any,
    demo: Any,  # noqa: F811
) -> None:
    """ABS-05: the leerplichtambtenaar works in the absence module; a support case is not his."""
    login(page, "leerplicht", check=False)
    visit(page, "/verzuim/", "the absence module")
    support = Case.objects.get(pseudonym="TDEMO-001")
    response = page.goto(f"/trajecten/{support.pk}/")
    assert response is not None and response.status == 404, "a support case was reachable"
    assert "TDEMO-001" not in page.content()
    assert_accessible(page, "the not-found page")


def test_privacy_officer_access_log_pages(page: Any, demo: Any) -> None:  # noqa: F811
    login(page, "fg", check=False)
    visit(page, "/fg/zwaarwegend-belang/", "the FG compelling-interest page")
    response = page.goto(f"/trajecten/{Case.objects.get(pseudonym='TDEMO-001').pk}/")
    assert response is not None and response.status == 404, "the FG reached case content"


def test_meeting_participant_sees_the_meeting_and_only_their_item(
    page: Any,
    demo: Any,  # noqa: F811
) -> None:
    """CO-05: an invitee (the GGD doctor) sees the demo meeting and the item she is invited to."""
    from passend.consultations.models import Meeting

    login(page, "jeugdarts", check=False)
    visit(page, "/overleg/", "the participant's meeting list")
    meeting = Meeting.objects.order_by("pk").first()
    assert meeting is not None, "the demo has no meeting"
    visit(page, f"/overleg/{meeting.pk}/", "the meeting as a participant")
    assert "TDEMO-001" in page.content(), "the invited agenda item is not shown"
    others = Case.objects.exclude(pseudonym="TDEMO-001").values_list("pseudonym", flat=True)
    content = page.content()
    assert not [p for p in others if p and p in content], "another case showed on the agenda"


def test_convener_finds_a_case_for_the_agenda_by_searching(page: Any, demo: Any) -> None:  # noqa: F811
    """CO-03, issue 10: the agenda form offers the convener's newest cases and finds others by
    name or pseudonym; the search is posted and keeps what was typed."""
    from passend.consultations.models import Meeting

    login(page, "zoco-vo", check=False)
    meeting = Meeting.objects.order_by("pk").first()
    assert meeting is not None, "the demo has no meeting"
    visit(page, f"/overleg/{meeting.pk}/agendapunten/nieuw/", "the agenda item form")
    page.fill("input[name=supporter_note]", "Buurvrouw")
    page.fill("input[name=q]", "TDEMO")
    navigate_by(page, lambda: page.press("input[name=q]", "Enter"))
    assert "/agendapunten/nieuw/" in page.url and "TDEMO" not in page.url
    assert page.locator("#offered-cases").inner_text().strip(), "no note on what was found"
    assert page.input_value("input[name=supporter_note]") == "Buurvrouw"
    assert_accessible(page, "the agenda item form after a search")


def test_privacy_officer_has_the_access_register_made_as_a_pdf(
    page: Any,
    demo: Any,  # noqa: F811
    settings: Any,
    tmp_path: Any,
) -> None:
    """ORG-05, issue 10: the PDF is made by the worker; the list of the FG's PDFs asks for its
    status until it is ready (htmx), then offers the download."""
    from passend.fg import services
    from passend.fg.models import RegisterPdf

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    login(page, "fg", check=False)
    visit(page, "/fg/registers/toegang/", "the access register")
    navigate_by(page, page.get_by_role("button", name="PDF maken").click)
    assert page.url.endswith("/fg/registers/pdf/"), page.url
    assert_accessible(page, "the register PDFs while one is being made")
    pdf = RegisterPdf.objects.get()
    assert pdf.status == "pending" and page.get_by_text("Wacht op verwerking").count() == 1
    services.build_register_pdf(pdf.pk)  # the worker's part
    download = page.get_by_role("link", name="Downloaden")
    download.wait_for(timeout=10_000)  # the list's next poll shows it
    assert_accessible(page, "the register PDFs with one ready")
    with page.expect_download() as event:
        download.click()
    assert event.value.suggested_filename.startswith("register-access-")
    assert event.value.path().read_bytes().startswith(b"%PDF")
