"""Screens and API of the attendance module: who sees what (ABS-03, ABS-05), logged per pupil,
query counts constant in the data size."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passend.access.actor import Actor
from passend.accounts.models import Membership, Role
from passend.accounts.services import issue_api_token
from passend.attendance import services
from passend.attendance.models import HomeStayKind, ReportableAbsence, ReportReason
from passend.privacy.models import AccessLogEntry
from tests.attendance.conftest import make_pupil
from tests.conftest import make_professional, verified_client

pytestmark = pytest.mark.django_db


def reportable_for(actor: Any, pupil: Any) -> ReportableAbsence:
    start = timezone.localdate() - dt.timedelta(days=20)
    for i in range(4):
        services.record_absence(
            actor, pupil=pupil, date=start + dt.timedelta(days=i), kind="unauthorised", hours=4
        )
    return ReportableAbsence.objects.get(pupil=pupil)


def test_import_screens_upload_progress_and_report(pupils: Any, coordinator_a: Any) -> None:
    client = verified_client(coordinator_a)
    assert client.get("/verzuim/importeren/").status_code == 200
    day = timezone.localdate() - dt.timedelta(days=7)
    data = f"Stamnummer;Datum;Lesuur;Verantwoording\n1001;{day:%d-%m-%Y};1;Ziek\n4242;{day:%d-%m-%Y};1;Ziek\n"
    upload = io.BytesIO(data.encode())
    upload.name = "verzuim.csv"
    response = client.post("/verzuim/importeren/", {"source": "magister", "file": upload})
    assert response.status_code == 302
    progress = client.get(response["Location"] + "voortgang/")
    body = progress.content.decode()
    assert "Afgewezen regels" in body and "4242" not in body
    assert "hx-get" not in body  # finished: polling stops


def test_abs_01_meldplichtig_overview_logs_each_pupil_and_has_constant_queries(
    pupils: Any, coordinator_a: Any, coordinator_actor: Any
) -> None:
    client = verified_client(coordinator_a)
    reportable_for(coordinator_actor, pupils[0])
    client.get("/verzuim/meldplichtig/")
    with CaptureQueriesContext(connection) as small:
        response = client.get("/verzuim/meldplichtig/")
    assert pupils[0].full_name in response.content.decode()
    for key in ("2001", "2002", "2003"):
        reportable_for(coordinator_actor, make_pupil(pupils[0].source_school, key))
    before = AccessLogEntry.objects.filter(
        action="list", object_type="attendance.reportableabsence"
    ).count()
    with CaptureQueriesContext(connection) as large:
        response = client.get("/verzuim/meldplichtig/")
    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    after = AccessLogEntry.objects.filter(
        action="list", object_type="attendance.reportableabsence"
    ).count()
    assert after - before == 4
    # Issue 10 (session 42): the school is compared as a value PostgreSQL's planner does not
    # look at (``prepared.opaque_id``): one plan for every school, not planned per request.
    (rows,) = [
        q["sql"]
        for q in large.captured_queries
        if q["sql"].startswith('SELECT "attendance_reportableabsence"."id"')
    ]
    assert '"attendance_reportableabsence"."school_id" = (SELECT' in rows


def test_abs_05_leerplicht_reaches_the_case_only_after_the_duo_report(
    region: dict[str, Any], pupils: Any, coordinator_a: Any, coordinator_actor: Any, officer: Any
) -> None:
    reportable = reportable_for(coordinator_actor, pupils[0])
    officer_client = verified_client(officer)
    url = f"/verzuim/dossier/{reportable.case_id}/"
    assert officer_client.get(url).status_code == 404
    school = verified_client(coordinator_a)
    assert school.get(f"/verzuim/meldplichtig/{reportable.pk}/melden/").status_code == 200
    response = school.post(
        f"/verzuim/meldplichtig/{reportable.pk}/melden/",
        {
            "kind": ReportReason.SIXTEEN_HOURS,
            "reported_on": timezone.localdate().isoformat(),
            "reference": "DUO-77",
            "municipality": region["municipality"].pk,
            "attendance_officer": officer.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()
    page = officer_client.get(url)
    assert page.status_code == 200
    assert "Notitie opslaan" in page.content.decode()
    saved = officer_client.post(
        f"{url}notitie/", {"held_on": timezone.localdate().isoformat(), "body": "Gesprek gepland."}
    )
    assert saved.status_code == 302
    assert "Gesprek gepland." in officer_client.get(url).content.decode()
    # ABS-05: a support case of the same pupil stays closed to leerplicht.
    from passend.cases import services as case_services

    support = case_services.open_case(coordinator_actor, kind="support", pupil=pupils[0])
    assert officer_client.get(f"/trajecten/{support.pk}/").status_code == 404


def test_abs_03_officer_page_without_report_offers_no_person_note(
    region: dict[str, Any], pupils: Any, coordinator_actor: Any, officer: Any
) -> None:
    from passend.cases import services as case_services

    reportable = reportable_for(coordinator_actor, pupils[0])
    case_services.add_participant(
        coordinator_actor,
        reportable.case,
        organisation=region["municipality"],
        user=officer,
        role="Leerplichtambtenaar",
    )
    client = verified_client(officer)
    page = client.get(f"/verzuim/dossier/{reportable.case_id}/")
    assert page.status_code == 200
    assert "Notitie opslaan" not in page.content.decode()
    refused = client.post(
        f"/verzuim/dossier/{reportable.case_id}/notitie/",
        {"held_on": timezone.localdate().isoformat(), "body": "x"},
    )
    assert refused.status_code in (400, 403)


def test_abs_05_leerplicht_has_no_school_screens(officer: Any) -> None:
    client = verified_client(officer)
    for url in ("/verzuim/importeren/", "/verzuim/meldplichtig/", "/verzuim/registreren/"):
        assert client.get(url).status_code == 403
    assert client.get("/verzuim/").status_code == 200
    assert client.get("/verzuim/preventief/").status_code == 200


def test_home_stay_list_constant_queries_and_flag(
    region: dict[str, Any], pupils: Any, coordinator_a: Any, coordinator_actor: Any
) -> None:
    def register(pupil: Any, days: int) -> None:
        services.register_home_stay(
            coordinator_actor,
            pupil=pupil,
            kind=HomeStayKind.RELATIVE,
            start_date=timezone.localdate() - dt.timedelta(days=days),
            reason="no_place",
        )

    register(pupils[0], 200)
    client = verified_client(coordinator_a)
    client.get("/verzuim/thuiszitters/")
    with CaptureQueriesContext(connection) as small:
        first = client.get("/verzuim/thuiszitters/")
    assert "langer dan 3 maanden" in first.content.decode()
    register(pupils[1], 10)
    register(pupils[2], 300)
    with CaptureQueriesContext(connection) as large:
        response = client.get("/verzuim/thuiszitters/")
    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_home_stay_create_screen(pupils: Any, coordinator_a: Any) -> None:
    client = verified_client(coordinator_a)
    assert client.get("/verzuim/thuiszitters/nieuw/").status_code == 200
    response = client.post(
        "/verzuim/thuiszitters/nieuw/",
        {
            "pupil": pupils[0].pk,
            "kind": HomeStayKind.RELATIVE,
            "start_date": (timezone.localdate() - dt.timedelta(days=5)).isoformat(),
            "reason": "care",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert client.get(response["Location"]).status_code == 200


def test_api_reportables_scoped_and_logged(
    region: dict[str, Any],
    pupils: Any,
    coordinator_a: Any,
    coordinator_actor: Any,
    coordinator_b: Any,
) -> None:
    from django.test import Client

    reportable_for(coordinator_actor, pupils[0])

    def api(user: Any) -> Client:
        membership = Membership.objects.get(user=user)
        _token, raw = issue_api_token(Actor.for_membership(membership).context, membership)
        return Client(HTTP_AUTHORIZATION=f"Token {raw}")

    own = api(coordinator_a).get("/api/v1/attendance/reportable/").json()
    assert [item["pupil_name"] for item in own] == [pupils[0].full_name]
    assert own[0]["evidence"] and own[0]["report_due"]
    assert api(coordinator_b).get("/api/v1/attendance/reportable/").json() == []
    officer = make_professional(region["municipality"], Role.ATTENDANCE_OFFICER, username="lpa2")
    assert api(officer).get("/api/v1/attendance/reportable/").json() == []
    schema = verified_client(coordinator_a).get("/api/v1/schema/")
    assert b"/api/v1/attendance/reportable/" in schema.content


def test_abs_05_officers_own_cases_newest_first_logged_in_constant_queries(
    region: dict[str, Any],
    pupils: Any,
    coordinator_actor: Any,
    officer: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Leerplicht's page lists the attendance cases they take part in, newest first, each
    logged, with the list's light policy input (issue 10: the same number of statements for one
    case or three); past the cap, a link to all their cases."""
    from passend.attendance import views
    from passend.cases import services as case_services

    def officers_case(pupil: Any) -> Any:
        case = reportable_for(coordinator_actor, pupil).case
        case_services.add_participant(
            coordinator_actor,
            case,
            organisation=region["municipality"],
            user=officer,
            role="Leerplichtambtenaar",
        )
        return case

    first = officers_case(pupils[0])
    client = verified_client(officer)
    client.get("/verzuim/")  # the session's first page writes its own (sign-in) rows
    with CaptureQueriesContext(connection) as one:
        page = client.get("/verzuim/").content.decode()
    assert f"/verzuim/dossier/{first.pk}/" in page
    later = [officers_case(pupil) for pupil in pupils[1:3]]
    before = AccessLogEntry.objects.count()
    with CaptureQueriesContext(connection) as three:
        page = client.get("/verzuim/").content.decode()
    links = [f"/verzuim/dossier/{case.pk}/" for case in (*reversed(later), first)]
    assert [page.index(link) for link in links] == sorted(page.index(link) for link in links)
    listed = AccessLogEntry.objects.order_by("id")[before:]
    assert {e.object_id for e in listed if e.object_type == "cases.case"} == {
        str(case.pk) for case in (first, *later)
    }
    assert len(three) == len(one)
    assert "Al uw trajecten" not in page
    monkeypatch.setattr(views, "OFFICER_CASES_SHOWN", 2)
    page = client.get("/verzuim/").content.decode()
    assert f"/verzuim/dossier/{first.pk}/" not in page
    assert "Al uw trajecten" in page
