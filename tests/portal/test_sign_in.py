"""Sign-in for rights holders: link + code, once, before expiry; no enumeration; rate limit."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passend.portal import auth
from passend.portal.models import SignInAttempt
from passend.privacy.models import AccessLogEntry
from tests.portal.conftest import request_link

pytestmark = pytest.mark.django_db

EMAIL = "ouder.klein@example.org"


def signed_in(client: Client) -> bool:
    return client.get(reverse("portal:overview")).status_code == 200


def test_age03_sign_in_needs_link_and_code_once_before_expiry(family: dict[str, Any]) -> None:
    client = Client()
    response, token, code = request_link(client, EMAIL)
    assert response.status_code == 200 and token and re.fullmatch(r"\d{6}", code)
    # The link alone: a code form, no session.
    assert client.get(reverse("portal:link", args=[token])).status_code == 200
    assert not signed_in(client)
    # Link plus a wrong code: refused.
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = client.post(reverse("portal:link", args=[token]), {"code": wrong})
    assert refused.status_code == 200 and "klopt niet" in refused.content.decode()
    assert not signed_in(client)
    # Link plus the right code: signed in.
    done = client.post(reverse("portal:link", args=[token]), {"code": code})
    assert done.status_code == 302
    assert signed_in(client)
    # Once: the same link and code again, in another browser, are refused.
    again = Client().post(reverse("portal:link", args=[token]), {"code": code})
    assert again.status_code == 404
    assert "_auth_user_id" not in client.session  # never a professional login


def test_code_alone_without_the_link_does_nothing(family: dict[str, Any]) -> None:
    client = Client()
    _response, _token, code = request_link(client, EMAIL)
    forged = client.post(reverse("portal:link", args=["x" * 43]), {"code": code})
    assert forged.status_code == 404
    assert not signed_in(client)


def test_link_expires(family: dict[str, Any]) -> None:
    client = Client()
    _response, token, code = request_link(client, EMAIL)
    SignInAttempt.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("portal:link", args=[token])).status_code == 404
    assert client.post(reverse("portal:link", args=[token]), {"code": code}).status_code == 404
    assert not signed_in(client)


def test_five_wrong_codes_burn_the_link(family: dict[str, Any]) -> None:
    client = Client()
    _response, token, code = request_link(client, EMAIL)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(auth.MAX_CODE_FAILURES):
        client.post(reverse("portal:link", args=[token]), {"code": wrong})
    assert client.post(reverse("portal:link", args=[token]), {"code": code}).status_code == 404
    assert not signed_in(client)


def _normalised(content: bytes, code: str) -> str:
    text = content.decode()
    text = text.replace(f"{code[:3]} {code[3:]}", "CODE")
    text = re.sub(r'nonce="[^"]+"', "", text)
    text = re.sub(r'"X-CSRFToken": "[^"]+"', "", text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def test_unknown_address_gets_the_same_answer(family: dict[str, Any]) -> None:
    known, known_token, known_code = request_link(Client(), EMAIL)
    sent = len(mail.outbox)
    unknown, unknown_token, unknown_code = request_link(Client(), "niemand@example.org")
    assert known_token is not None and unknown_token is None
    assert len(mail.outbox) == sent  # nothing is sent to an unknown address
    assert known.status_code == unknown.status_code == 200
    assert _normalised(known.content, known_code) == _normalised(unknown.content, unknown_code)
    # Both leave the same trace: one attempt row each (so rate limits treat them alike).
    assert SignInAttempt.objects.count() == 2


def test_sign_in_requests_are_rate_limited_alike(family: dict[str, Any]) -> None:
    for address in (EMAIL, "niemand@example.org"):
        client = Client()
        for _ in range(auth.MAX_PER_ADDRESS):
            assert client.post(reverse("portal:sign_in"), {"email": address}).status_code == 200
        assert client.post(reverse("portal:sign_in"), {"email": address}).status_code == 429
    assert (
        AccessLogEntry.objects.filter(
            action="portal_sign_in_request", outcome="denied", reason="rate limited"
        ).count()
        == 2
    )


def test_rate_limit_per_ip_address(family: dict[str, Any], settings: Any) -> None:
    client = Client()
    for n in range(auth.MAX_PER_IP):
        client.post(reverse("portal:sign_in"), {"email": f"iemand{n}@example.org"})
    assert client.post(reverse("portal:sign_in"), {"email": EMAIL}).status_code == 429


def test_email_and_token_carry_no_personal_data(family: dict[str, Any]) -> None:
    _response, token, _code = request_link(Client(), EMAIL)
    message = mail.outbox[-1]
    assert message.to == [EMAIL]
    pupil = family["child"]["pupil"]
    guardian = family["child"]["guardian"]
    for secret in (pupil.first_name, pupil.last_name, guardian.first_name, EMAIL, "ouder.klein"):
        assert secret not in message.subject and secret not in message.body
        assert token is not None and secret not in token
    assert token is not None and len(token) >= 40  # 256 random bits, URL-safe
    attempt = SignInAttempt.objects.get()
    assert token not in (attempt.token_hash, attempt.code_hash)  # only hashes are stored


def test_address_match_is_case_insensitive(family: dict[str, Any]) -> None:
    _response, token, _code = request_link(Client(), "  Ouder.Klein@Example.ORG ")
    assert token is not None


def test_portal_purge_removes_only_attempts_older_than_30_days(family: dict[str, Any]) -> None:
    from io import StringIO

    from django.core.management import call_command

    request_link(Client(), "ouder.klein@example.org")
    request_link(Client(), "ouder.klein@example.org")
    old, recent = SignInAttempt.objects.order_by("pk")
    SignInAttempt.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    out = StringIO()
    call_command("portal_purge", stdout=out)
    assert "attempts_deleted=1" in out.getvalue()
    assert list(SignInAttempt.objects.values_list("pk", flat=True)) == [recent.pk]
