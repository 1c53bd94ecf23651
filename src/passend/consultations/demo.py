"""A demo multidisciplinary meeting (MDO) for the demo region, loaded by `load_demo` (issue 6).

Planned through the services, so the demo shows what a real meeting has: terms for documents and
minutes, per-item participants (CO-03) and parents invited (AGE-05). Idempotent: the meeting is
recognised by its demo location, and a second run changes nothing. The date is the Tuesday two
weeks after the first load, so a fresh demo always has an upcoming meeting.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from passend.access.actor import Actor
from passend.accounts.demo import DemoRegion
from passend.accounts.models import Membership
from passend.cases.models import Case
from passend.consultations import services
from passend.consultations.models import ConsultationKind, Meeting

DEMO_LOCATION = "Lyceum De Zuiderhaven, kamer zorgteam (demo)"


def _actor(region: DemoRegion, username: str, organisation: str) -> Actor:
    membership = Membership.objects.get(
        user=region.users[username], organisation=region.org(organisation)
    )
    return Actor.for_membership(membership)


def load_meetings(region: DemoRegion) -> None:
    if Meeting.objects.filter(location=DEMO_LOCATION).exists():
        return
    case = Case.objects.filter(pseudonym="TDEMO-001").first()
    kind = ConsultationKind.objects.filter(code="mdo", swv__isnull=True).first()
    if case is None or kind is None:
        return
    convener = _actor(region, "zoco-vo", "school_vo")
    today = timezone.localdate()
    day = today + dt.timedelta(days=14 + (1 - today.weekday()) % 7)
    zone = timezone.get_current_timezone()
    meeting = services.plan_meeting(
        convener,
        kind=kind,
        starts_at=dt.datetime.combine(day, dt.time(14, 0), tzinfo=zone),
        ends_at=dt.datetime.combine(day, dt.time(15, 30), tzinfo=zone),
        location=DEMO_LOCATION,
    )
    services.add_agenda_item(
        convener,
        meeting,
        case,
        invitees=[
            (region.users["ect"], region.org("swv_vo")),
            (region.users["jeugdarts"], region.org("ggd")),
        ],
        starts_at=dt.time(14, 0),
    )
    region.changes += 1
