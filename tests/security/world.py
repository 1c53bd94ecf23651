"""A rich fixture world for the security checks (issue 11), and the route generators.

The world is the demo region (every module adds its own demo data through
``accounts.demo.register_part``, so new modules are covered as they land) plus one case per
owner kind built here with participants, consent, legal ground, entries and a hearing; and,
in a second region, one professional per ORG-02 role who takes part in none of it.

Routes come from the URLconf and operations from the OpenAPI schema, never from a list: a new
route is probed the day it is added. Parameters are filled with the ids of the world: every
case, every row that hangs off a case (found through the foreign keys, so module tables count
too) and (case, child) pairs for nested routes.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.urls import URLPattern, URLResolver, get_resolver

from passend.accounts import demo
from passend.accounts.models import (
    LEGAL_BASIS_BY_KIND,
    ROLES_BY_KIND,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    SchoolType,
    Sector,
)
from passend.cases.models import Case, CaseEntry, CaseKind, Hearing, Phase
from passend.privacy.categories import DataCategory
from passend.pupils.models import Guardian, Pupil
from tests.access.helpers import add_participant, give_consent, make_case, make_pupil, record_ground
from tests.factories import MembershipFactory, UserFactory

# Routes without personal data by construction.
NO_DATA_PREFIXES = ("static/", "i18n/", "healthz")
ADMIN_PREFIX = "beheer/"

# Own cases: (owner organisation key in the demo, demo user owning it, kind, pupil names).
OWN_CASES: list[tuple[str, str, str, str, str]] = [
    ("school_vo", "zoco-vo", CaseKind.SUPPORT, "Xanthippe", "Geheimhouder"),
    ("swv_vo", "directeur-swv", CaseKind.ARRANGEMENT, "Quirijn", "Verborgenhout"),
    ("cva", "cva-secretaris", CaseKind.TLV, "Wendelmoet", "Stilzwijger"),
    ("municipality", "leerplicht", CaseKind.ATTENDANCE, "Ysbrand", "Onzichtbaar"),
    ("wij", "wij", CaseKind.CONSULTATION, "Barendina", "Achterslot"),
]

PROCEDURE_TITLES = {"TLV-aanvraag"}  # tlv.services.start_application


def birth_date_forms(day: dt.date) -> list[str]:
    """The ways a birth date can show up in a page, a log line or an export."""
    months = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ]
    return [
        day.strftime("%d-%m-%Y"),
        day.strftime("%Y-%m-%d"),
        day.strftime("%d/%m/%Y"),
        f"{day.day}-{day.month}-{day.year}",
        f"{day.day} {months[day.month - 1]} {day.year}",
        day.strftime("%d%m%Y"),
    ]


@dataclass
class World:
    cases: list[Case]
    case_ids: list[int]
    ids: list[int]
    pairs: list[tuple[int, int]]
    # secret text -> what it is (for the failure message)
    secrets: dict[str, str]
    # per case: texts that only its participants may see
    case_secrets: dict[int, dict[str, str]]
    outsiders: dict[str, Any] = field(default_factory=dict)
    # case id -> child model label -> pks (rows that hang off the case)
    children: dict[int, dict[str, list[int]]] = field(default_factory=dict)
    own_case_ids: list[int] = field(default_factory=list)

    def sliced(
        self,
        case_ids: list[int],
        *,
        extra_ids: int = 1,
        per_model: int = 1,
        max_pairs: int | None = None,
    ) -> World:
        """The same world, probed with fewer values: the given cases, a few other ids, and per
        case ``per_model`` child of each child model (nested routes), at most ``max_pairs``."""
        others = [i for i in self.ids if i not in set(self.case_ids)][:extra_ids]
        pairs = [
            (case_id, pk)
            for case_id in case_ids
            for pks in self.children.get(case_id, {}).values()
            for pk in pks[:per_model]
        ]
        if max_pairs is not None:
            pairs = pairs[:max_pairs]
        return World(
            cases=self.cases,
            case_ids=self.case_ids,
            ids=list(case_ids) + others,
            pairs=pairs or [(c, c) for c in case_ids],
            secrets=self.secrets,
            case_secrets=self.case_secrets,
            outsiders=self.outsiders,
            children=self.children,
            own_case_ids=self.own_case_ids,
        )


def _existing_models() -> list[type[models.Model]]:
    """Installed models whose table exists (a module being built may not have migrated yet)."""
    tables = set(connection.introspection.table_names())
    return [m for m in apps.get_models() if m._meta.db_table in tables]


def _case_children() -> list[tuple[type[models.Model], str]]:
    """(model, field name) for every concrete foreign key to Case, in every installed app."""
    found = []
    for model in _existing_models():
        for f in model._meta.get_fields():
            if (
                isinstance(f, models.ForeignKey)
                and f.related_model is Case
                and model._meta.app_label != "privacy"
            ):
                found.append((model, f.name))
    return found


def _grandchildren(parent: type[models.Model]) -> list[tuple[type[models.Model], str]]:
    return [
        (model, f.name)
        for model in _existing_models()
        for f in model._meta.get_fields()
        if isinstance(f, models.ForeignKey) and f.related_model is parent
    ]


def _long_texts(row: models.Model) -> Iterator[str]:
    for f in row._meta.concrete_fields:
        if isinstance(f, models.TextField):
            value = getattr(row, f.attname) or ""
            if isinstance(value, str) and len(value.strip()) >= 25:
                yield value.strip()


def build_world() -> World:
    region = demo.load_demo()
    own: list[int] = []
    for org_key, username, kind, first, last in OWN_CASES:
        owner = region.org(org_key)
        membership = Membership.objects.get(user=region.users[username], organisation=owner)
        school = region.org("school_vo")
        pupil = make_pupil(school, first_name=first, last_name=last, birth_date=dt.date(2011, 3, 4))
        case = make_case(membership, pupil=pupil, kind=kind, phase=Phase.ASSESSMENT)
        case.title = f"Traject {last}"
        case.save(update_fields=["title"])
        helper = Membership.objects.get(user=region.users["jeugdarts"])
        if kind not in (CaseKind.ATTENDANCE, CaseKind.HOME_STAY):
            add_participant(case, helper, Phase.ASSESSMENT)
            give_consent(case, [helper.organisation], [DataCategory.HEALTH], region.users[username])
        else:
            add_participant(
                case, Membership.objects.get(user=region.users["zoco-vo"]), Phase.INTAKE
            )
        record_ground(
            case, owner, "extra_support", [DataCategory.BEHAVIOUR], region.users[username]
        )
        CaseEntry.objects.create(
            case=case,
            category=DataCategory.HEALTH,
            supplied_by=owner,
            phase=Phase.ASSESSMENT,
            title=f"Diagnose {last}",
            body=f"{first} heeft een vertrouwelijke diagnose: ernstige dyscalculie met angst.",
            recorded_by=region.users[username],
        )
        Hearing.objects.create(
            case=case,
            heard_on=dt.date(2026, 2, 1),
            heard_by="IB",
            child_view=f"{first} wil op deze school blijven, met een eigen werkplek.",
            recorded_by=region.users[username],
        )
        own.append(case.pk)
    world = _collect(make_outsiders())
    world.own_case_ids = own
    return world


def _collect(outsiders: dict[str, Any]) -> World:
    cases = list(Case.objects.order_by("pk"))
    case_ids = [c.pk for c in cases]
    ids: set[int] = set(case_ids)
    pairs: set[tuple[int, int]] = {(c, c) for c in case_ids}
    case_secrets: dict[int, dict[str, str]] = {c.pk: {} for c in cases}
    children: dict[int, dict[str, list[int]]] = {c.pk: {} for c in cases}
    for case in cases:
        case_secrets[case.pk][case.pseudonym] = f"pseudonym of case {case.pk}"
        # A title the procedure gives every case of a kind ("TLV-aanvraag") says nothing about
        # the case and stands in the menus anyway; only a title someone wrote is a secret.
        if case.title and len(case.title) >= 12 and case.title not in PROCEDURE_TITLES:
            case_secrets[case.pk][case.title] = f"title of case {case.pk}"
    for model, fk in _case_children():
        rows = list(model._default_manager.filter(**{f"{fk}__in": case_ids}))
        for row in rows:
            case_id = getattr(row, f"{fk}_id")
            ids.add(row.pk)
            pairs.add((case_id, row.pk))
            children[case_id].setdefault(model._meta.label, []).append(row.pk)
            for text in _long_texts(row):
                case_secrets[case_id][text] = f"{model._meta.label} {row.pk} text"
            for sub_model, sub_fk in _grandchildren(model):
                for sub in sub_model._default_manager.filter(**{sub_fk: row}).only("pk"):
                    ids.add(sub.pk)
                    pairs.add((case_id, sub.pk))
                    pairs.add((row.pk, sub.pk))
                    children[case_id].setdefault(sub_model._meta.label, []).append(sub.pk)
    secrets: dict[str, str] = {}
    for pupil in Pupil.objects.all():
        ids.add(pupil.pk)
        full = f"{pupil.first_name} {pupil.last_name}"
        secrets[full] = f"name of pupil {pupil.pk}"
        secrets[pupil.last_name] = f"surname of pupil {pupil.pk}"
        for form in birth_date_forms(pupil.birth_date):
            secrets[form] = f"birth date of pupil {pupil.pk}"
    for guardian in Guardian.objects.all():
        ids.add(guardian.pk)
        secrets[f"{guardian.first_name} {guardian.last_name}"] = f"guardian {guardian.pk}"
    legal_bases = {str(v) for v in LEGAL_BASIS_BY_KIND.values()}
    for per_case in case_secrets.values():
        for text in legal_bases:
            per_case.pop(text, None)
    for per_case in case_secrets.values():
        secrets.update(per_case)
    return World(
        cases=cases,
        case_ids=case_ids,
        ids=sorted(ids),
        pairs=sorted(pairs),
        secrets=secrets,
        case_secrets=case_secrets,
        outsiders=outsiders,
        children=children,
    )


def make_outsiders() -> dict[str, Any]:
    """A second region with one professional per ORG-02 role, involved in nothing."""
    swv = Organisation.objects.create(
        name="SWV Elders", kind=OrganisationKind.SWV, sector=Sector.VO
    )
    board = Organisation.objects.create(name="Bestuur Elders", kind=OrganisationKind.SCHOOL_BOARD)
    school = Organisation.objects.create(
        name="School Elders",
        kind=OrganisationKind.SCHOOL,
        sector=Sector.VO,
        school_type=SchoolType.REGULAR,
        board=board,
        swv=swv,
        brin="77EE",
        vestiging="00",
    )
    by_kind = {OrganisationKind.SWV: swv, OrganisationKind.SCHOOL_BOARD: board}
    by_kind[OrganisationKind.SCHOOL] = school
    outsiders: dict[str, Any] = {}
    for role in Role.values:
        kind = next(k for k, roles in ROLES_BY_KIND.items() if role in roles)
        org = by_kind.get(kind)
        if org is None:
            org = Organisation.objects.create(name=f"Elders {kind}", kind=kind)
            by_kind[kind] = org
            if kind == OrganisationKind.ADVISORY_COMMITTEE:
                org.served_swvs.add(swv)
        user = UserFactory(username=f"buiten-{role}", first_name="Buiten", last_name="Staander")
        MembershipFactory(user=user, organisation=org, role=role)
        outsiders[role] = user
    return outsiders


# --- Routes ------------------------------------------------------------------------------------


def walk(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every URL pattern of the project, joined, with its URLPattern."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        part = str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            yield from walk(entry, prefix + part)
        elif isinstance(entry, URLPattern):
            yield prefix + part, entry


_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>([^)]*)\)")


def params_of(pattern: str) -> list[tuple[str, str]]:
    """(name, converter) of each parameter; regex groups of digits count as int."""
    out = []
    for conv, name, rname, regex in _PARAM.findall(pattern):
        if rname:
            out.append(
                (rname, "int" if "0-9" in regex or "\\d" in regex or "^/." in regex else "str")
            )
        else:
            out.append((name, conv or "str"))
    return out


def fill(pattern: str, values: list[str]) -> str:
    it = iter(values)
    url = _PARAM.sub(lambda _m: next(it), pattern)
    return "/" + url.replace("\\", "")


def candidate_values(params: list[tuple[str, str]], world: World) -> Iterator[list[str]]:
    """Values for the parameters: each id alone, or (case, child) pairs for nested routes."""
    int_positions = [i for i, (_n, conv) in enumerate(params) if conv == "int"]

    def other(conv: str) -> str:
        return "00000000-0000-0000-0000-000000000000" if conv == "uuid" else "x"

    if not int_positions:
        yield [other(conv) for _n, conv in params]
        return
    if len(int_positions) == 1:
        for value in world.ids:
            yield [str(value) if conv == "int" else other(conv) for _n, conv in params]
        return
    for first, second in world.pairs:
        values = []
        seen_int = 0
        for _n, conv in params:
            if conv == "int":
                values.append(str(first if seen_int == 0 else second))
                seen_int += 1
            else:
                values.append(other(conv))
        yield values


def web_routes(include_admin: bool) -> Iterator[tuple[str, Any]]:
    for pattern, entry in walk():
        if pattern.startswith(NO_DATA_PREFIXES):
            continue
        if "(?P<format>" in pattern or "\\.(?P" in pattern:
            continue
        if pattern.startswith(ADMIN_PREFIX) and not include_admin:
            continue
        if pattern.endswith("logout/"):
            continue  # would end the prober's own session; tested in tests/accounts
        yield pattern, entry


def case_param(url: str) -> int | None:
    """The case id a concrete URL addresses: kwarg ``case_id`` anywhere, or ``pk`` of a cases view.

    The convention every module follows (documents, tlv, …): a route under a case names its
    case parameter ``case_id``. Resolved, so web routes and API operations are treated alike.
    """
    from django.urls import Resolver404, resolve

    try:
        match = resolve(url)
    except Resolver404:
        return None
    value = match.kwargs.get("case_id")
    if value is None:
        module = getattr(match.func, "__module__", "") or ""
        view_class = getattr(match.func, "cls", None)
        queryset = getattr(view_class, "queryset", None)
        if module.startswith("passend.cases.") or (
            queryset is not None and getattr(queryset, "model", None) is Case
        ):
            value = match.kwargs.get("pk")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


@functools.cache
def schema_operations() -> list[tuple[str, str]]:
    """(method, path template) of every operation of the OpenAPI schema."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    ops = []
    for path, item in schema["paths"].items():
        for method in item:
            if method in {"get", "post", "put", "patch", "delete"}:
                ops.append((method, path))
    return ops


def schema_path_to_pattern(path: str) -> str:
    """'/api/v1/cases/{id}/' -> 'api/v1/cases/<int:id>/' so the same filler applies."""
    return re.sub(r"\{(\w+)\}", r"<int:\1>", path.lstrip("/"))
