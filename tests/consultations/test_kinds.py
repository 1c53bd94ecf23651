"""CO-01: consultation kinds as per-SWV configuration, rendered as the covenant's Bijlage 3."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from passend.accounts.models import Role
from passend.consultations import services
from passend.consultations.models import ConsultationKind, KindDeviation
from passend.privacy.models import AccessLogEntry
from tests.cases.screens import actor
from tests.conftest import make_professional, verified_client

pytestmark = pytest.mark.django_db

DEFAULT_CODES = {"aoj-team", "mpo", "mdo", "verzuimoverleg", "thuiszittersoverleg", "cva-breed"}


def normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def checklist_answers(kind: ConsultationKind) -> list[str]:
    answers = [
        kind.name,
        kind.get_level_display(),
        kind.purpose,
        kind.target_group,
        kind.enforcement_note,
        kind.process_director,
        kind.case_director,
        kind.contact_for_parents,
        kind.parents_informed_beforehand,
        kind.consent_arrangement,
        kind.data_management,
        kind.minutes_sharing,
        kind.phases,
    ]
    answers += [t for t in (kind.participants_note, kind.individual_purpose, kind.trigger) if t]
    for party in kind.parties.all():
        answers += [party.function, party.legal_task, party.get_organisation_kind_display()]
    for deviation in kind.deviations.all():
        answers += [deviation.deviation, deviation.reason]
    return [str(a) for a in answers]


def yes_no_lines(kind: ConsultationKind) -> list[str]:
    def yn(value: bool) -> str:
        return "Ja" if value else "Nee"

    return [
        f"Ouders met gezag uitgenodigd {yn(kind.parents_invited)}",
        f"Jongere vanaf 12 neemt deel {yn(kind.youth_invited)}",
        f"Ouders/jongeren ontvangen verslagen {yn(kind.parents_receive_minutes)}",
        f"Mondeling geïnformeerd over uitkomsten {yn(kind.parents_informed_orally)}",
    ]


@pytest.fixture
def director(region: dict[str, Any]) -> Any:
    return make_professional(region["swv"], Role.SWV_DIRECTOR, username="directeur")


def test_co_01_covenant_kinds_are_loaded_with_every_checklist_point() -> None:
    kinds = ConsultationKind.objects.filter(swv__isnull=True)
    assert set(kinds.values_list("code", flat=True)) == DEFAULT_CODES
    aoj = kinds.get(code="aoj-team")
    # Seed 000 §4: parents do not attend the AOJ-team and get no written minutes, but are told.
    assert (aoj.parents_invited, aoj.parents_receive_minutes, aoj.parents_informed_orally) == (
        False,
        False,
        True,
    )
    assert aoj.parties.count() == 5
    assert (
        kinds.get(code="thuiszittersoverleg")
        .parties.filter(is_process_director=True, organisation_kind="swv")
        .exists()
    )


@pytest.mark.parametrize("code", sorted(DEFAULT_CODES))
def test_co_01_bijlage3_html_contains_every_checklist_answer(
    code: str, director: Any, region: dict[str, Any]
) -> None:
    kind = ConsultationKind.objects.get(swv__isnull=True, code=code)
    response = verified_client(director).get(reverse("consultations:kind", args=[kind.pk]))
    assert response.status_code == 200
    from html import unescape

    page = normal(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))
    for answer in checklist_answers(kind):
        assert normal(answer) in page, answer
    for line in yes_no_lines(kind):
        assert line in page, line


def test_co_01_bijlage3_pdf_contains_every_checklist_answer_and_deviation(
    director: Any, region: dict[str, Any]
) -> None:
    copy = services.adopt_kind(actor(director), ConsultationKind.objects.get(code="aoj-team"))
    services.record_deviation(
        actor(director),
        copy,
        point="parents",
        deviation="Ouders schuiven aan bij het laatste kwartier",
        reason="Wens van de ouderraad na evaluatie 2025",
    )
    response = verified_client(director).get(reverse("consultations:kind_pdf", args=[copy.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = normal(" ".join(page.extract_text() or "" for page in reader.pages))
    for answer in checklist_answers(copy):
        assert normal(answer) in text, answer
    assert "Bijlage 3" in text


def test_co_01_pas_toe_of_leg_uit_needs_a_reason(director: Any, region: dict[str, Any]) -> None:
    copy = services.adopt_kind(actor(director), ConsultationKind.objects.get(code="mpo"))
    with pytest.raises(ValidationError) as error:
        services.record_deviation(
            actor(director), copy, point="data", deviation="Geen verslag", reason=" "
        )
    assert "leg uit" in str(error.value.message_dict["reason"])
    assert KindDeviation.objects.count() == 0


def test_co_01_every_checklist_point_is_required_and_errors_name_the_rule(
    director: Any, region: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as error:
        services.save_kind(actor(director), None, code="nieuw", name="IOT+", level="school")
    fields = error.value.message_dict
    for name in ("purpose", "target_group", "enforcement_note", "data_management", "phases"):
        assert name in fields and "CO-01" in fields[name][0]


def test_co_01_new_kind_via_screen_renders_as_bijlage3(
    director: Any, region: dict[str, Any]
) -> None:
    client = verified_client(director)
    data = {
        "code": "bilateraal",
        "name": "Bilateraal overleg wijkteam",
        "is_active": "on",
        "level": "neighbourhood",
        "purpose": "Afstemmen jeugdhulp en onderwijs voor één jongere.",
        "target_group": "Jongeren met jeugdhulp.",
        "enforcement_note": "Geen doorzettingsmacht.",
        "process_director": "De intern begeleider.",
        "case_director": "De wijkteammedewerker.",
        "contact_for_parents": "De school.",
        "parents_informed_beforehand": "Brief vooraf.",
        "parents_invited": "on",
        "parents_receive_minutes": "on",
        "minutes_made": "on",
        "consent_arrangement": "Toestemmingsformulier.",
        "data_management": "Ieder in eigen dossier.",
        "minutes_sharing": "Link in Passend.",
        "phases": "Alleen de eerste fase.",
        "party_0_function": "Wijkteammedewerker",
        "party_0_organisation_kind": "neighbourhood_team",
        "party_0_legal_task": "Jeugdwet",
    }
    response = client.post(reverse("consultations:kind_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    kind = ConsultationKind.objects.get(code="bilateraal")
    assert kind.swv == region["swv"]
    assert kind.parties.get().legal_task == "Jeugdwet"
    assert AccessLogEntry.objects.filter(
        activity="configuration",
        object_type="consultations.consultationkind",
        object_id=str(kind.pk),
    ).exists()
    page = client.get(reverse("consultations:kind", args=[kind.pk])).content.decode()
    assert "Alleen de eerste fase." in page and "Wijkteammedewerker" in page


def test_co_01_only_editors_change_kinds(
    coordinator_a: Any, director: Any, region: dict[str, Any]
) -> None:
    model = ConsultationKind.objects.get(code="mdo")
    with pytest.raises(PermissionDenied):
        services.record_deviation(
            actor(coordinator_a), model, point="data", deviation="x", reason="y"
        )
    # The SWV director may not change the covenant's model, only its own SWV's copy.
    with pytest.raises(PermissionDenied):
        services.record_deviation(actor(director), model, point="data", deviation="x", reason="y")
    response = verified_client(coordinator_a).get(
        reverse("consultations:kind_edit", args=[model.pk])
    )
    assert response.status_code == 403


def test_kind_list_query_count_is_constant(director: Any, region: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = verified_client(director)
    client.get(reverse("consultations:kinds"))  # warm-up: session and membership choice
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("consultations:kinds"))
    for code in ("a1", "a2", "a3", "a4"):
        copy = ConsultationKind.objects.get(code="mpo")
        copy.pk, copy.swv, copy.code = None, region["swv"], code
        copy.save()
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("consultations:kinds"))
    assert len(large) == len(small)
