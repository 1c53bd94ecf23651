"""REST API foundation: token authentication, /me/, schema and docs (ORG-02, PRV-08)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from passend.accounts import services
from passend.accounts.models import ApiToken, Membership, Role, hash_token
from passend.privacy.context import AccessContext
from passend.privacy.models import AccessLogEntry
from tests.conftest import make_professional

pytestmark = pytest.mark.django_db

ME_URL = "/api/v1/me/"


def _issue(membership: Membership, **kwargs: Any) -> tuple[ApiToken, str]:
    return services.issue_api_token(AccessContext.system(), membership, **kwargs)


def _get(url: str, raw: str | None = None, client: Client | None = None) -> Any:
    headers = {"Authorization": f"Token {raw}"} if raw is not None else {}
    return (client or Client()).get(url, headers=headers)


@pytest.fixture
def membership(coordinator_a: Any) -> Membership:
    return Membership.objects.get(user=coordinator_a)


# --- /me/ -------------------------------------------------------------------------------------


def test_me_with_valid_token_names_user_and_acting_membership_org02(
    membership: Membership,
) -> None:
    token, raw = _issue(membership, name="koppeling")
    response = _get(ME_URL, raw)
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "ib-a"
    assert body["membership"]["id"] == membership.pk
    assert body["membership"]["role"] == Role.SUPPORT_COORDINATOR
    assert body["membership"]["organisation"]["name"] == "School A"
    assert body["token"]["prefix"] == token.prefix
    assert body["token"]["name"] == "koppeling"
    assert "key_hash" not in json.dumps(body)
    assert raw not in response.content.decode()


def test_me_acts_for_the_tokens_membership_when_user_has_two(region: dict[str, Any]) -> None:
    """A token is tied to one membership: a second one of the same user is not mixed in."""
    user = make_professional(region["school_a"], Role.BEHAVIOUR_EXPERT, username="gedrag")
    second = Membership.objects.create(
        user=user, organisation=region["swv"], role=Role.BEHAVIOUR_EXPERT
    )
    _, raw = _issue(second)
    body = _get(ME_URL, raw).json()
    assert body["membership"]["id"] == second.pk
    assert body["membership"]["organisation"]["name"] == "SWV VO Test"


def test_me_without_token_is_401_with_challenge() -> None:
    response = _get(ME_URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_me_with_unknown_token_is_401(membership: Membership) -> None:
    _issue(membership)
    assert _get(ME_URL, "not-a-real-token").status_code == 401


def test_malformed_authorization_header_is_401(membership: Membership) -> None:
    _, raw = _issue(membership)
    response = Client().get(ME_URL, headers={"Authorization": f"Token {raw} extra"})
    assert response.status_code == 401


def test_me_with_revoked_token_is_401(membership: Membership) -> None:
    token, raw = _issue(membership)
    assert _get(ME_URL, raw).status_code == 200
    services.revoke_api_token(AccessContext.system(), token)
    assert _get(ME_URL, raw).status_code == 401


def test_me_with_expired_token_is_401(membership: Membership) -> None:
    token, raw = _issue(membership)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _get(ME_URL, raw).status_code == 401


def test_token_of_ended_membership_is_401_org02(membership: Membership) -> None:
    _, raw = _issue(membership)
    assert _get(ME_URL, raw).status_code == 200
    Membership.objects.filter(pk=membership.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    assert _get(ME_URL, raw).status_code == 401


def test_token_of_deactivated_membership_or_user_is_401(membership: Membership) -> None:
    _, raw = _issue(membership)
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    assert _get(ME_URL, raw).status_code == 401
    Membership.objects.filter(pk=membership.pk).update(is_active=True)
    assert _get(ME_URL, raw).status_code == 200
    type(membership.user).objects.filter(pk=membership.user_id).update(is_active=False)
    assert _get(ME_URL, raw).status_code == 401


def test_session_login_does_not_authenticate_the_api(coordinator_a: Any) -> None:
    """The API takes tokens only: a (verified) browser session is no API credential."""
    from tests.conftest import verified_client

    assert _get(ME_URL, client=verified_client(coordinator_a)).status_code == 401


# --- Storage and services ---------------------------------------------------------------------


def test_only_the_hash_of_a_token_is_stored(membership: Membership) -> None:
    token, raw = _issue(membership)
    token.refresh_from_db()
    assert token.key_hash == hash_token(raw)
    assert token.prefix == raw[:8]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        rows = cursor.fetchall()
    assert rows
    assert not any(raw in str(value) for row in rows for value in row)


def test_no_token_for_an_ended_membership_org02(membership: Membership) -> None:
    membership.valid_until = timezone.localdate() - timedelta(days=1)
    membership.save()
    with pytest.raises(ValidationError):
        _issue(membership)
    assert not ApiToken.objects.exists()


def test_token_lifetime_must_be_positive(membership: Membership) -> None:
    with pytest.raises(ValidationError):
        _issue(membership, lifetime=timedelta(0))
    token, _ = _issue(membership, lifetime=timedelta(days=2))
    assert timedelta(days=1) < token.expires_at - timezone.now() <= timedelta(days=2)


def test_revoking_twice_keeps_the_first_revocation(membership: Membership) -> None:
    token, _ = _issue(membership)
    services.revoke_api_token(AccessContext.system(), token)
    first = ApiToken.objects.get(pk=token.pk).revoked_at
    with pytest.raises(ValidationError):
        services.revoke_api_token(AccessContext.system(), token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first
    assert AccessLogEntry.objects.filter(action="api_token_revoked").count() == 1


def test_issuance_and_revocation_each_leave_an_access_log_entry(membership: Membership) -> None:
    token, _ = _issue(membership)
    issued = AccessLogEntry.objects.get(action="api_token_issued")
    assert (issued.object_type, issued.object_id) == ("accounts.apitoken", str(token.pk))
    assert issued.activity == "account_administration"
    services.revoke_api_token(AccessContext.system(), token)
    revoked = AccessLogEntry.objects.get(action="api_token_revoked")
    assert revoked.object_id == str(token.pk)


# --- Management commands ----------------------------------------------------------------------


def _run(*args: str, **options: Any) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def _printed_token(output: str) -> str:
    candidates = [line for line in output.splitlines() if re.fullmatch(r"[\w-]{40,}", line)]
    assert len(candidates) == 1, output
    return candidates[0]


def test_issue_command_prints_a_working_token_once_and_logs_it(membership: Membership) -> None:
    output = _run("issue_api_token", "ib-a", name="ESIS", days=7)
    raw = _printed_token(output)
    token = ApiToken.objects.get()
    assert token.key_hash == hash_token(raw)
    assert token.membership == membership
    assert token.name == "ESIS"
    assert timedelta(days=6) < token.expires_at - timezone.now() <= timedelta(days=7)
    assert token.prefix in output
    assert _get(ME_URL, raw).status_code == 200
    assert AccessLogEntry.objects.filter(action="api_token_issued", object_id=str(token.pk))


def test_issue_command_by_membership_id_and_by_org_role(region: dict[str, Any]) -> None:
    user = make_professional(region["school_a"], Role.BEHAVIOUR_EXPERT, username="gedrag")
    at_swv = Membership.objects.create(
        user=user, organisation=region["swv"], role=Role.BEHAVIOUR_EXPERT
    )
    at_school = Membership.objects.get(user=user, organisation=region["school_a"])
    _run("issue_api_token", "gedrag", membership=str(at_swv.pk))
    _run("issue_api_token", "gedrag", membership="school a:behaviour_expert")
    assert sorted(ApiToken.objects.values_list("membership_id", flat=True)) == sorted(
        [at_swv.pk, at_school.pk]
    )


def test_issue_command_refuses_ambiguous_membership(region: dict[str, Any]) -> None:
    user = make_professional(region["school_a"], Role.BEHAVIOUR_EXPERT, username="gedrag")
    Membership.objects.create(user=user, organisation=region["swv"], role=Role.BEHAVIOUR_EXPERT)
    with pytest.raises(CommandError, match=r"meerdere lidmaatschappen.*--membership"):
        _run("issue_api_token", "gedrag")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (("nobody",), {}, "bestaat niet"),
        (("ib-a",), {"membership": "999999"}, "heeft dit lidmaatschap niet"),
        (("ib-a",), {"membership": "School B:support_coordinator"}, "heeft dit lidmaatschap"),
        (("ib-a",), {"membership": "zonderdubbelepunt"}, "ORGANISATIENAAM:ROL"),
        (("ib-a",), {"days": 0}, "--days"),
    ],
)
def test_issue_command_errors(
    coordinator_a: Any, args: tuple[str, ...], options: dict[str, Any], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        _run("issue_api_token", *args, **options)
    assert not ApiToken.objects.exists()
    assert not AccessLogEntry.objects.filter(action="api_token_issued").exists()


def test_issue_command_refuses_ended_membership(membership: Membership) -> None:
    membership.is_active = False
    membership.save()
    with pytest.raises(CommandError, match="geen actief lidmaatschap"):
        _run("issue_api_token", "ib-a")
    with pytest.raises(CommandError, match="niet \\(meer\\) actief"):
        _run("issue_api_token", "ib-a", membership=str(membership.pk))
    assert not ApiToken.objects.exists()


def test_revoke_command_by_prefix(membership: Membership) -> None:
    token, raw = _issue(membership)
    output = _run("revoke_api_token", token.prefix)
    assert "ingetrokken" in output
    assert _get(ME_URL, raw).status_code == 401
    assert AccessLogEntry.objects.filter(action="api_token_revoked", object_id=str(token.pk))
    with pytest.raises(CommandError, match="Geen actief token"):
        _run("revoke_api_token", token.prefix)


def test_revoke_command_with_ambiguous_prefix_needs_whole_token(membership: Membership) -> None:
    first, raw_first = _issue(membership)
    second, raw_second = _issue(membership)
    ApiToken.objects.filter(pk=second.pk).update(prefix=first.prefix)
    with pytest.raises(CommandError, match="Meerdere tokens"):
        _run("revoke_api_token", first.prefix)
    _run("revoke_api_token", raw_second)
    assert _get(ME_URL, raw_first).status_code == 200
    assert _get(ME_URL, raw_second).status_code == 401


def test_revoke_command_unknown_prefix() -> None:
    with pytest.raises(CommandError, match="Geen actief token"):
        _run("revoke_api_token", "abcdefgh")


# --- Schema and docs --------------------------------------------------------------------------


def test_schema_is_valid_openapi_3_and_documents_me_and_token_auth() -> None:
    from drf_spectacular.validation import validate_schema

    response = Client().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # JSON Schema of OpenAPI 3.0, shipped with drf-spectacular
    me = schema["paths"]["/api/v1/me/"]["get"]
    assert me["security"] == [{"tokenAuth": []}]
    assert "401" in me["responses"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
    assert "Me" in schema["components"]["schemas"]


def test_schema_yaml_parses() -> None:
    import yaml

    response = Client().get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/" in schema["paths"]


EXTERNAL_URL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def test_docs_page_loads_only_own_resources_under_csp() -> None:
    response = Client().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not EXTERNAL_URL.search(html), "the docs page must not load third-party resources"
    assert "cdn" not in html.lower()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    # No inline script or style: every <script> has a src, and there is no <style> element.
    assert "<style" not in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attrs for attrs in scripts)
    for src in re.findall(r'<script[^>]*src="([^"]+)"', html):
        assert src.startswith("/"), src
    # The init script is served by our own view as JavaScript.
    init_src = re.findall(r'<script[^>]*src="([^"]+)"', html)[-1].replace("&amp;", "&")
    script = Client().get(init_src)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_docs_static_bundle_is_served_locally() -> None:
    html = Client().get("/api/v1/docs/").content.decode()
    bundle = re.search(r'src="([^"]*swagger-ui-bundle\.js)"', html)
    assert bundle is not None
    response = Client().get(bundle.group(1))
    assert response.status_code == 200


def test_issued_keys_never_start_with_a_dash(
    membership: Membership, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key starting with "-" could not be named on the command line to revoke it."""
    keys = iter(["-starts-with-a-dash" + "x" * 24, "fine-key" + "y" * 35])
    monkeypatch.setattr(services.secrets, "token_urlsafe", lambda _n: next(keys))
    token, raw = _issue(membership)
    assert raw.startswith("fine-key")
    _run("revoke_api_token", token.prefix)
    assert _get(ME_URL, raw).status_code == 401
