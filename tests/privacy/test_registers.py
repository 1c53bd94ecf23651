"""ORG-05 and AVG art. 30: registers generated from the real configuration, never by hand."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from typing import Any

import pytest
from django.urls import reverse

from passend.accounts.models import Membership, Role
from passend.privacy import activities, registers
from passend.privacy.models import AccessLogEntry
from tests.access.helpers import add_participant, make_case
from tests.conftest import make_professional, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_avg30_processing_register_matches_the_declared_activities() -> None:
    rows = registers.processing_register()
    declared = activities.all_activities()
    assert [r.code for r in rows] == [a.code for a in declared]
    assert {"retention", "break_the_glass", "case_management"} <= {r.code for r in rows}
    by_code = {r.code: r for r in rows}
    for activity in declared:
        assert by_code[activity.code].purpose == str(activity.purpose)
        assert by_code[activity.code].legal_basis == str(activity.legal_basis)


def test_org05_access_register_matches_memberships_and_involvement(
    region: dict[str, Any], coordinator_a: Any, coordinator_b: Any
) -> None:
    officer = make_professional(region["swv"], Role.PRIVACY_OFFICER, username="fg-reg")
    lpa = make_professional(region["municipality"], Role.ATTENDANCE_OFFICER, username="lpa-reg")
    gone = make_professional(region["swv"], Role.ECT_MEMBER, username="vertrokken")
    Membership.objects.filter(user=gone).update(valid_until=dt.date(2020, 1, 1))
    membership_a = Membership.objects.get(user=coordinator_a)
    case = make_case(membership_a)
    make_case(membership_a)
    add_participant(case, Membership.objects.get(user=coordinator_b), "intake")
    rows = {r.username: r for r in registers.access_register()}
    expected = set(
        Membership.objects.active()
        .filter(user__is_active=True)
        .values_list("user__username", flat=True)
    )
    assert set(rows) == expected and "vertrokken" not in rows
    assert rows["ib-a"].active_cases == 2 and rows["ib-b"].active_cases == 1
    assert rows["fg-reg"].categories == [] and rows[officer.username].active_cases == 0
    assert len(rows["ib-a"].categories) == 6
    assert len(rows[lpa.username].categories) == 2  # ordinary and absence only (ABS-05)
    assert "School A" in rows["ib-a"].motivation


def _pdf(client: Any, register: str, capture: Any) -> Any:
    """Requests the register's PDF, lets the worker build it (immediate tasks) and downloads it
    (passend.fg: the PDF is made in the background)."""
    from passend.fg.models import RegisterPdf

    with capture(execute=True):
        client.post(reverse(f"privacy_officer:register_{register}_pdf"))
    pdf = RegisterPdf.objects.filter(register=register).latest("created_at")
    return client.get(reverse("privacy_officer:register_pdf_download", args=[pdf.pk]))


def test_org05_registers_as_html_csv_and_pdf_for_fg_and_functional_admin(
    region: dict[str, Any],
    coordinator_a: Any,
    media_root: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    officer = make_professional(region["swv"], Role.PRIVACY_OFFICER, username="fg-csv")
    admin = make_professional(region["swv"], Role.FUNCTIONAL_ADMIN, username="fb-csv")
    for user in (officer, admin):
        client = verified_client(user)
        html = client.get(reverse("privacy_officer:register_access")).content.decode()
        assert "ib-a" in html
        response = client.get(reverse("privacy_officer:register_access_csv"))
        assert response["Content-Type"].startswith("text/csv")
        table = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
        assert table[0][0] == "Naam" and "ib-a" in {row[1] for row in table[1:]}
        pdf = _pdf(client, "processing", django_capture_on_commit_callbacks)
        assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        assert AccessLogEntry.objects.filter(
            actor=user, action="fg_view", reason="register_processing_pdf"
        ).exists()
    client = verified_client(coordinator_a)
    assert client.get(reverse("privacy_officer:register_access_csv")).status_code == 403
    assert client.get(reverse("privacy_officer:register_processing")).status_code == 403


def test_org05_access_register_page_has_constant_queries(
    region: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    admin = make_professional(region["swv"], Role.FUNCTIONAL_ADMIN, username="fb-q")
    client = verified_client(admin)
    url = reverse("privacy_officer:register_access")
    client.get(url)
    with django_assert_max_num_queries(25) as few:
        client.get(url)
    for n in range(8):
        make_professional(region["school_a"], Role.SUPPORT_COORDINATOR, username=f"extra-{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_org05_access_register_page_and_pdf_name_each_roles_access_once(
    region: dict[str, Any],
    coordinator_a: Any,
    coordinator_b: Any,
    media_root: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """ORG-05: every person with their role, and per role the categories and scope once (the
    same paragraph on each of a region's 1,500 rows made the PDF take two minutes, issue 10);
    the CSV keeps both on every row."""
    officer = make_professional(region["swv"], Role.PRIVACY_OFFICER, username="fg-roles")
    client = verified_client(officer)
    rows = registers.access_register()
    coordinator_rows = [r for r in rows if r.username in ("ib-a", "ib-b")]
    assert len(coordinator_rows) == 2 and coordinator_rows[0].scope == coordinator_rows[1].scope
    scope = html.escape(coordinator_rows[0].scope)
    page = client.get(reverse("privacy_officer:register_access")).content.decode()
    assert page.count(scope) == 1
    assert "ib-a" in page and "ib-b" in page and "Toegang per rol" in page
    roles = registers.access_by_role(rows)
    assert sorted(r.role for r in roles) == sorted({r.role for r in rows})
    by_role = {r.role: r for r in roles}
    for row in rows:
        assert by_role[row.role].categories == row.categories
        assert by_role[row.role].scope == row.scope
    pdf = _pdf(client, "access", django_capture_on_commit_callbacks)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    exported = client.get(reverse("privacy_officer:register_access_csv")).content.decode()
    assert exported.count(coordinator_rows[0].scope) >= 2
