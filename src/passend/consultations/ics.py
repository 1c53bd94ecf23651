"""The ICS file of a meeting invitation (icalendar): when, where, "Casusoverleg <soort>".

It holds no pupil name and no pseudonym: the agenda is read in the platform, per viewer (CO-03).
"""

from __future__ import annotations

from django.utils import timezone
from icalendar import Calendar, Event

from passend.consultations.models import Meeting


def meeting_ics(meeting: Meeting, link: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Passend//Casusoverleg//NL")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@passend")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", f"Casusoverleg {meeting.kind.name}")
    if meeting.location:
        event.add("location", meeting.location)
    if meeting.video_link:
        event.add("url", meeting.video_link)
    description = f"Agenda en stukken in Passend: {link}"
    if meeting.video_link:
        description += f"\nVideoverbinding: {meeting.video_link}"
    event.add("description", description)
    if meeting.status == Meeting.Status.CANCELLED:
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    return calendar.to_ical()
