"""The demo region loader: idempotent, one login per role (ORG-02), working 2FA (PRV-08)."""

from __future__ import annotations

import base64
import re
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from passend.accounts import demo
from passend.accounts.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    SchoolType,
    User,
)
from passend.privacy.models import AccessLogEntry

pytestmark = pytest.mark.django_db


def _load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _table_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def _snapshot() -> dict[str, Any]:
    """Every column of every row the loader writes: secrets, codes, password hashes included."""
    models = [User, Organisation, Organisation.served_swvs.through, Membership]
    models += [TOTPDevice, StaticDevice, StaticToken]
    return {
        m._meta.label: sorted(map(repr, m._default_manager.order_by("pk").values())) for m in models
    }


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo_output() -> str:
    return _load()


def _login(username: str, password: str, code: str) -> Client:
    """Through the real views: password first, then the second factor."""
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].startswith("/accounts/2fa/verify/")
    response = client.post("/accounts/2fa/verify/", {"token": code})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def test_second_run_changes_nothing(demo_output: str) -> None:
    """Idempotent: same rows in every table, same secrets, codes and printed logins."""
    counts, snapshot = _table_counts(), _snapshot()
    log_size = AccessLogEntry.objects.count()
    second_output = _load()
    assert _table_counts() == counts
    assert _snapshot() == snapshot
    assert AccessLogEntry.objects.count() == log_size
    assert second_output.split("Demoregio geladen")[0] == demo_output.split("Demoregio geladen")[0]
    assert "0 wijzigingen" in second_output


def test_first_run_logs_each_demo_account(demo_output: str) -> None:
    logged = set(
        AccessLogEntry.objects.filter(action="demo_account_loaded").values_list(
            "object_id", flat=True
        )
    )
    demo_users = set(User.objects.values_list("pk", flat=True))
    assert logged == {str(pk) for pk in demo_users}


def test_every_org02_role_has_a_demo_user_with_a_fitting_organisation(demo_output: str) -> None:
    memberships = Membership.objects.select_related("organisation")
    assert {m.role for m in memberships} == set(Role.values)
    for membership in memberships:
        membership.full_clean()  # the role fits the organisation kind (ORG-02)
        assert membership.is_current()
    single = {
        m.role for m in memberships if Membership.objects.filter(user_id=m.user_id).count() == 1
    }
    assert single == set(Role.values), "each role can be tried with a one-membership login"


def test_one_user_has_two_memberships_and_gets_the_chooser(demo_output: str) -> None:
    user = User.objects.get(username="dubbelrol")
    assert user.memberships.count() == 2
    client = _login("dubbelrol", demo.DEMO_PASSWORD, demo.demo_backup_codes("dubbelrol")[0])
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/membership/")


def test_region_is_fictitious_and_complete(demo_output: str) -> None:
    orgs = Organisation.objects.all()
    assert all("(demo)" in o.name for o in orgs)
    for org in orgs:
        org.full_clean()
    swvs = orgs.filter(kind=OrganisationKind.SWV)
    assert sorted(swvs.values_list("sector", flat=True)) == ["po", "vo"]
    cva = orgs.get(kind=OrganisationKind.ADVISORY_COMMITTEE)
    assert set(cva.served_swvs.all()) == set(swvs)
    board = orgs.get(kind=OrganisationKind.SCHOOL_BOARD)
    schools = orgs.filter(kind=OrganisationKind.SCHOOL)
    assert schools.count() == 4
    assert all(s.board == board and s.swv is not None for s in schools)
    assert all(s.swv.sector == s.sector for s in schools)  # type: ignore[union-attr]
    assert schools.filter(school_type=SchoolType.VSO).count() == 1
    assert all(re.fullmatch(r"99X[A-D]", s.brin) for s in schools)
    for kind in (
        OrganisationKind.MUNICIPALITY,
        OrganisationKind.GGD,
        OrganisationKind.NEIGHBOURHOOD_TEAM,
        OrganisationKind.YOUTH_CARE_PROVIDER,
    ):
        assert orgs.filter(kind=kind).count() == 1
    assert all(u.email.endswith("@example.invalid") for u in User.objects.all())


