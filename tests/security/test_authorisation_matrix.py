"""Check 1 of issue 11: the authorisation matrix (ORG-04, ORG-02, ABS-05, DESIGN.md privacy core 1).

Generated, never listed: every route of the URLconf (web, with a verified 2FA session) and
every operation of the OpenAPI schema (API, with a token), for every ORG-02 role, filled with
the ids of a rich world (see ``world.py``). For a professional outside the case — another
organisation, or a colleague who takes part in none of the cases — the answer is 404/403 (or
405), no pupil name, birth date, pseudonym or case text, nothing changes, and each denied
case access leaves an access-log entry with outcome ``denied``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from passend.access.actor import Actor
from passend.access.policy import decide_case
from passend.access.selectors import with_policy_data
from passend.accounts.middleware import SESSION_MEMBERSHIP
from passend.accounts.models import Membership, Role
from passend.accounts.services import issue_api_token
from passend.cases.models import Case, CaseKind
from passend.consent.models import LegalGround
from passend.privacy.models import AccessLogEntry, Outcome
from tests.conftest import verified_client
from tests.security.world import (
    ADMIN_PREFIX,
    World,
    build_world,
    candidate_values,
    case_param,
    fill,
    params_of,
    schema_operations,
    schema_path_to_pattern,
    web_routes,
)

pytestmark = pytest.mark.django_db

CASE_DENIAL_STATUSES = {403, 404, 405}

SKIPPED_APPS = {"privacy", "sessions", "axes", "django_tasks_database", "admin", "otp_totp"}


@pytest.fixture
def world(region: Any) -> World:
    # ``region`` (conftest) is not used by the world; requesting it keeps the db fixture order.
    return build_world()


def data_snapshot() -> dict[str, Any]:
    """Row counts of every table outside the logs and sessions, plus each case's version."""
    tables = set(connection.introspection.table_names())
    counts = {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.db_table in tables
        and m._meta.app_label not in SKIPPED_APPS
        and m._meta.label not in {"otp_static.StaticToken", "accounts.ApiToken"}
    }
    counts["case versions"] = list(
        Case.objects.order_by("pk").values_list("pk", "version", "phase")
    )
    return counts


def api_client_for(user: Any) -> Client:
    membership = Membership.objects.filter(user=user).order_by("pk").first()
    assert membership is not None
    _token, raw = issue_api_token(Actor.for_membership(membership).context, membership)
    return Client(HTTP_AUTHORIZATION=f"Token {raw}")


def requests_for(
    world: World, *, admin: bool, methods: tuple[str, ...] = ("get", "post")
) -> Iterator[tuple[str, str]]:
    """(method, url) for every web route and every API operation, each once.

    ``methods`` limits both: the web routes are sent each of them, the schema's operations
    only those whose method is in it (all of them when "all" is given).
    """
    seen: set[tuple[str, str]] = set()
    web_methods = tuple(m for m in methods if m in ("get", "post")) or ("get",)
    for pattern, _entry in web_routes(include_admin=admin):
        for values in candidate_values(params_of(pattern), world):
            url = fill(pattern, values)
            for method in web_methods:
                if (method, url) not in seen:
                    seen.add((method, url))
                    yield method, url
    for method, path in schema_operations():
        if "all" not in methods and method not in methods:
            continue
        pattern = schema_path_to_pattern(path)
        for values in candidate_values(params_of(pattern), world):
            url = fill(pattern, values)
            if (method, url) not in seen:
                seen.add((method, url))
                yield method, url


def leaked(response: Any, secrets: dict[str, str]) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode(errors="replace") + response.get("Location", "")
    return [f"{what} ({secret!r})" for secret, what in secrets.items() if secret in text]


def probe(
    user: Any,
    world: World,
    secrets: dict[str, str],
    *,
    denied_cases: set[int],
    admin: bool,
    methods: tuple[str, ...] = ("get", "post"),
) -> tuple[int, list[str]]:
    """Sends every request as ``user``; returns the count and the failures, each explained."""
    web, api = verified_client(user), api_client_for(user)
    memberships = list(Membership.objects.filter(user=user).order_by("pk"))
    if len(memberships) > 1:  # act for the first membership, as the chooser would (ORG-02)
        session = web.session
        session[SESSION_MEMBERSHIP] = memberships[0].pk
        session.save()
    failures: list[str] = []
    sent = 0
    for method, url in requests_for(world, admin=admin, methods=methods):
        client = api if url.startswith("/api/") else web
        last_log = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = getattr(client, method)(url)
        sent += 1
        who = f"{user.username} {method.upper()} {url} -> {response.status_code}"
        if response.status_code >= 500:
            failures.append(f"{who}: server error")
            continue
        for leak in leaked(response, secrets):
            failures.append(f"{who}: shows {leak}")
        for problem in page_problems(response, url):
            failures.append(f"{who}: {problem}")
        case_id = case_param(url)
        if case_id is None or case_id not in denied_cases:
            continue
        if response.status_code not in CASE_DENIAL_STATUSES:
            failures.append(f"{who}: case {case_id} is not the user's, expected 403/404")
        elif response.status_code != 405:
            logged = AccessLogEntry.objects.filter(
                id__gt=last_log, actor=user, outcome=Outcome.DENIED, object_id=str(case_id)
            ).exists()
            if not logged:
                failures.append(
                    f"{who}: denied access to case {case_id} left no access-log entry (NEN 7513)"
                )
    # The prober must still be signed in: otherwise the walk proved nothing after that point.
    assert web.get("/").status_code == 200, f"{user.username} lost the session during the walk"
    return sent, failures


