"""Shared fixtures: organisations, professionals with a verified second factor, clients."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

# No log line, e-mail, task argument or URL in the whole suite may carry a pupil's name, birth
# date, BSN or case text (CO-04, AGE-02, issue 11 check 6); tests/leak_guard.py.
pytest_plugins = ["tests.leak_guard"]

PASSWORD = "Correct-Horse-Battery-9"


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _dutch() -> Iterator[None]:
    """Every test starts in Dutch, the default: a request of an earlier test in the same worker
    that switched to English leaves that language active on the thread."""
    from django.utils import translation

    with translation.override("nl"):
        yield


@pytest.fixture(autouse=True)
def _no_background_sealer(settings: Any) -> None:
    """Tests seal the access log explicitly (``seal_access_log``): a sealer thread writing to
    the test database behind a test's back would make live-server tests flaky.
    tests/privacy/test_access_log.py tests the thread itself."""
    settings.PASSEND_ACCESS_LOG_SEAL_SECONDS = None


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # PBKDF2 is deliberately slow; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def region(db: Any) -> dict[str, Any]:
    """A small region: SWV VO with a board, two schools, a CvA and a municipality."""
    from passend.accounts.models import OrganisationKind, SchoolType, Sector

    swv = OrganisationFactory(name="SWV VO Test", kind=OrganisationKind.SWV, sector=Sector.VO)
    board = OrganisationFactory(name="Bestuur Test", kind=OrganisationKind.SCHOOL_BOARD)
    school_a = OrganisationFactory(
        name="School A",
        kind=OrganisationKind.SCHOOL,
        sector=Sector.VO,
        school_type=SchoolType.REGULAR,
        board=board,
        swv=swv,
        brin="11AA",
        vestiging="00",
    )
    school_b = OrganisationFactory(
        name="School B",
        kind=OrganisationKind.SCHOOL,
        sector=Sector.VO,
        school_type=SchoolType.REGULAR,
        board=board,
        swv=swv,
        brin="22BB",
        vestiging="00",
    )
    cva = OrganisationFactory(name="CvA Test", kind=OrganisationKind.ADVISORY_COMMITTEE)
    cva.served_swvs.add(swv)
    municipality = OrganisationFactory(name="Gemeente Test", kind=OrganisationKind.MUNICIPALITY)
    return {
        "swv": swv,
        "board": board,
        "school_a": school_a,
        "school_b": school_b,
        "cva": cva,
        "municipality": municipality,
    }


def make_professional(organisation: Any, role: str, **user_kwargs: Any) -> Any:
    user = UserFactory(**user_kwargs)
    MembershipFactory(user=user, organisation=organisation, role=role)
    return user


def verified_client(user: Any) -> Client:
    """A client signed in with password and a confirmed TOTP device (PRV-08)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def coordinator_a(region: dict[str, Any]) -> Any:
    from passend.accounts.models import Role

    return make_professional(region["school_a"], Role.SUPPORT_COORDINATOR, username="ib-a")


@pytest.fixture
def coordinator_b(region: dict[str, Any]) -> Any:
    from passend.accounts.models import Role

    return make_professional(region["school_b"], Role.SUPPORT_COORDINATOR, username="ib-b")


@pytest.fixture
def orm_compilations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The models of the SELECTs Django's ORM compiles from here on, in order (a queryset, a
    subquery or an aggregate): a page that reads by ``passend.prepared`` queries and
    ``passend.statements`` compiles none per request (issue 10). Clear it between requests."""
    from django.db.models.sql.compiler import SQLCompiler

    compiled: list[str] = []
    as_sql = SQLCompiler.as_sql

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        compiled.append(self.query.model._meta.label if self.query.model else "")
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return compiled


@pytest.fixture
def count_builds(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``count_builds({name: prepared query})``: the queries start without plans and count how
    often their builders run, in the dict returned (``passend.prepared``, issue 10)."""

    def count(prepared: dict[str, Any]) -> dict[str, int]:
        built = dict.fromkeys(prepared, 0)
        for name, query in prepared.items():
            monkeypatch.setattr(query, "_plans", {})

            def counted(*args: Any, _build: Any = query.build, _name: str = name, **kw: Any) -> Any:
                built[_name] += 1
                return _build(*args, **kw)

            monkeypatch.setattr(query, "build", counted)
        return built

    return count