def test_beheer_is_superuser_with_functional_admin_membership(demo_output: str) -> None:
    beheer = User.objects.get(username="beheer")
    assert beheer.is_superuser and beheer.is_staff
    assert beheer.memberships.filter(role=Role.FUNCTIONAL_ADMIN).exists()
    assert not User.objects.exclude(username="beheer").filter(is_superuser=True).exists()


def test_demo_password_passes_the_validators(demo_output: str) -> None:
    for user in User.objects.all():
        validate_password(demo.DEMO_PASSWORD, user)
        assert user.check_password(demo.DEMO_PASSWORD)


def test_output_lists_usernames_password_secrets_and_codes(demo_output: str) -> None:
    assert demo.DEMO_PASSWORD in demo_output
    for user in User.objects.all():
        assert user.username in demo_output
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        assert demo.base32_secret(device.key) in demo_output
        codes = StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
        assert len(codes) == 10
        assert all(code in demo_output for code in codes)


@pytest.mark.parametrize("username", ["ib-po", "leerplicht", "beheer"])
def test_demo_user_logs_in_with_password_and_printed_backup_code(
    demo_output: str, username: str
) -> None:
    block = demo_output.split(f"\n{username} — ")[1].split("\n\n")[0]
    code = re.search(r"Reservecodes: (\w+)", block).group(1)  # type: ignore[union-attr]
    client = _login(username, demo.DEMO_PASSWORD, code)
    assert client.get("/").status_code == 200
    # A backup code works once.
    assert not StaticToken.objects.filter(device__user__username=username, token=code).exists()


def test_printed_totp_secret_works_in_an_authenticator_app(demo_output: str) -> None:
    block = demo_output.split("\njeugdarts — ")[1].split("\n\n")[0]
    secret = re.search(r"TOTP-sleutel \(base32\): ([A-Z2-7 ]+)", block).group(1)  # type: ignore[union-attr]
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    code = f"{TOTP(key).token():06d}"
    client = _login("jeugdarts", demo.DEMO_PASSWORD, code)
    assert client.get("/").status_code == 200


def test_rerun_restores_used_backup_codes_and_changed_password(demo_output: str) -> None:
    code = demo.demo_backup_codes("ib-po")[0]
    _login("ib-po", demo.DEMO_PASSWORD, code)
    user = User.objects.get(username="ib-po")
    user.set_password("Een-ander-wachtwoord-42")
    user.save()
    output = _load()
    assert "1 wijzigingen" in output
    assert StaticToken.objects.filter(device__user=user, token=code).exists()
    user.refresh_from_db()
    assert user.check_password(demo.DEMO_PASSWORD)


def test_refuses_a_production_key_unless_allowed(settings: Any, monkeypatch: Any) -> None:
    settings.SECRET_KEY = "a-real-production-secret-key-0123456789-abcdefghijklmnop"
    monkeypatch.delenv("PASSEND_ALLOW_DEMO", raising=False)
    with pytest.raises(CommandError, match="PASSEND_ALLOW_DEMO"):
        _load()
    assert not User.objects.exists()
    monkeypatch.setenv("PASSEND_ALLOW_DEMO", "1")
    _load()
    assert User.objects.filter(username="beheer").exists()


def test_load_is_all_or_nothing(monkeypatch: Any) -> None:
    def broken(region: demo.DemoRegion) -> None:
        raise RuntimeError("part failed")

    monkeypatch.setattr(demo, "PARTS", [*demo.PARTS, broken])
    with pytest.raises(RuntimeError):
        demo.load_demo()
    assert not Organisation.objects.exists()
    assert not User.objects.exists()
