"""The TLV procedure's happy path through the browser (issue 5): the CvA triages, assesses and
advises bij hamerslag; the SWV director decides; the decision letter is a PDF. Every page is
checked with axe-core for WCAG 2.2 AA (issue 11, check 12)."""

from __future__ import annotations

from typing import Any

import pytest

from passend.tlv.models import Letter, TlvApplication
from tests.e2e.conftest import assert_accessible, navigate_by
from tests.e2e.test_journeys import demo, login, logout  # noqa: F401 (demo is a fixture)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def submit_form(page: Any, what: str) -> None:
    assert_accessible(page, what)
    navigate_by(page, page.locator("main button[type=submit]").first.click)


def test_tlv_04_to_07_happy_path_cva_advice_and_board_decision(page: Any, demo: Any) -> None:  # noqa: F811
    application = TlvApplication.objects.get(status=TlvApplication.Status.SUBMITTED)
    case_id = application.case_id

    login(page, "cva-secretaris", check=False)
    page.goto("/tlv/")
    assert_accessible(page, "the CvA's TLV queue")
    navigate_by(page, page.locator(f"a[href='/tlv/{case_id}/triage/']").click)
    page.select_option("select[name=route]", "secretary")
    submit_form(page, "the triage form")
    assert page.url.endswith(f"/tlv/{case_id}/"), page.url
    assert_accessible(page, "the TLV file after triage")

    page.goto(f"/tlv/{case_id}/stap/assess/")
    for name in ("disorder_established", "educational_limitation", "care_insufficient"):
        page.check(f"input[name={name}]")
    page.check("input[name=causal_link]")
    page.fill("textarea[name=notes]", "Voldoet aan de criteria van cluster 4.")
    submit_form(page, "the assessment checklist")

    page.goto(f"/tlv/{case_id}/stap/advice/")
    page.select_option("select[name=positive]", "1")
    page.check("input[name=by_gavel]")
    page.fill("textarea[name=motivation]", "Alle criteria zijn aangetoond.")
    submit_form(page, "the advice form")
    application.refresh_from_db()
    assert application.status == TlvApplication.Status.ADVISED, application.status
    logout(page)

    login(page, "directeur-swv", check=False)
    page.goto("/tlv/")
    assert_accessible(page, "the director's TLV overview")
    navigate_by(page, page.locator(f"a[href='/tlv/{case_id}/besluit/']").click)
    submit_form(page, "the board's decision form")
    application.refresh_from_db()
    assert application.status == TlvApplication.Status.DECIDED, application.status
    letter = Letter.objects.filter(application=application, kind=Letter.Kind.DECISION).get()
    response = page.request.get(f"/tlv/{case_id}/brieven/{letter.pk}/")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"
