"""Check 2 of issue 11 (``make verify``): Schemathesis over ``/api/v1/schema/``.

Two professionals of different organisations, each with an API token and a case. For every
operation of the schema Schemathesis generates requests (Hypothesis) and checks: no 5xx,
responses that conform to the schema (content type, body), authentication not ignored. Each
generated request is then repeated with the other organisation's token: it may not show the
first organisation's pupil or case, and without a token every operation answers 401.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    not_a_server_error,
    response_schema_conformance,
)

pytestmark = [pytest.mark.verify, pytest.mark.django_db]

EXAMPLES = 40


@pytest.fixture
def api_world(region: dict[str, Any], coordinator_a: Any, coordinator_b: Any) -> dict[str, Any]:
    from passend.access.actor import Actor
    from passend.accounts.models import Membership
    from passend.accounts.services import issue_api_token
    from tests.cases.screens import build_world

    world_a = build_world(region, coordinator_a, first_name="Sieuwertje")
    tokens = {}
    for key, user in (("a", coordinator_a), ("b", coordinator_b)):
        membership = Membership.objects.get(user=user)
        _token, raw = issue_api_token(Actor.for_membership(membership).context, membership)
        tokens[key] = raw
    return {
        "tokens": tokens,
        "secrets": ["Sieuwertje", "Zilverschoon", world_a.case.pseudonym],
        "case_id": world_a.case.pk,
    }


def load_schema(api_world: dict[str, Any]) -> Any:
    from django.core.wsgi import get_wsgi_application

    return schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json",
        get_wsgi_application(),
        headers={"Authorization": f"Token {api_world['tokens']['a']}"},
    )


def check_case(case: Any, api_world: dict[str, Any]) -> None:
    tokens = api_world["tokens"]
    case.call_and_validate(
        headers={"Authorization": f"Token {tokens['a']}"},
        checks=[
            not_a_server_error,
            content_type_conformance,
            response_schema_conformance,
            ignored_auth,
        ],
    )
    where = f"{case.method} {case.formatted_path}"
    foreign = case.call(headers={"Authorization": f"Token {tokens['b']}"})
    assert foreign.status_code < 500, f"{where}: 5xx with a foreign token"
    text = foreign.content.decode(errors="replace")
    for secret in api_world["secrets"]:
        assert secret not in text, f"{where} showed {secret!r} to another organisation"
    anonymous = case.call(headers={"Authorization": ""})
    if case.formatted_path.rstrip("/") not in ("/api/v1/schema", "/api/v1/docs") and _routes(
        case.formatted_path
    ):
        assert anonymous.status_code == 401, f"{where}: {anonymous.status_code} without a token"


def _routes(path: str) -> bool:
    """False for a generated path no URL pattern matches (e.g. a negative id): plain 404."""
    from django.urls import Resolver404, resolve

    try:
        resolve(path.split("?")[0])
    except Resolver404:
        return False
    return True


def test_api_conforms_and_never_errs_or_leaks(api_world: dict[str, Any]) -> None:
    """Every operation, EXAMPLES generated requests each (plus the real case id)."""
    schema = load_schema(api_world)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 5, "the schema lists almost no operations"
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            if "id" in (case.path_parameters or {}) and case.path_parameters.get("id") == 0:
                case.path_parameters["id"] = api_world["case_id"]
            check_case(case, api_world)

        try:
            run()
        except Exception as error:
            failures.append(f"{operation.method.upper()} {operation.path}: {str(error)[:600]}")
    assert not failures, f"{len(failures)} operations failed:\n" + "\n\n".join(failures)
