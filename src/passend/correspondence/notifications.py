"""Notification e-mails: only that something new is waiting, with a link (CO-04, privacy core 4).

No name, birth date, pseudonym or content ever goes into an e-mail. The subject is one of a
fixed set of topics; the body is fixed text and a link into the platform. An attachment is
allowed only when the calling module builds it without personal data (the meeting ICS).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from passend.correspondence.models import Notification

TOPICS = {
    "meeting_invitation": gettext_lazy("Uitnodiging voor een casusoverleg"),
    "meeting_changed": gettext_lazy("Een casusoverleg is gewijzigd"),
    "minutes": gettext_lazy("Er is een verslag voor u"),
    "message": gettext_lazy("Er is een nieuw bericht voor u"),
    "letter": gettext_lazy("Er is een nieuwe brief"),
    "action": gettext_lazy("Er is een actie voor u"),
}


def absolute(path: str) -> str:
    base = str(getattr(settings, "PASSEND_BASE_URL", "http://localhost:8000")).rstrip("/")
    return base + path


def notify(
    users: Iterable[Any],
    topic: str,
    path: str,
    *,
    attachments: Iterable[tuple[str, bytes, str]] = (),
) -> int:
    """Sends one content-free e-mail per user with an address; returns how many were sent."""
    if topic not in TOPICS:
        raise ValueError(f"Unknown notification topic {topic!r}")
    if "?" in path or not path.startswith("/"):
        raise ValueError("A notification links to a platform path without query parameters")
    files = list(attachments)
    sent = 0
    seen: set[int] = set()
    with translation.override("nl"):
        subject = _("Passend: %(topic)s") % {"topic": TOPICS[topic]}
        body = _(
            "Er staat iets nieuws voor u klaar in Passend.\n\n"
            "Meld u aan om het te bekijken:\n%(link)s\n\n"
            "Deze e-mail bevat bewust geen namen of inhoud: die leest u alleen in de beveiligde "
            "omgeving."
        ) % {"link": absolute(path)}
    for user in users:
        if user.pk in seen or not user.email:
            continue
        seen.add(user.pk)
        message = EmailMessage(subject=subject, body=body, to=[user.email])
        for name, content, mimetype in files:
            message.attach(name, content, mimetype)
        message.send()
        Notification.objects.create(recipient=user, topic=topic, link=path)
        sent += 1
    return sent
