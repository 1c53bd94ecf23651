"""The portal's own gate: a portal session is not a professional login, and vice versa.

``accounts.middleware.RequireTwoFactorMiddleware`` lets ``/portaal/`` through (it is in its
exempt prefixes) and this middleware guards it instead: every portal page except sign-in needs
a portal identity in the session, with the same idle timeout and absolute lifetime as
professionals. A portal session never sets a Django user, so it can never pass the
professional gate; and a professional's session never carries a portal identity.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from passend.access.rights_holder import RightsHolder, records_for_email
from passend.portal.auth import identity_label
from passend.portal.models import PortalIdentity
from passend.privacy.context import AccessContext

PORTAL_PREFIX = "/portaal/"
PUBLIC_PREFIX = "/portaal/inloggen/"
SESSION_IDENTITY = "passend_portal_identity"
SESSION_GUARDIANS = "passend_portal_guardians"
SESSION_PUPILS = "passend_portal_pupils"
SESSION_AUTH_AT = "passend_portal_auth_at"
SESSION_LAST_SEEN = "passend_portal_last_seen"
SESSION_EXPIRED = "passend_portal_expired"
PORTAL_KEYS = (
    SESSION_IDENTITY,
    SESSION_GUARDIANS,
    SESSION_PUPILS,
    SESSION_AUTH_AT,
    SESSION_LAST_SEEN,
)
LAST_SEEN_RESOLUTION = 15.0


def start_portal_session(request: HttpRequest, identity: PortalIdentity) -> None:
    """A fresh session (a professional signed in in this browser is signed out first)."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        logout(request)
    request.session.flush()
    guardian_ids, pupil_ids = records_for_email(identity.email)
    now = time.time()
    request.session[SESSION_IDENTITY] = identity.pk
    request.session[SESSION_GUARDIANS] = sorted(guardian_ids)
    request.session[SESSION_PUPILS] = sorted(pupil_ids)
    request.session[SESSION_AUTH_AT] = now
    request.session[SESSION_LAST_SEEN] = now


def end_portal_session(request: HttpRequest) -> None:
    request.session.flush()


def _clear(request: HttpRequest) -> None:
    for key in PORTAL_KEYS:
        request.session.pop(key, None)


def _holder(request: HttpRequest, identity_id: int) -> RightsHolder | None:
    identity = PortalIdentity.objects.filter(pk=identity_id).first()
    if identity is None:
        return None
    guardian_ids, pupil_ids = records_for_email(
        identity.email,
        among_guardians=request.session.get(SESSION_GUARDIANS) or [],
        among_pupils=request.session.get(SESSION_PUPILS) or [],
    )
    base = AccessContext.from_request(request)
    return RightsHolder(
        label=identity_label(identity.pk),
        guardian_ids=guardian_ids,
        pupil_ids=pupil_ids,
        context=AccessContext(
            ip_address=base.ip_address,
            trace_id=base.trace_id,
            actor_label=identity_label(identity.pk),
        ),
    )


class PortalMiddleware:
    """Sets ``request.rights_holder`` on portal paths and refuses portal pages without one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.rights_holder = None  # type: ignore[attr-defined]
        if not request.path.startswith(PORTAL_PREFIX):
            return self.get_response(request)
        session = request.session
        identity_id = session.get(SESSION_IDENTITY)
        if identity_id is not None and request.user.is_authenticated:
            _clear(request)  # never both: a professional session holds no portal identity
            identity_id = None
        if isinstance(identity_id, int):
            now = time.time()
            auth_at = session.get(SESSION_AUTH_AT)
            last_seen = session.get(SESSION_LAST_SEEN)
            if (
                not isinstance(auth_at, (int, float))
                or not isinstance(last_seen, (int, float))
                or now - last_seen > settings.SESSION_IDLE_TIMEOUT.total_seconds()
                or now - auth_at > settings.SESSION_ABSOLUTE_LIFETIME.total_seconds()
            ):
                session.flush()
                session[SESSION_EXPIRED] = True
            else:
                if now - last_seen >= LAST_SEEN_RESOLUTION:
                    session[SESSION_LAST_SEEN] = now
                request.rights_holder = _holder(request, identity_id)  # type: ignore[attr-defined]
        if request.path.startswith(PUBLIC_PREFIX) or request.rights_holder is not None:  # type: ignore[attr-defined]
            response = self.get_response(request)
        else:
            response = HttpResponseRedirect(reverse("portal:sign_in"))
        # Also on the redirect this gate answers itself (NoStoreMiddleware comes later).
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response