# Attributes that make a browser fetch or navigate: none may name another host (check 11).
_RESOURCE = re.compile(
    r"""\b(?:src|href|action|formaction|poster|data)\s*=\s*["']([^"']*)["']""", re.I
)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)""", re.I)
SAFE_SCHEMES = ("mailto:", "tel:", "data:", "#", "javascript:void")


def third_party(urls: list[str]) -> list[str]:
    """The URLs that leave the site: absolute with a host other than the test server."""
    bad = []
    for raw in urls:
        value = raw.strip()
        if (
            not value
            or value.startswith(SAFE_SCHEMES)
            or (value.startswith("/") and not value.startswith("//"))
        ):
            continue
        if value.startswith(("//", "http:", "https:")) or re.match(
            r"^[a-z][a-z0-9+.-]*:", value, re.I
        ):
            host = re.sub(r"^[a-z]+:", "", value, flags=re.I).lstrip("/").split("/")[0]
            if host not in ("testserver", ""):
                bad.append(value)
    return bad


def page_problems(response: Any, url: str) -> list[str]:
    """Check 11: personal-data responses are never cached; pages load nothing from elsewhere."""
    found = []
    if "no-store" not in response.get("Cache-Control", ""):
        found.append("no Cache-Control: no-store")
    content_type = response.get("Content-Type", "")
    if response.status_code == 200 and "text/html" in content_type and not response.streaming:
        html = response.content.decode(errors="replace")
        found += [
            f"loads a third-party resource {u!r}" for u in third_party(_RESOURCE.findall(html))
        ]
        found += [f"CSS url() to {u!r}" for u in third_party(_CSS_URL.findall(html))]
    return found


def report(failures: list[str]) -> str:
    shown = "\n".join(failures[:40])
    more = f"\n… and {len(failures) - 40} more" if len(failures) > 40 else ""
    return f"{len(failures)} authorisation failures:\n{shown}{more}"


ROLE_GROUPS = 4


@pytest.mark.parametrize("group", range(ROLE_GROUPS))
def test_org_02_04_every_role_of_another_organisation_gets_nothing(
    world: World, group: int
) -> None:
    """ORG-02 by every route by every API operation: another organisation sees and changes nothing.

    Each role probes every GET route and GET operation with one of the world's cases (rotated
    over the owner kinds) and its child rows; the deep walk below sends every method.
    """
    before = data_snapshot()
    failures: list[str] = []
    assert set(world.outsiders) == set(Role.values)
    for index, role in enumerate(Role.values):
        if index % ROLE_GROUPS != group:
            continue
        case_id = world.own_case_ids[index % len(world.own_case_ids)]
        _sent, found = probe(
            world.outsiders[role],
            world.sliced([case_id], extra_ids=0, max_pairs=1),
            world.secrets,
            denied_cases=set(world.case_ids),
            admin=role == Role.FUNCTIONAL_ADMIN,
            methods=("get",),
        )
        failures += found
    assert not failures, report(failures)
    assert data_snapshot() == before, "an outsider's request changed data"


def test_org_04_outsider_deep_walk_every_method_every_owner_kind(world: World) -> None:
    """One outsider, every route and API operation with every method, a case per owner kind,
    each child row of each case in nested routes (IDs of another organisation's objects)."""
    before = data_snapshot()
    deep = world.sliced(world.own_case_ids, extra_ids=1)
    # Nested routes: every child model of the school's case, and one row of another case.
    school_case, other_case, *_rest = world.own_case_ids
    deep.pairs = world.sliced([school_case]).pairs + world.sliced([other_case], max_pairs=1).pairs
    sent, failures = probe(
        world.outsiders[Role.SUPPORT_COORDINATOR],
        deep,
        world.secrets,
        denied_cases=set(world.case_ids),
        admin=False,
        methods=("get", "post", "all"),
    )
    assert not failures, report(failures)
    assert sent > 300, f"the matrix sent only {sent} requests: is the route walk broken?"
    assert data_snapshot() == before, "an outsider's request changed data"


@pytest.mark.parametrize("group", range(ROLE_GROUPS))
def test_org_04_colleagues_outside_a_case_never_see_it(world: World, group: int) -> None:
    """Every demo user (one per ORG-02 role, in the cases' own organisations) against the cases
    the policy does not grant them, and against their own case with another case's child ids.

    The policy is the oracle for *which* cases are not theirs; the routes are checked for what
    they show: no pseudonym or case text of those cases, a logged 404 for each, no change.
    """
    from passend.accounts.demo import DEMO_USERS
    from passend.accounts.models import User

    before = data_snapshot()
    cases = list(with_policy_data(Case.objects.all()))
    failures: list[str] = []
    roles_seen: set[str] = set()
    for index, (username, *_rest) in enumerate(DEMO_USERS):
        user = User.objects.get(username=username)
        membership = Membership.objects.filter(user=user).order_by("pk").first()
        assert membership is not None
        roles_seen.add(membership.role)
        if index % ROLE_GROUPS != group:
            continue
        allowed = sorted(c.pk for c in cases if decide_case(user, membership, c).allowed)
        denied = [pk for pk in world.case_ids if pk not in allowed]
        visible = {t for pk in allowed for t in world.case_secrets.get(pk, {})}
        # A procedure queue (TLV triage and decision) shows the pseudonym of a case to the
        # organisation that holds a statutory ground for it (CON-04) before it takes part.
        visible |= {
            c.pseudonym
            for c in cases
            if c.kind == CaseKind.TLV
            and LegalGround.objects.filter(
                case=c, organisation_id=membership.organisation_id, ended_at__isnull=True
            ).exists()
        }
        secrets = {
            text: what
            for pk in denied
            for text, what in world.case_secrets.get(pk, {}).items()
            if text not in visible
        }
        # A denied case of the user's own organisation first: the colleague next door.
        own_org = [
            c.pk for c in cases if c.pk in denied and c.owner_id == membership.organisation_id
        ]
        probe_cases = (own_org + [pk for pk in denied if pk not in own_org])[:1]
        probe_world = world.sliced(probe_cases, extra_ids=0, max_pairs=1)
        if allowed and probe_cases:
            # Own case in the first parameter, another case's rows in the second (IDOR).
            probe_world.pairs += [
                (allowed[0], pk)
                for pks in world.children.get(probe_cases[0], {}).values()
                for pk in pks[:1]
            ][:2]
        _sent, found = probe(
            user, probe_world, secrets, denied_cases=set(denied), admin=False, methods=("get",)
        )
        failures += found
    assert roles_seen == set(Role.values), (
        f"roles without a demo user: {set(Role.values) - roles_seen}"
    )
    assert not failures, report(failures)
    assert data_snapshot() == before, "a request of a colleague outside the case changed data"


def test_matrix_generator_covers_routes_and_schema(world: World) -> None:
    """Guards the generator: case routes, module routes and API operations all get concrete ids."""
    requests = set(requests_for(world, admin=False, methods=("get", "post", "all")))
    case = world.case_ids[0]
    assert ("get", f"/trajecten/{case}/") in requests
    assert ("get", f"/api/v1/cases/{case}/") in requests
    methods = {m for m, url in requests if url.startswith("/api/")}
    assert {"get", "post"} <= methods
    assert case_param(f"/trajecten/{case}/") == case
    assert case_param(f"/api/v1/cases/{case}/") == case
    assert case_param("/leerlingen/") is None
    assert not any(url.startswith("/" + ADMIN_PREFIX) for _m, url in requests)
    assert len(world.pairs) > len(world.case_ids), "no child rows found under the cases"
    assert len(world.own_case_ids) == 5


def test_tlv_queue_steps_log_a_denial_for_the_wrong_role(world: World) -> None:
    """NEN 7513: the triage and decision steps refuse another role with a logged denial (they
    used to answer 404 before any case read, leaving no trace)."""
    user = world.outsiders[Role.SUPPORT_COORDINATOR]
    client = verified_client(user)
    for template in ("/tlv/{case}/triage/", "/tlv/{case}/besluit/"):
        case_id = world.own_case_ids[0]
        last = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        assert client.get(template.format(case=case_id)).status_code == 404
        denial = AccessLogEntry.objects.filter(id__gt=last, actor=user, outcome=Outcome.DENIED)
        assert denial.filter(object_id=str(case_id)).exists(), template
