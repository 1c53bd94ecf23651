"""The demo region has an upcoming MDO with per-item participants (issue 6, CO-03, AGE-05)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from passend.consultations.models import AgendaItem, Meeting
from passend.consultations.services import meeting_terms
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def test_co03_demo_meeting_is_planned_once_with_its_own_participants() -> None:
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    meeting = Meeting.objects.get(location__endswith="(demo)")
    assert meeting.kind.code == "mdo"
    assert meeting.status == Meeting.Status.PLANNED
    assert timezone.localtime(meeting.starts_at).date() > timezone.localdate()
    assert set(meeting_terms(meeting)) == {
        "consultation-documents-before",
        "consultation-minutes-after",
    }
    item = AgendaItem.objects.get(meeting=meeting)
    assert item.case.pseudonym == "TDEMO-001"
    assert item.parents_invited  # AGE-05: the MDO invites parents with authority
    invited = set(item.invitees.values_list("user__username", flat=True))
    assert invited == {"ect", "jeugdarts"}

    from passend.accounts.models import User

    page = verified_client(User.objects.get(username="jeugdarts")).get(f"/overleg/{meeting.pk}/")
    assert page.status_code == 200 and "TDEMO-001" in page.content.decode()
    outsider = verified_client(User.objects.get(username="leerplicht"))
    assert outsider.get(f"/overleg/{meeting.pk}/").status_code == 404
