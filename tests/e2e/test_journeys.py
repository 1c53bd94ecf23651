"""Main journeys of each role in a real browser, every page checked with axe-core (WCAG 2.2 AA).

Issue 11, check 12; PRV-08 (password + TOTP), ORG-02 (choosing the acting membership),
CON-01..03 (consent), the FG page and the pupil import page. The data is the demo region.
"""

from __future__ import annotations

from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from passend.accounts.demo import DEMO_PASSWORD, load_demo
from passend.cases.models import Case
from tests.e2e.conftest import assert_accessible, navigate_by

# serialized_rollback: restore the rows of data migrations (term rules, kinds) that an earlier
# transactional test flushed; the demo and the services need them.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def demo(live_server: Any) -> Any:
    return load_demo()


def code_for(username: str) -> str:
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    # The code of the next time step cannot have been used yet (TOTP reuse is refused).
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{value:0{device.digits}d}"


def login(page: Any, username: str, *, check: bool = True) -> None:
    page.goto("/accounts/login/")
    if check:
        assert_accessible(page, "the login page")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/accounts/2fa/verify/**")
    if check:
        assert_accessible(page, "the second-factor page")
    page.fill("input[name=token]", code_for(username))
    navigate_by(page, lambda: page.press("input[name=token]", "Enter"))
    assert "/accounts/login/" not in page.url and "/2fa/" not in page.url, page.url


def logout(page: Any) -> None:
    page.locator("form[action$='/accounts/logout/'] button").first.click()
    page.wait_for_url("**/accounts/login/**")


def test_support_coordinator_opens_a_case_gives_consent_and_logs_out(page: Any, demo: Any) -> None:
    login(page, "zoco-vo")
    assert_accessible(page, "the home page")
    page.goto("/trajecten/")
    assert_accessible(page, "the case list")
    case = Case.objects.get(pseudonym="TDEMO-001")
    page.locator(f"a[href$='/trajecten/{case.pk}/']").first.click()
    page.wait_for_url(f"**/trajecten/{case.pk}/")
    assert "TDEMO-001" in page.content()
    assert_accessible(page, "the case detail")

    page.goto(f"/trajecten/{case.pk}/toestemming/nieuw/")
    assert_accessible(page, "the consent form")
    page.locator("input[name=parties]").first.check()
    page.locator("input[name=categories]").first.check()
    page.check("input[name=given_by_pupil]")
    for box in page.locator("input[name=given_by_guardians]").all():
        box.check()
    page.fill("input[name=given_on]", "2026-11-02")
    page.fill("input[name=form_version]", "Convenant 2026 e2e")
    page.select_option("select[name=method]", index=1)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"**/trajecten/{case.pk}/")
    assert "Convenant 2026 e2e" in page.content()
    assert_accessible(page, "the case detail after consent")
    logout(page)
    page.goto(f"/trajecten/{case.pk}/")
    assert "/accounts/login/" in page.url, "the case was reachable after logout"


def test_professional_with_two_memberships_chooses_one(page: Any, demo: Any) -> None:
    login(page, "dubbelrol", check=False)
    page.wait_for_url("**/accounts/membership/**")
    assert_accessible(page, "the membership chooser")
    page.locator("input[name=membership]").first.check()
    navigate_by(page, page.locator("main form button[type=submit]").first.click)
    assert "/accounts/membership/" not in page.url
    assert_accessible(page, "the home page after choosing")


def test_privacy_officer_page(page: Any, demo: Any) -> None:
    login(page, "fg", check=False)
    page.goto("/fg/zwaarwegend-belang/")
    assert page.locator("h1").count() >= 1
    assert_accessible(page, "the FG page")


def test_pupil_import_page(page: Any, demo: Any) -> None:
    login(page, "zoco-vo", check=False)
    page.goto("/leerlingen/importeren/")
    assert page.locator("input[type=file]").count() >= 1
    assert_accessible(page, "the pupil import page")
    page.goto("/leerlingen/")
    assert_accessible(page, "the pupil list")
