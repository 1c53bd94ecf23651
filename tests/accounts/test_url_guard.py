"""No page is reachable with a password alone, nor anonymously (PRV-08, ORG-02).

The test walks EVERY URL pattern of the project, so a view added later by any module is
covered without anyone having to remember this test.
"""

from __future__ import annotations

import re
import re._constants as sre_constants
import re._parser as sre_parse
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.accounts.conftest import confirmed_device, password_login
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

# Reachable without a verified second factor, by design.
EXEMPT = re.compile(
    r"^/(accounts/login/|accounts/logout/|accounts/2fa/|i18n/|healthz|static/"
    r"|api/v1/schema/|api/v1/docs/"
    # The public application form and one-time delivery links (passend.intake), tested there.
    r"|formulier/"
    # The parent and youth portal: its own gate (passend.portal.middleware), tested in
    # tests/portal (every portal page needs a portal session; never a professional one).
    r"|portaal/)"
)


def _sample(parsed: Any) -> str:
    """One string matched by a parsed regular expression (enough for URL patterns)."""
    out: list[str] = []
    for op, av in parsed:
        if op is sre_constants.LITERAL:
            out.append(chr(av))
        elif op is sre_constants.NOT_LITERAL:
            out.append("x" if chr(av) != "x" else "y")
        elif op is sre_constants.ANY:
            out.append("1")  # numeric, so object ids look real
        elif op is sre_constants.IN:
            out.append(_sample_class(av))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            low, _high, sub = av
            out.append(_sample(sub) * max(low, 1))
        elif op is sre_constants.SUBPATTERN:
            out.append(_sample(av[-1]))
        elif op is sre_constants.BRANCH:
            out.append(_sample(av[1][0]))
        elif op is sre_constants.CATEGORY:
            out.append("1" if av is sre_constants.CATEGORY_DIGIT else "x")
        elif op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue
        else:  # pragma: no cover - a construct no URL pattern here uses
            raise AssertionError(f"cannot sample regex construct {op}")
    return "".join(out)


def _sample_class(items: list[tuple[Any, Any]]) -> str:
    if items and items[0][0] is sre_constants.NEGATE:
        return "1"
    op, av = items[0]
    if op is sre_constants.LITERAL:
        return chr(av)
    if op is sre_constants.RANGE:
        low, high = av
        return "1" if low <= ord("1") <= high else chr(low)
    if op is sre_constants.CATEGORY:
        return "1" if av is sre_constants.CATEGORY_DIGIT else "x"
    return "x"


def _walk(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, str]]:
    for entry in resolver.url_patterns:
        regex = entry.pattern.regex.pattern.removeprefix("^")
        if isinstance(entry, URLResolver):
            yield from _walk(entry, prefix + regex)
        elif isinstance(entry, URLPattern):
            yield "/" + _sample(sre_parse.parse(prefix + regex)), str(entry.pattern)


def all_urls() -> list[tuple[str, str]]:
    return sorted(set(_walk(get_resolver())))


def test_walk_covers_the_project() -> None:
    """The walker really finds the project's patterns, the admin's included."""
    paths = [path for path, _ in all_urls()]
    assert len(paths) > 20
    for expected in (
        "/",
        reverse("accounts:security"),
        reverse("accounts:choose_membership"),
        reverse("admin:index"),
    ):
        assert expected in paths
    assert any(path.startswith("/beheer/accounts/user/1/") for path in paths)


def _assert_guarded(client: Client, kind: str, expected_prefix: str) -> None:
    for path, pattern in all_urls():
        if EXEMPT.match(path):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            where = f"{method.upper()} {path} ({pattern}) as {kind}"
            if path.startswith("/api/"):
                # The API has tokens of its own; a browser session means nothing there.
                assert response.status_code in (401, 403), where
                continue
            assert response.status_code == 302, f"{where}: {response.status_code}"
            assert response["Location"].startswith(expected_prefix), where


def test_prv08_no_page_for_anonymous_visitors() -> None:
    _assert_guarded(Client(), "anonymous", reverse("accounts:login"))


def test_prv08_no_page_with_a_password_alone(professional: Any) -> None:
    confirmed_device(professional)
    client = Client()
    assert password_login(client, professional.username).status_code == 302
    _assert_guarded(client, "password only", reverse("accounts:two_factor_verify"))
    # The walk itself did not end or upgrade the session.
    assert client.session["_auth_user_id"] == str(professional.pk)
    assert "otp_device_id" not in client.session


def test_prv08_password_alone_without_device_is_sent_to_setup(professional: Any) -> None:
    client = Client()
    password_login(client, professional.username)
    response = client.get(reverse("accounts:security"))
    assert response["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_prv08_exempt_pages_hold_no_personal_data(professional: Any) -> None:
    """The exempt pages render for anonymous visitors without any account data."""
    client = Client()
    for path in (reverse("accounts:login"), "/healthz"):
        response = client.get(path)
        assert response.status_code == 200
        assert professional.username not in response.content.decode()


def test_prv08_authenticated_pages_are_never_cached(coordinator_a: Any) -> None:
    client = verified_client(coordinator_a)
    for path in ("/", reverse("accounts:security"), reverse("accounts:choose_membership")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path
    password_only = Client()
    login = password_login(password_only, coordinator_a.username)
    assert "no-store" in login["Cache-Control"]
