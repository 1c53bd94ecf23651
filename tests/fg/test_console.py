"""The FG console (ORG-02, CON-05, PRV-06): 2FA and role-gated, each view itself logged, no case
content; anomalies; access-log search per pupil and per employee; constant query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passend.accounts.models import Role
from passend.emergency import services as emergency_services
from passend.privacy.context import AccessContext, subject_pseudonym
from passend.privacy.models import AccessLogEntry
from passend.privacy.services import record_access
from tests.access.helpers import make_pupil
from tests.cases.screens import actor, open_case
from tests.conftest import make_professional, verified_client

pytestmark = pytest.mark.django_db

PAGES = [
    "privacy_officer:index",
    "privacy_officer:justifications",
    "privacy_officer:break_glass",
    "privacy_officer:overdue_requests",
    "privacy_officer:anomalies",
    "privacy_officer:log_search",
    "privacy_officer:deletions",
    "privacy_officer:legal_holds",
    "privacy_officer:register_processing",
    "privacy_officer:register_access",
    "privacy_officer:register_pdfs",
]
REASON = "Crisis op school, ouders niet bereikbaar, direct handelen nodig."


@pytest.fixture
def officer(region: dict[str, Any]) -> Any:
    return make_professional(region["swv"], Role.PRIVACY_OFFICER, username="fg-console")


def test_org02_each_fg_view_is_itself_logged(officer: Any) -> None:
    client = verified_client(officer)
    for name in PAGES:
        before = AccessLogEntry.objects.filter(actor=officer).count()
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert AccessLogEntry.objects.filter(actor=officer).count() > before, name
        assert AccessLogEntry.objects.filter(
            actor=officer, activity="privacy_supervision", role=Role.PRIVACY_OFFICER
        ).exists()


def test_org02_fg_pages_are_role_gated_and_need_a_second_factor(
    officer: Any, coordinator_a: Any
) -> None:
    other = verified_client(coordinator_a)
    for name in PAGES:
        assert other.get(reverse(name)).status_code == 403, name
    unverified = Client()
    unverified.force_login(officer)
    response = unverified.get(reverse("privacy_officer:index"))
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_con05_fg_sees_break_the_glass_uses_without_case_content(
    region: dict[str, Any], officer: Any, coordinator_a: Any, coordinator_b: Any
) -> None:
    case = open_case(coordinator_b, make_pupil(region["school_b"], first_name="Inhoudloos"))
    grant = emergency_services.break_glass(
        actor(coordinator_a), pseudonym=case.pseudonym, reason=REASON
    )
    client = verified_client(officer)
    body = client.get(reverse("privacy_officer:break_glass")).content.decode()
    assert case.pseudonym in body and REASON in body and "Inhoudloos" not in body
    response = client.post(reverse("privacy_officer:break_glass_reviewed", args=[grant.pk]))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_by == officer
    assert AccessLogEntry.objects.filter(actor=officer, action="review_break_the_glass").exists()


def test_con05_break_the_glass_list_has_constant_queries(
    region: dict[str, Any],
    officer: Any,
    coordinator_a: Any,
    coordinator_b: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = verified_client(officer)
    client.get(reverse("privacy_officer:break_glass"))

    def add(n: int) -> None:
        for _i in range(n):
            case = open_case(coordinator_b, make_pupil(region["school_b"]))
            emergency_services.break_glass(
                actor(coordinator_a), pseudonym=case.pseudonym, reason=REASON
            )

    add(1)
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("privacy_officer:break_glass"))
    add(6)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("privacy_officer:break_glass"))


def test_prv02_access_log_search_per_pupil_and_per_employee(
    region: dict[str, Any], officer: Any, coordinator_a: Any
) -> None:
    pupil = make_pupil(region["school_a"], first_name="Zoekbaar")
    case = open_case(coordinator_a, pupil)
    verified_client(coordinator_a).get(reverse("cases:detail", args=[case.pk]))
    client = verified_client(officer)
    url = reverse("privacy_officer:log_search")
    body = client.post(url, {"kind": "pupil", "value": str(pupil.pk)}).content.decode()
    assert "ib-a" in body and "cases.case" in body and "Zoekbaar" not in body
    pseudonym = subject_pseudonym("pupil", pupil.pk)
    assert AccessLogEntry.objects.filter(
        actor=officer, action="fg_view", subject_pseudonym=pseudonym
    ).exists()
    body = client.post(url, {"kind": "employee", "value": "ib-a"}).content.decode()
    assert "case_management" in body
    assert AccessLogEntry.objects.filter(
        actor=officer, reason="log_search_employee", object_id=str(coordinator_a.pk)
    ).exists()


def test_org02_anomalies_show_failed_login_spikes_and_bulk_readers(
    settings: Any, officer: Any, coordinator_a: Any
) -> None:
    settings.PASSEND_ANOMALY_FAILED_LOGINS_PER_HOUR = 3
    settings.PASSEND_ANOMALY_READS_PER_HOUR = 4
    system = AccessContext.system()
    for _i in range(3):
        record_access(system, action="login_failed", activity="authentication")
    reader = AccessContext(user=coordinator_a, organisation_id=None, role="support_coordinator")
    for n in range(4):
        record_access(
            reader,
            action="view",
            activity="case_management",
            subject_pseudonym=f"pup-{n}",
            object_type="cases.case",
            object_id=str(n),
        )
    body = verified_client(officer).get(reverse("privacy_officer:anomalies")).content.decode()
    assert "Geen pieken" not in body and "Geen afwijkingen" not in body
    assert "ib-a" in body


def test_prv02_fg_sees_overdue_subject_requests_without_names(
    region: dict[str, Any], officer: Any
) -> None:
    """Integration with ``privacy.selectors.overdue_subject_requests`` (issue 8, part A)."""
    import datetime as dt

    from django.apps import apps

    try:
        subject_request = apps.get_model("privacy", "SubjectRequest")
    except LookupError:
        pytest.skip("subject requests (issue 8 part A) not installed")
    pupil = make_pupil(region["school_a"], first_name="Verzoekster")
    overdue = subject_request.objects.create(
        reference="AVG-TEST-1",
        pupil=pupil,
        subject_pseudonym=subject_pseudonym("pupil", pupil.pk),
        organisation_id=region["swv"].pk,
        kind="access",
        channel="staff",
        description="Inzage in het dossier",
        requester_name="Moeder Verzoekster",
        requester_relation="parent",
        received_on=dt.date(2026, 1, 5),
        identity_verified_on=dt.date(2026, 1, 6),
        due_date=dt.date(2026, 2, 2),
        status="received",
    )
    client = verified_client(officer)
    body = client.get(reverse("privacy_officer:overdue_requests")).content.decode()
    assert "AVG-TEST-1" in body and "Verzoekster" not in body
    assert AccessLogEntry.objects.filter(
        actor=officer, object_type="privacy.subjectrequest", object_id=str(overdue.pk)
    ).exists()


def test_prv06_fg_places_and_lifts_a_legal_hold_by_pseudonym(
    region: dict[str, Any], officer: Any, coordinator_a: Any
) -> None:
    from passend.retention.models import LegalHold
    from passend.retention.selectors import held_case_ids

    case = open_case(coordinator_a, make_pupil(region["school_a"], first_name="Bewaarkind"))
    client = verified_client(officer)
    url = reverse("privacy_officer:legal_holds")
    response = client.post(url, {"pseudonym": case.pseudonym, "reason": "kort"})
    assert response.status_code == 200 and not LegalHold.objects.exists()
    response = client.post(
        url, {"pseudonym": case.pseudonym.lower(), "reason": "Beroep bij de rechtbank loopt nog"}
    )
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert hold.placed_by == officer and case.pk in held_case_ids(timezone.localdate())
    body = client.get(url).content.decode()
    assert case.pseudonym in body and "Bewaarkind" not in body
    assert AccessLogEntry.objects.filter(actor=officer, action="legal_hold_placed").exists()
    client.post(reverse("privacy_officer:legal_hold_lift", args=[hold.pk]))
    assert case.pk not in held_case_ids(timezone.localdate())
    assert (
        verified_client(coordinator_a).post(url, {"pseudonym": case.pseudonym}).status_code == 403
    )
