"""Request gates: session lifetime, mandatory second factor, acting membership, no-store."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from passend.accounts import selectors
from passend.statements import Statement

SESSION_AUTH_AT = "passend_auth_at"
SESSION_LAST_SEEN = "passend_last_seen"
SESSION_MEMBERSHIP = "passend_membership_id"
SESSION_EXPIRED = "passend_session_expired"
# The last-seen stamp is rewritten at most this often, to spare a session write per request.
# It only ever lags behind, so a session may end a little early but never late.
LAST_SEEN_RESOLUTION = 15.0

# Paths reachable without a verified second factor. Everything else needs one (PRV-08).
# The API authenticates with tokens of its own (passend.accounts.api_auth).
TWO_FACTOR_EXEMPT_PREFIXES = (
    "/static/",
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/2fa/",
    "/i18n/",
    "/healthz",
    "/api/",
    # The parent and youth portal has a gate of its own (passend.portal.middleware); a portal
    # session is never a professional login and passes nothing here.
    "/portaal/",
    # The public application form and the one-time delivery links (passend.intake): no
    # account by design; they show no case data and write only through intake.services.
    "/formulier/",
)
# Reachable with a verified session but without a current membership: choosing one, and
# managing one's own second factor and password.
MEMBERSHIP_EXEMPT_PREFIXES = (
    *TWO_FACTOR_EXEMPT_PREFIXES,
    "/accounts/membership/",
    "/accounts/security/",
)


def _next_param(request: HttpRequest) -> str:
    path = request.get_full_path()
    if request.method != "GET" or not url_has_allowed_host_and_scheme(path, None):
        return ""
    return "?" + urlencode({"next": path})


@functools.cache
def _totp_device() -> Statement:
    return Statement(TOTPDevice, tail="WHERE t.id = %s")


class SecondFactorMiddleware(OTPMiddleware):
    """django-otp's middleware (``request.user.otp_device``, ``is_verified()``), the session's
    authenticator app read by a statement written once: it is read on every request (issue
    10). Other devices (backup codes) are read by django-otp itself; django-otp still checks
    that the device is confirmed and the user's own.

    ``request.user`` is the verified user itself, read at once, not django-otp's lazy object
    around Django's: every request reads it straight away (``SessionLifetimeMiddleware``), and
    each of the hundred-odd reads of it on a page went through both lazy wrappers, about 7 %
    of the instructions of a case list (issue 10, session 34). Sync only, as the rest of the
    chain: under ASGI Django runs it in a thread, where reading the user is allowed."""

    async_capable = False

    def _install_lazy_accessors(self, request: HttpRequest) -> None:
        user = getattr(request, "user", None)
        if user is not None:
            if isinstance(user, SimpleLazyObject):
                # AuthenticationMiddleware's lazy user: the session's user, as it would give,
                # read with the session's authenticator app and acting membership in one
                # statement (``selectors.read_identity``; ``ActingMembershipMiddleware`` takes
                # the membership from ``request.passend_identity``).
                session = request.session
                with selectors.reading_identity(
                    _totp_key(session.get(DEVICE_ID_SESSION_KEY)), session.get(SESSION_MEMBERSHIP)
                ) as read:
                    user = self._verify_user_sync(request, get_user(request))
                request.passend_identity = read  # type: ignore[attr-defined]
            else:
                user = self._verify_user_sync(request, user)
            request.user = user
        auser = getattr(request, "auser", None)
        if auser is not None:
            request.auser = functools.partial(self._verify_user_async_via_auser, request, auser)

    def _device_from_persistent_id(self, persistent_id: str) -> Any:
        label, _, key = self._normalize_persistent_id(persistent_id).rpartition("/")
        if label != TOTPDevice._meta.label_lower:
            return super()._device_from_persistent_id(persistent_id)
        number = selectors.id_key(key)
        if number is None:
            return None  # a malformed id
        read = selectors.pending_identity()
        if read is not None and read.user_id is not None and read.device_key == number:
            return read.device  # read with the user (``selectors.read_identity``)
        found = _totp_device().instances([number])
        return found[0] if found else None


def _totp_key(persistent_id: object) -> int | None:
    """The id of the TOTP device a session's ``otp_device_id`` names, or None (another kind
    of device, a malformed id, none)."""
    if not isinstance(persistent_id, str):
        return None
    label, _, key = OTPMiddleware._normalize_persistent_id(persistent_id).rpartition("/")
    return selectors.id_key(key) if label == TOTPDevice._meta.label_lower else None


class SessionLifetimeMiddleware:
    """Idle timeout and absolute lifetime, enforced on the server (the cookie alone is not)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            auth_at = session.get(SESSION_AUTH_AT)
            last_seen = session.get(SESSION_LAST_SEEN)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.SESSION_ABSOLUTE_LIFETIME.total_seconds()
            # Every login stamps the session (accounts.signals.on_login); an unstamped session
            # did not come through a login and is not trusted.
            if (
                not isinstance(auth_at, (int, float))
                or not isinstance(last_seen, (int, float))
                or now - last_seen > idle
                or now - auth_at > absolute
            ):
                request.passend_logout_reason = "session_expired"  # type: ignore[attr-defined]
                logout(request)  # deletes the session on the server
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                request.session[SESSION_EXPIRED] = True  # the login page says why
                return HttpResponseRedirect(reverse(settings.LOGIN_URL) + _next_param(request))
            if now - last_seen >= LAST_SEEN_RESOLUTION:
                session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """No page is reachable with a password alone (PRV-08)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES):
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:
            return HttpResponseRedirect(reverse(settings.LOGIN_URL) + _next_param(request))
        if not selectors.is_verified(user):
            target = (
                "accounts:two_factor_verify"
                if selectors.has_confirmed_device(user)
                else "accounts:two_factor_setup"
            )
            return HttpResponseRedirect(reverse(target) + _next_param(request))
        return self.get_response(request)


class ActingMembershipMiddleware:
    """Sets ``request.membership``: the organisation and role the user acts for (ORG-02).

    Re-read on every request so that ending a membership takes effect at once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        user = request.user
        if selectors.is_verified(user):
            chosen_id = request.session.get(SESSION_MEMBERSHIP)
            membership = selectors.current_membership(
                user, chosen_id, getattr(request, "passend_identity", None)
            )
            if membership is None:
                request.session.pop(SESSION_MEMBERSHIP, None)
                memberships = selectors.current_memberships(user)
                if len(memberships) == 1:
                    membership = memberships[0]
                    request.session[SESSION_MEMBERSHIP] = membership.pk
                elif not request.path.startswith(MEMBERSHIP_EXEMPT_PREFIXES) and (
                    memberships or not user.is_superuser
                ):
                    # Several memberships: choose one. None at all (ended, or never given):
                    # the choice page says so; nothing else is reachable (ORG-02).
                    return HttpResponseRedirect(
                        reverse("accounts:choose_membership") + _next_param(request)
                    )
            request.membership = membership  # type: ignore[attr-defined]
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages for signed-in users may hold personal data: never cache them anywhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
