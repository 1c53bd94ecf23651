"""CO-04: minutes in the platform, with pseudonyms: no known name survives in any declension."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from passend.consultations import pseudonyms, services
from passend.consultations.models import AgendaItem, Minutes
from passend.privacy.categories import DataCategory
from tests.cases.screens import actor
from tests.conftest import verified_client
from tests.consultations.builders import case_for, meeting, pupil_named

FILLER = [
    "de",
    "het",
    "een",
    "en",
    "met",
    "over",
    "school",
    "thuis",
    "gaat",
    "goed",
    "slecht",
    "vandaag",
    "morgen",
    "vader",
    "moeder",
    "zorgen",
    "plan",
    "actie",
    "gesprek",
    "leerkracht",
    "mentor",
    "jeugdarts",
    "wijkteam",
    "week",
    "maand",
]
SUFFIXES = ["", "s", "'s", "\u2019s", "je", "tje", "pje", "etje", "kje"]
PSEUDONYM = "T2026-XXXXX"


def declensions(name: str) -> list[str]:
    forms = [name + suffix for suffix in SUFFIXES]
    forms.append(name + name[-1] + "etje")  # "Sem" -> "Semmetje"
    return forms


def any_word_starts_with_name(text: str, names: list[str]) -> list[str]:
    words = re.findall(r"[^\W_]+(?:['\u2019][^\W_]+)?", text)
    return [w for w in words for n in names if w.lower().startswith(n.lower())]


@pytest.mark.parametrize(
    "written",
    [
        "Sem komt niet. Sems moeder belt. Sem's vader, Sem\u2019s oma en Semmetje: SEM zegt nee, sem ook.",
        "Het broertje Daan van Sem en Daantje spelen; de Vries en van de Vries en De Vries.",
        "Anna de Vries (moeder) en Sem van de Vries; Anna's zorgen; Annaatje niet.",
    ],
)
def test_co_04_known_names_replaced_in_every_declension(written: str) -> None:
    variants = pseudonyms.name_variants(
        [("Sem", "van de", "Vries"), ("Anna", "de", "Vries")], extra=["Daan"]
    )
    result = pseudonyms.pseudonymise(written, variants, PSEUDONYM)
    assert not any_word_starts_with_name(result, ["Sem", "Vries", "Anna", "Daan"]), result
    assert PSEUDONYM in result
    # Ordinary words around the names stay.
    assert ("komt" in result) == ("komt" in written)


names = st.text(alphabet="bcdfghklmnprstvwz", min_size=1, max_size=3).flatmap(
    lambda consonants: st.text(alphabet="aeiou", min_size=1, max_size=2).map(
        lambda vowels: (consonants + vowels + "x").capitalize()
    )
)


@settings(max_examples=150, deadline=None)
@given(
    first=names,
    last=names,
    guardian=names,
    sibling=names,
    words=st.lists(st.sampled_from(FILLER), min_size=3, max_size=12),
    picks=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from([*SUFFIXES, "dim"]), st.booleans()),
        min_size=1,
        max_size=8,
    ),
)
def test_co_04_property_no_known_name_in_any_case_or_declension(
    first: str, last: str, guardian: str, sibling: str, words: list[str], picks: list[Any]
) -> None:
    known = [first, last, guardian, sibling]
    assume(not any(w.startswith(n.lower()) for w in FILLER for n in known))
    text_parts = list(words)
    for index, suffix, upper in picks:
        name = known[index]
        form = name + (name[-1] + "etje" if suffix == "dim" else suffix)
        text_parts.insert(len(text_parts) // 2, form.upper() if upper else form.lower())
    text = " ".join(text_parts) + f" {first} {last}."
    variants = pseudonyms.name_variants([(first, "", last), (guardian, "", last)], [sibling])
    result = pseudonyms.pseudonymise(text, variants, PSEUDONYM)
    assert not any_word_starts_with_name(result, known), (text, result)
    for word in words:
        assert word in result


@pytest.mark.django_db
def test_co_04_minutes_written_with_pseudonyms_hold_no_name(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    pupil = pupil_named(region["school_a"], "Sem", "Vries", prefix="van de")
    case = case_for(coordinator_a, pupil)
    services.add_known_name(actor(coordinator_a), case, name="Daan", relation="sibling")
    planned = meeting(coordinator_a, "aoj-team")
    item = services.add_agenda_item(actor(coordinator_a), planned, case)
    minutes = services.write_minutes(
        actor(coordinator_a),
        item,
        body="Sem's moeder OuderSem en Daantje: Semmetje gaat naar Van de Vries-school? Sems plan.",
        with_pseudonyms=True,
    )
    assert minutes.written_with_pseudonyms
    assert not any_word_starts_with_name(minutes.body, ["Sem", "Vries", "OuderSem", "Daan"])
    assert case.pseudonym in minutes.body
    export = verified_client(coordinator_a).get(
        reverse("consultations:meeting_export", args=[planned.pk])
    )
    assert not any_word_starts_with_name(export.content.decode(), ["Sem", "Vries", "Daan"])


@pytest.mark.django_db
def test_co_02_minutes_in_a_category_the_reader_may_not_see_are_hidden(
    region: dict[str, Any], coordinator_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.consultations.builders import agenda_with_external_on_b

    with django_capture_on_commit_callbacks(execute=True):
        agenda = agenda_with_external_on_b(region, coordinator_a)
    item = AgendaItem.objects.get(meeting=agenda.meeting, case=agenda.cases[1])
    services.write_minutes(
        actor(coordinator_a), item, body="Diagnose volgt.", category=DataCategory.HEALTH
    )
    page = verified_client(agenda.external).get(
        reverse("consultations:meeting", args=[agenda.meeting.pk])
    )
    text = page.content.decode()
    assert "Diagnose volgt." not in text
    assert "niet in een gegevenscategorie die u mag zien" in text
    # The external party may not write minutes for a case it does not direct (ORG-03).
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.write_minutes(actor(agenda.external), item, body="x")


@pytest.mark.django_db
def test_co_04_final_minutes_are_shared_by_link_never_as_content(
    region: dict[str, Any], coordinator_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    from tests.consultations.builders import agenda_with_external_on_b

    with django_capture_on_commit_callbacks(execute=True):
        agenda = agenda_with_external_on_b(region, coordinator_a)
    item = AgendaItem.objects.get(meeting=agenda.meeting, case=agenda.cases[1])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.write_minutes(
            actor(coordinator_a), item, body="Vertrouwelijke inhoud 123.", finalise=True
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "Vertrouwelijke" not in message.body
    assert f"/overleg/{agenda.meeting.pk}/" in message.body
    with pytest.raises(ValidationError):
        services.write_minutes(actor(coordinator_a), item, body="Nog iets.")
    assert Minutes.objects.get(item=item).body == "Vertrouwelijke inhoud 123."
