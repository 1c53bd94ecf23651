"""CO-03, AGE-05: meetings with an agenda of cases, each item with its own participants.

An external participant invited for agenda item B sees B and nothing of A and C: not on the
page, not in the API, not in the ICS file, not in the export, not in the invitation e-mail.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from passend.accounts.models import Role
from passend.cases.models import Participant
from passend.consultations import services
from passend.consultations.models import AgendaItem, Meeting
from passend.emergency.services import break_glass
from passend.privacy.models import AccessLogEntry
from passend.terms.selectors import terms_for
from tests.cases.screens import actor, api_client
from tests.conftest import make_professional, verified_client
from tests.consultations.builders import (
    Agenda,
    agenda_with_external_on_b,
    case_for,
    meeting,
    pupil_named,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agenda(
    region: dict[str, Any], coordinator_a: Any, django_capture_on_commit_callbacks: Any
) -> Agenda:
    with django_capture_on_commit_callbacks(execute=True):
        return agenda_with_external_on_b(region, coordinator_a)


def secrets_of(agenda: Agenda, index: int) -> list[str]:
    pupil, case = agenda.pupils[index], agenda.cases[index]
    return [pupil.first_name, pupil.last_name, case.pseudonym, f"Ouder{pupil.first_name}"]


def assert_absent(text: str, secrets: list[str], where: str) -> None:
    for secret in secrets:
        assert secret.lower() not in text.lower(), f"{where} leaks {secret!r}"


def test_co_03_external_sees_only_item_b_on_the_page(agenda: Agenda) -> None:
    client = verified_client(agenda.external)
    page = client.get(reverse("consultations:meeting", args=[agenda.meeting.pk])).content.decode()
    assert agenda.pupils[1].first_name in page and agenda.cases[1].pseudonym in page
    assert "Agendapunt 1 (niet zichtbaar voor u)" in page
    assert "Agendapunt 3 (niet zichtbaar voor u)" in page
    for index in (0, 2):
        assert_absent(page, secrets_of(agenda, index), "meeting page")
    listing = client.get(reverse("consultations:meetings")).content.decode()
    assert "1 van 3" in listing
    for index in (0, 2):
        assert_absent(listing, secrets_of(agenda, index), "meeting list")


def test_co_03_external_gets_404_on_items_a_and_c(agenda: Agenda) -> None:
    client = verified_client(agenda.external)
    items = list(AgendaItem.objects.filter(meeting=agenda.meeting).order_by("position"))
    for item in (items[0], items[2]):
        for name in ("minutes", "orally_informed"):
            url = reverse(f"consultations:{name}", args=[agenda.meeting.pk, item.pk])
            assert client.get(url).status_code == 404
        for url in (
            reverse("consultations:plan", args=[item.case_id]),
            reverse("cases:detail", args=[item.case_id]),
            reverse("correspondence:messages", args=[item.case_id]),
        ):
            assert client.get(url).status_code == 404


def test_co_03_external_api_shows_only_item_b(agenda: Agenda) -> None:
    api = api_client(agenda.external)
    for url in ("/api/v1/meetings/", f"/api/v1/meetings/{agenda.meeting.pk}/"):
        response = api.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        for index in (0, 2):
            assert_absent(body, secrets_of(agenda, index), url)
    data = api.get(f"/api/v1/meetings/{agenda.meeting.pk}/").json()
    assert [i["visible"] for i in data["items"]] == [False, True, False]
    assert data["items"][0] == {"position": 1, "visible": False}
    assert data["items"][1]["pseudonym"] == agenda.cases[1].pseudonym
    for index in (0, 2):
        assert api.get(f"/api/v1/cases/{agenda.cases[index].pk}/plan/").status_code == 404
        assert api.get(f"/api/v1/cases/{agenda.cases[index].pk}/messages/").status_code == 404


def test_co_03_ics_holds_time_place_and_kind_but_no_case(agenda: Agenda) -> None:
    client = verified_client(agenda.external)
    response = client.get(reverse("consultations:meeting_ics", args=[agenda.meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar"
    body = response.content.decode()
    for index in (0, 1, 2):
        assert_absent(body, secrets_of(agenda, index), "ICS")
    event = next(c for c in Calendar.from_ical(response.content).walk() if c.name == "VEVENT")
    assert str(event["summary"]) == "Casusoverleg MPO (meer partijen overleg)"
    assert str(event["location"]) == "School A, kamer 12"
    assert event["dtstart"].dt == agenda.meeting.starts_at
    assert "video.example.invalid/overleg-42" in body


def test_co_03_export_has_only_visible_items(agenda: Agenda, coordinator_a: Any) -> None:
    items = list(AgendaItem.objects.filter(meeting=agenda.meeting).order_by("position"))
    for item, pupil in zip(items, agenda.pupils, strict=True):
        services.write_minutes(
            actor(coordinator_a), item, body=f"{pupil.first_name} gaat vooruit.", finalise=True
        )
    client = verified_client(agenda.external)
    export = client.get(reverse("consultations:meeting_export", args=[agenda.meeting.pk]))
    text = export.content.decode()
    assert agenda.cases[1].pseudonym in text and "gaat vooruit" in text
    for index in (0, 2):
        assert_absent(text, secrets_of(agenda, index), "export")
    # Exported with pseudonyms by default: even B's own name is replaced (CO-04).
    assert agenda.pupils[1].first_name not in text


def test_co_03_invitation_mail_and_ics_carry_no_case_data(agenda: Agenda) -> None:
    invitations = [m for m in mail.outbox if agenda.external.email in m.to]
    assert len(invitations) == 1
    message = invitations[0]
    assert f"/overleg/{agenda.meeting.pk}/" in message.body
    _name, content, mimetype = message.attachments[0]
    assert mimetype == "text/calendar"
    text = (
        message.subject + message.body + (content if isinstance(content, str) else content.decode())
    )
    for index in (0, 1, 2):
        assert_absent(text, secrets_of(agenda, index), "invitation e-mail")


def test_co_03_invitee_becomes_case_participant_by_the_procesregisseur(agenda: Agenda) -> None:
    assert Participant.objects.filter(case=agenda.cases[1], user=agenda.external).exists()
    for index in (0, 2):
        assert not Participant.objects.filter(
            case=agenda.cases[index], user=agenda.external
        ).exists()


def test_co_03_outsider_gets_404_and_the_denial_is_logged(
    agenda: Agenda, coordinator_b: Any
) -> None:
    client = verified_client(coordinator_b)
    url = reverse("consultations:meeting", args=[agenda.meeting.pk])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("consultations:meeting_ics", args=[agenda.meeting.pk])).status_code
        == 404
    )
    assert AccessLogEntry.objects.filter(
        actor=coordinator_b, outcome="denied", object_type="consultations.meeting"
    ).exists()


def test_co_03_only_the_procesregisseur_plans_items(agenda: Agenda, region: dict[str, Any]) -> None:
    case = agenda.cases[1]
    with pytest.raises(PermissionDenied):
        services.add_agenda_item(actor(agenda.external), agenda.meeting, case)
    client = verified_client(agenda.external)
    assert (
        client.get(reverse("consultations:item_create", args=[agenda.meeting.pk])).status_code
        == 403
    )


def test_age_05_parents_with_authority_are_invited_unless_explained(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    pupil = pupil_named(region["school_a"], "Doortje", "Vermeulen")
    case = case_for(coordinator_a, pupil)
    planned = meeting(coordinator_a, "mpo")
    with pytest.raises(ValidationError) as error:
        services.add_agenda_item(actor(coordinator_a), planned, case, parents_invited=False)
    assert "AGE-05" in str(error.value.message_dict["parents_invited"])
    item = services.add_agenda_item(actor(coordinator_a), planned, case)
    assert item.parents_invited and item.parents_invited_on is not None


def test_age_05_aoj_team_parents_do_not_attend_but_are_informed_orally(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    pupil = pupil_named(region["school_a"], "Egbert", "Noorderzon")
    case = case_for(coordinator_a, pupil)
    planned = meeting(coordinator_a, "aoj-team")
    with pytest.raises(ValidationError):
        services.add_agenda_item(actor(coordinator_a), planned, case, parents_invited=True)
    item = services.add_agenda_item(actor(coordinator_a), planned, case)
    assert not item.parents_invited
    services.record_parents_informed_orally(
        actor(coordinator_a), item, informed_on=dt.date.today(), informed_by="IB"
    )
    item.refresh_from_db()
    assert item.parents_informed_orally_on == dt.date.today()
    page = verified_client(coordinator_a).get(reverse("consultations:meeting", args=[planned.pk]))
    assert "Ouders krijgen geen schriftelijk verslag." in page.content.decode()


def test_terms_documents_48h_before_and_minutes_two_weeks_after(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    planned = meeting(coordinator_a, days=10)
    from django.utils import timezone

    day = timezone.localtime(planned.starts_at).date()
    due = {t.rule.code: t.due_date for t in terms_for("consultations.meeting", planned.pk)}
    assert due["consultation-documents-before"] == day - dt.timedelta(days=2)
    assert due["consultation-minutes-after"] == day + dt.timedelta(weeks=2)
    assert services.documents_due_at(planned) == planned.starts_at - dt.timedelta(hours=48)


def test_minutes_term_completes_when_every_item_has_final_minutes(
    agenda: Agenda, coordinator_a: Any
) -> None:
    items = list(AgendaItem.objects.filter(meeting=agenda.meeting))
    for item in items:
        services.write_minutes(actor(coordinator_a), item, body="Besproken.", finalise=True)
    term = next(
        t
        for t in terms_for("consultations.meeting", agenda.meeting.pk)
        if t.rule.code == "consultation-minutes-after"
    )
    assert term.completed_on is not None


def test_meeting_plan_screen_and_validation(region: dict[str, Any], coordinator_a: Any) -> None:
    from tests.consultations.builders import kind

    client = verified_client(coordinator_a)
    response = client.post(
        reverse("consultations:meeting_create"),
        {"kind": kind("mdo").pk, "starts_at": "2030-03-01T10:00", "ends_at": "2030-03-01T09:00"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "De eindtijd ligt na de begintijd." in page
        and "Vul een plaats of een videolink in." in page
    )
    response = client.post(
        reverse("consultations:meeting_create"),
        {
            "kind": kind("mdo").pk,
            "starts_at": "2030-03-01T10:00",
            "ends_at": "2030-03-01T12:00",
            "location": "Lokaal 3",
        },
    )
    assert response.status_code == 302
    assert Meeting.objects.get().convener == coordinator_a


def _queries(client: Any, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        client.get(url)
    return len(context)


def test_meeting_pages_query_count_is_constant(region: dict[str, Any], coordinator_a: Any) -> None:
    planned = meeting(coordinator_a)
    client = verified_client(coordinator_a)
    first = pupil_named(region["school_a"], "Feline", "Ommen")
    services.add_agenda_item(actor(coordinator_a), planned, case_for(coordinator_a, first))
    detail = reverse("consultations:meeting", args=[planned.pk])
    listing = reverse("consultations:meetings")
    small = (_queries(client, detail), _queries(client, listing))
    ggd_user = make_professional(region["school_a"], Role.BEHAVIOUR_EXPERT, username="gd-a")
    for index in range(4):
        pupil = pupil_named(region["school_a"], f"Naam{index}", f"Familie{index}")
        case = case_for(coordinator_a, pupil)
        services.add_agenda_item(
            actor(coordinator_a), planned, case, invitees=[(ggd_user, region["school_a"])]
        )
        other = meeting(coordinator_a, days=20 + index)
        services.add_agenda_item(actor(coordinator_a), other, case)
    large = (_queries(client, detail), _queries(client, listing))
    assert large == small


def test_meeting_pages_query_count_does_not_grow_with_items_of_other_cases(
    agenda: Agenda, region: dict[str, Any]
) -> None:
    """A CvA breed agenda holds dozens of other schools' cases: the policy looked for a
    break-the-glass grant per item the viewer is not involved in (2,145 queries for one
    coordinator's list at region scale, issue 10). CO-03: still only "1 van N"."""
    client = verified_client(agenda.external)
    detail = reverse("consultations:meeting", args=[agenda.meeting.pk])
    listing = reverse("consultations:meetings")
    small = (_queries(client, detail), _queries(client, listing))
    for index in range(5):
        pupil = pupil_named(region["school_a"], f"Ander{index}", f"Kind{index}")
        services.add_agenda_item(actor(agenda.owner), agenda.meeting, case_for(agenda.owner, pupil))
    assert (_queries(client, detail), _queries(client, listing)) == small
    page = client.get(listing).content.decode()
    assert "1 van 8" in page
    assert_absent(page, [f"Ander{index}" for index in range(5)], "meeting list")


def test_con05_break_the_glass_grant_makes_the_item_visible_in_the_meeting_list_and_page(
    agenda: Agenda,
) -> None:
    client = verified_client(agenda.external)
    listing = reverse("consultations:meetings")
    assert "1 van 3" in client.get(listing).content.decode()
    break_glass(
        actor(agenda.external),
        pseudonym=agenda.cases[0].pseudonym,
        reason="Acute zorg: de jeugdarts moet nu de afspraken van het traject kennen.",
    )
    assert "2 van 3" in client.get(listing).content.decode()
    page = client.get(reverse("consultations:meeting", args=[agenda.meeting.pk])).content.decode()
    assert agenda.cases[0].pseudonym in page and "Agendapunt 1 (niet zichtbaar voor u)" not in page
    assert "Agendapunt 3 (niet zichtbaar voor u)" in page
    assert AccessLogEntry.objects.filter(
        actor=agenda.external,
        action="list",
        object_id=str(agenda.cases[0].pk),
        legal_ground="break_the_glass",
    ).exists()


def test_meeting_list_pages_through_every_meeting_newest_first(
    coordinator_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond the first page the list used to end: older meetings could not be reached. Keyset
    pages (?na=, an opaque position without personal data) go through all of them, once each."""
    from passend.consultations import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    planned = [meeting(coordinator_a, days=days) for days in (3, 4, 5, 6, 7)]
    expected = [m.pk for m in sorted(planned, key=lambda m: m.starts_at, reverse=True)]
    client = verified_client(coordinator_a)
    url, seen, pages = reverse("consultations:meetings"), [], []
    while url:
        page = client.get(url).content.decode()
        pages.append(page)
        seen += [pk for pk in expected if reverse("consultations:meeting", args=[pk]) + '"' in page]
        marker = 'rel="next" href="'
        url = (
            reverse("consultations:meetings")
            + page.split(marker)[1].split('"')[0].replace("&amp;", "&")
            if marker in page
            else ""
        )
    assert seen == expected
    assert len(pages) == 3
    assert "Eerste pagina" not in pages[0] and "Eerste pagina" in pages[1]
    # A position that cannot be read starts at the first page.
    unreadable = client.get(reverse("consultations:meetings") + "?na=%%%").content.decode()
    assert re.findall(r"/overleg/\d+/", unreadable) == re.findall(r"/overleg/\d+/", pages[0])


def test_co_03_list_reads_the_participations_and_still_hides_a_restricted_case(
    agenda: Agenda,
) -> None:
    """The list's pre-filter takes the meetings with an item on any case the viewer takes part
    in, without reading a case's row (issue 10: for the CvA secretary of the large region
    that read every case, 30 ms). A case restricted since (its process director alone;
    ORG-04) is still a participation, so the list must drop its meeting itself: not listed,
    not in the API, the page 404 (CO-03)."""
    from passend.cases.models import Case
    from passend.consultations import selectors

    membership = agenda.external.memberships.get()
    prefilter = str(selectors.meetings_to_list(agenda.external, membership).query)
    assert "cases_participant" in prefilter and "cases_case" not in prefilter

    client = verified_client(agenda.external)
    listing = reverse("consultations:meetings")
    detail = reverse("consultations:meeting", args=[agenda.meeting.pk])
    assert "1 van 3" in client.get(listing).content.decode()
    Case.objects.filter(pk=agenda.cases[1].pk).update(
        restricted_since=timezone.now(), process_director=agenda.owner
    )
    before = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first()
    assert (
        selectors.meetings_to_list(agenda.external, membership)
        .filter(pk=agenda.meeting.pk)
        .exists()
    )
    page = client.get(listing).content.decode()
    assert detail not in page and "Er zijn geen overleggen voor u." in page
    assert_absent(page, secrets_of(agenda, 1), "meeting list")
    assert api_client(agenda.external).get("/api/v1/meetings/").json() == []
    assert client.get(detail).status_code == 404
    assert not AccessLogEntry.objects.filter(
        id__gt=before,
        actor=agenda.external,
        action__in=["list", "view"],
        object_id=str(agenda.cases[1].pk),
        outcome="allowed",
    ).exists()


def test_meeting_list_counts_every_item_and_decides_only_the_viewers(
    agenda: Agenda, region: dict[str, Any]
) -> None:
    """The list's "N van M": M counts every item of the meeting, N the items the policy shows;
    items on cases of others are counted without loading their case (issue 10)."""
    from django.test import RequestFactory

    from passend.consultations.selectors import meeting_rows, meetings_to_list

    for index in range(3):
        pupil = pupil_named(region["school_a"], f"Teller{index}", f"Kind{index}")
        services.add_agenda_item(actor(agenda.owner), agenda.meeting, case_for(agenda.owner, pupil))
    request = RequestFactory().get("/overleg/")
    request.user = agenda.external
    request.membership = agenda.external.memberships.get()
    views = meeting_rows(request, list(meetings_to_list(request.user, request.membership)))
    assert [(v.meeting.pk, len(v.visible_items), v.total_items) for v in views] == [
        (agenda.meeting.pk, 1, 6)
    ]
    # Only the viewer's item was loaded and decided; the five others were only counted.
    assert [i.item.case_id for i in views[0].items] == [agenda.cases[1].pk]
