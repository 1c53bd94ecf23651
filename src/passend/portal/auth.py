"""Sign-in for parents and youths: an e-mailed link plus a code shown on the requesting screen.

The two steps, and why:

1. The person enters an e-mail address. The answer is always the same page, whether the
   address is known or not (no account enumeration): "if we know this address, a link is on
   its way" and a six-digit code. Only for a known address (a guardian's or a pupil's) is an
   e-mail sent; it holds nothing but the link, whose token is 256 random bits.
2. The link (opened on any device, the phone with the mailbox included) asks for the code that
   the requesting screen shows. Only link AND code together sign in: a leaked or forwarded link
   is useless without the code, and someone who requests a link for another person's address
   sees a code but never gets the link. Opening the link (GET) changes nothing, so mail
   scanners that prefetch links do not burn it.

Both are single-use and expire after ``LINK_LIFETIME``; five wrong codes burn the attempt.
Requests are rate-limited per address and per IP address, counted in the database so that
every app server sees the same counts. Token and code are stored only as hashes.
DigiD is the production option for a stronger identity (docs/privacy.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from passend.access.rights_holder import records_for_email
from passend.portal.models import PortalIdentity, SignInAttempt
from passend.privacy.context import AccessContext, subject_pseudonym
from passend.privacy.models import Outcome
from passend.privacy.services import record_access

ACTIVITY = "portal_sign_in"
LINK_LIFETIME = timedelta(minutes=15)
MAX_CODE_FAILURES = 5
RATE_WINDOW = timedelta(hours=1)
MAX_PER_ADDRESS = 5
MAX_PER_IP = 20


@dataclass(frozen=True)
class SignInRequest:
    code: str
    expires_in_minutes: int


def normalise(email: str) -> str:
    return email.strip().lower()


def email_digest(email: str) -> str:
    return hmac.new(
        settings.PSEUDONYM_KEY.encode(), f"portal-email:{normalise(email)}".encode(), hashlib.sha256
    ).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _code_hash(token_hash: str, code: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{token_hash}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def identity_label(identity_id: int) -> str:
    """The rights holder's name in the access log: a pseudonym, never the address."""
    return "portaal:" + subject_pseudonym("portal", identity_id)


def _link(token: str) -> str:
    base = str(getattr(settings, "PASSEND_BASE_URL", "http://localhost:8000")).rstrip("/")
    return base + reverse("portal:link", args=[token])


def _send_link(email: str, token: str) -> None:
    with translation.override("nl"):
        subject = _("Passend: uw aanmeldlink voor het ouder- en jongerenportaal")
        body = _(
            "U vroeg een aanmeldlink aan voor het ouder- en jongerenportaal van Passend.\n\n"
            "Open deze link en vul de controlecode in die u op het scherm zag:\n%(link)s\n\n"
            "De link werkt één keer en %(minutes)d minuten.\n"
            "Heeft u dit niet zelf aangevraagd? Dan kunt u deze e-mail negeren.\n\n"
            "Deze e-mail bevat bewust geen namen of andere gegevens."
        ) % {"link": _link(token), "minutes": int(LINK_LIFETIME.total_seconds() // 60)}
    EmailMessage(subject=subject, body=body, to=[email]).send()


@transaction.atomic
def request_sign_in(email: str, *, context: AccessContext) -> SignInRequest | None:
    """Step 1. Same work and same answer for known and unknown addresses; None when the
    address or the IP address asked too often (rate limit)."""
    address = normalise(email)
    digest = email_digest(address)
    now = timezone.now()
    recent = SignInAttempt.objects.filter(created_at__gte=now - RATE_WINDOW)
    if recent.filter(email_digest=digest).count() >= MAX_PER_ADDRESS or (
        context.ip_address and recent.filter(ip_address=context.ip_address).count() >= MAX_PER_IP
    ):
        record_access(
            context,
            action="portal_sign_in_request",
            activity=ACTIVITY,
            outcome=Outcome.DENIED,
            reason="rate limited",
        )
        return None  # committed, so that the refusal stays in the log
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10**6):06d}"
    guardian_ids, pupil_ids = records_for_email(address)
    identity = None
    if guardian_ids or pupil_ids:
        identity, _created = PortalIdentity.objects.get_or_create(email=address)
    token_hash = _token_hash(token)
    attempt = SignInAttempt.objects.create(
        identity=identity,
        email_digest=digest,
        ip_address=context.ip_address,
        token_hash=token_hash,
        code_hash=_code_hash(token_hash, code),
        expires_at=now + LINK_LIFETIME,
    )
    record_access(
        context,
        action="portal_sign_in_request",
        activity=ACTIVITY,
        obj=attempt,
    )
    if identity is not None:
        transaction.on_commit(lambda: _send_link(address, token))
    return SignInRequest(code=code, expires_in_minutes=int(LINK_LIFETIME.total_seconds() // 60))


def _open_attempt(token: str, *, lock: bool = False) -> SignInAttempt | None:
    if not token or len(token) > 100:
        return None
    queryset = SignInAttempt.objects.filter(
        token_hash=_token_hash(token),
        identity__isnull=False,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
        failed_codes__lt=MAX_CODE_FAILURES,
    )
    if lock:
        queryset = queryset.select_for_update()
    return queryset.select_related("identity").first()


def link_is_open(token: str) -> bool:
    """Step 2, GET: may this link still be used? Changes nothing."""
    return _open_attempt(token) is not None


@transaction.atomic
def complete_sign_in(token: str, code: str, *, context: AccessContext) -> PortalIdentity | None:
    """Step 2, POST: link and code together, once, before expiry. None when refused."""
    attempt = _open_attempt(token, lock=True)
    if attempt is None or attempt.identity is None:
        record_access(
            context,
            action="portal_sign_in",
            activity=ACTIVITY,
            outcome=Outcome.DENIED,
            reason="link unknown, used or expired",
        )
        return None
    given = "".join(ch for ch in code if ch.isdigit())[:6]
    if not constant_time_compare(_code_hash(attempt.token_hash, given), attempt.code_hash):
        attempt.failed_codes += 1
        attempt.save(update_fields=["failed_codes"])
        record_access(
            context,
            action="portal_sign_in",
            activity=ACTIVITY,
            outcome=Outcome.DENIED,
            obj=attempt,
            reason="wrong code",
        )
        return None
    now = timezone.now()
    attempt.used_at = now
    attempt.save(update_fields=["used_at"])
    identity = attempt.identity
    identity.last_sign_in_at = now
    identity.save(update_fields=["last_sign_in_at"])
    record_access(
        AccessContext(
            ip_address=context.ip_address,
            trace_id=context.trace_id,
            actor_label=identity_label(identity.pk),
        ),
        action="portal_sign_in",
        activity=ACTIVITY,
        obj=attempt,
    )
    return identity


@transaction.atomic
def purge_old_attempts(older_than: timedelta = timedelta(days=30)) -> int:
    """Sign-in attempts are kept only as long as rate limiting and review need them."""
    deleted, _rows = SignInAttempt.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
