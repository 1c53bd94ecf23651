"""CO-03, issue 10: the agenda form ("Agendapunt toevoegen") offers the newest cases the
convener manages, finds any other by name or pseudonym, and decides a posted case on its own.

Before, the form listed the first 500 of the convener's open cases, decided and logged each of
them on every view, and offered no other: a coordinator with more open cases could not put the
rest on an agenda.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from passend.access.policy import decide_case
from passend.accounts.models import Membership
from passend.cases import services as case_services
from passend.cases.models import Case
from passend.consultations import selectors
from passend.consultations.models import AgendaItem, Meeting
from passend.privacy.categories import DataCategory
from passend.privacy.models import AccessLogEntry
from tests.cases.screens import actor, consent_for
from tests.conftest import verified_client
from tests.consultations.builders import case_for, meeting, pupil_named

pytestmark = pytest.mark.django_db


def form_url(planned: Meeting) -> str:
    return reverse("consultations:item_create", args=[planned.pk])


def offered(page: str, case: Case) -> bool:
    return f'<option value="{case.pk}"' in page


def test_the_newest_managed_cases_are_offered_and_an_older_one_is_found_by_name(
    region: dict[str, Any], coordinator_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "PLANNABLE_SHOWN", 3)
    oldest = case_for(coordinator_a, pupil_named(region["school_a"], "Wietske", "Zwanenburg"))
    newer = [
        case_for(coordinator_a, pupil_named(region["school_a"], f"Naam{n}", f"Familie{n}"))
        for n in range(4)
    ]
    planned = meeting(coordinator_a)
    client = verified_client(coordinator_a)

    page = client.get(form_url(planned)).content.decode()
    assert [offered(page, case) for case in newer] == [False, True, True, True]
    assert not offered(page, oldest) and "Zwanenburg" not in page
    assert "De keuzelijst toont de 3 nieuwste trajecten die u beheert" in page

    # The search is posted (a name never goes in a URL) and keeps what was typed below it.
    response = client.post(
        form_url(planned), {"q": "zwanenburg", "zoeken": "1", "supporter_note": "Tante Ria"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert offered(page, oldest) and not any(offered(page, case) for case in newer)
    assert "1 traject gevonden dat u beheert." in page
    assert "Tante Ria" in page
    assert "Dit veld is verplicht" not in page  # a search is not a submission

    # The pseudonym finds it as well.
    page = client.post(form_url(planned), {"q": oldest.pseudonym, "zoeken": "1"}).content.decode()
    assert offered(page, oldest)

    response = client.post(form_url(planned), {"case": oldest.pk, "parents_invited": "on"})
    assert response.status_code == 302
    assert AgendaItem.objects.filter(meeting=planned, case=oldest).exists()


def test_a_case_the_convener_does_not_manage_is_neither_offered_nor_accepted(
    region: dict[str, Any], coordinator_a: Any, coordinator_b: Any
) -> None:
    """Involved in a case of school A and allowed to see it, the coordinator of school B is not
    its owner or director: the case is not hers to put on an agenda. A case she has nothing to
    do with is refused the same way, and the attempt is logged as denied."""
    shared = case_for(coordinator_a, pupil_named(region["school_a"], "Gedeeld", "Traject"))
    case_services.add_participant(
        actor(coordinator_a),
        shared,
        organisation=region["school_b"],
        user=coordinator_b,
        role="Zorgcoördinator school B",
    )
    consent_for(coordinator_a, shared, [region["school_b"]], [DataCategory.ORDINARY])
    stranger = case_for(coordinator_a, pupil_named(region["school_a"], "Vreemd", "Traject"))
    shared = Case.objects.get(pk=shared.pk)
    seen = decide_case(coordinator_b, Membership.objects.get(user=coordinator_b), shared)
    assert seen.allowed and not seen.can_manage
    own = case_for(coordinator_b, pupil_named(region["school_b"], "Eigen", "Leerling"))
    planned = meeting(coordinator_b)
    client = verified_client(coordinator_b)

    page = client.get(form_url(planned)).content.decode()
    assert offered(page, own) and not offered(page, shared) and not offered(page, stranger)

    for case in (shared, stranger):
        response = client.post(form_url(planned), {"case": case.pk, "parents_invited": "on"})
        assert response.status_code == 400
        assert "een traject dat u beheert en dat niet is afgemeld" in response.content.decode(), (
            re.findall(r"error-message[^>]*>([^<]*)", response.content.decode())
        )
        assert not AgendaItem.objects.filter(case=case).exists()
    assert AccessLogEntry.objects.filter(
        actor=coordinator_b, object_id=str(stranger.pk), outcome="denied"
    ).exists()


def test_the_form_decides_and_logs_only_the_cases_it_offers_in_constant_queries(
    region: dict[str, Any], coordinator_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "PLANNABLE_SHOWN", 3)
    planned = meeting(coordinator_a)
    client = verified_client(coordinator_a)
    for n in range(2):
        case_for(coordinator_a, pupil_named(region["school_a"], f"Voor{n}", f"Naam{n}"))

    def measure() -> tuple[int, int]:
        client.get(form_url(planned))
        before = AccessLogEntry.objects.filter(actor=coordinator_a, action="list").count()
        with CaptureQueriesContext(connection) as queries:
            client.get(form_url(planned))
        logged = AccessLogEntry.objects.filter(actor=coordinator_a, action="list").count()
        return len(queries), logged - before

    few_queries, few_logged = measure()
    for n in range(6):
        case_for(coordinator_a, pupil_named(region["school_a"], f"Meer{n}", f"Achternaam{n}"))
    many_queries, many_logged = measure()
    assert few_logged == 2 and many_logged == 3  # only what the choice list shows
    assert many_queries == few_queries
