"""The four reads of every signed-in request (session, user, second factor, acting membership)
come from statements written once (issue 10, session 13), the last three as one statement
(session 39). They must read exactly what the
ORM's reads did: an expired session is no session, an inactive account is signed out, only a
confirmed device of the user's own verifies them (PRV-08), and only an active membership of
the user's own lets them act (ORG-02).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import AsyncClient, Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from passend.accounts import selectors
from passend.accounts.backends import PasswordBackend
from passend.accounts.models import Membership, Role
from passend.accounts.sessions import SessionStore
from tests.conftest import make_professional, verified_client
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def values(instance: Any) -> dict[str, Any]:
    return {
        f.attname: (type(getattr(instance, f.attname)), getattr(instance, f.attname))
        for f in instance._meta.concrete_fields
    }


def test_org02_current_membership_reads_what_active_reads(region: dict[str, Any]) -> None:
    """Every combination that ``Membership.objects.active()`` tells apart: the flag, the
    period's start and end (today on either side), the organisation's own flag, another
    user's membership, a malformed id."""
    today = timezone.localdate()
    user = make_professional(region["school_a"], Role.SUPPORT_COORDINATOR, username="ib-grid")
    other = make_professional(region["school_b"], Role.SUPPORT_COORDINATOR, username="ib-other")
    days = (None, today - dt.timedelta(days=1), today, today + dt.timedelta(days=1))
    memberships = [Membership.objects.get(user=user), Membership.objects.get(user=other)]
    for is_active in (True, False):
        for valid_from in days[1:]:
            for valid_until in days:
                for organisation_active in (True, False):
                    memberships.append(
                        MembershipFactory(
                            user=user,
                            organisation=OrganisationFactory(
                                kind="school", is_active=organisation_active
                            ),
                            role=Role.BEHAVIOUR_EXPERT,
                            is_active=is_active,
                            valid_from=valid_from,
                            valid_until=valid_until,
                        )
                    )
    found = 0
    for membership in memberships:
        expected = (
            Membership.objects.active()
            .filter(user=user, pk=membership.pk)
            .select_related("organisation")
            .first()
        )
        mine = selectors.current_membership(user, membership.pk)
        assert (mine is None) == (expected is None), membership.pk
        # Read with the user in one statement (session 39): the same membership, or none.
        with selectors.reading_identity(None, membership.pk) as read:
            assert selectors.read_identity(read, user.pk).pk == user.pk
        assert (read.membership is None) == (expected is None), membership.pk
        assert selectors.current_membership(user, membership.pk, read) is read.membership
        if expected is not None:
            assert read.membership is not None
            assert values(read.membership) == values(expected)
            with CaptureQueriesContext(connection) as captured:
                assert values(read.membership.organisation) == values(expected.organisation)
            assert len(captured) == 0
        if expected is not None:
            found += 1
            assert values(mine) == values(expected)
            with CaptureQueriesContext(connection) as captured:
                assert values(mine.organisation) == values(expected.organisation)  # type: ignore[union-attr]
            assert len(captured) == 0
        # As a string, as a session may hold it.
        assert (selectors.current_membership(user, str(membership.pk)) is None) == (
            expected is None
        )
    assert 0 < found < len(memberships) - 1
    assert selectors.current_membership(user, "niet-een-nummer") is None
    assert selectors.current_membership(user, None) is None


def test_password_backend_reads_the_user_and_signs_out_an_inactive_one(
    region: dict[str, Any],
) -> None:
    user = make_professional(region["school_a"], Role.SUPPORT_COORDINATOR, username="ib-be")
    backend = PasswordBackend()
    loaded = backend.get_user(user.pk)
    assert values(loaded) == values(type(user).objects.get(pk=user.pk))
    assert values(backend.get_user(str(user.pk))) == values(loaded)
    assert backend.get_user(user.pk + 1000) is None
    assert backend.get_user("x") is None
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None


def test_session_store_reads_a_current_session_and_not_an_expired_one() -> None:
    store = SessionStore()
    store["passend_probe"] = [1, "twee"]
    store.create()
    key = store.session_key
    assert (
        SessionStore(key).load() == DjangoSessionStore(key).load() == {"passend_probe": [1, "twee"]}
    )
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = SessionStore(key)
    assert expired.load() == {} == DjangoSessionStore(key).load()
    assert expired.session_key is None  # a new session starts, never the expired one's key
    assert SessionStore("onbekend0000000000000000000000000").load() == {}


def test_prv08_only_a_confirmed_device_of_ones_own_verifies(
    region: dict[str, Any], coordinator_a: Any, coordinator_b: Any
) -> None:
    client = verified_client(coordinator_a)
    assert client.get("/trajecten/").status_code == 200
    own = TOTPDevice.objects.get(user=coordinator_a)
    # Another user's confirmed device in this session: not verified.
    theirs = TOTPDevice.objects.create(user=coordinator_b, name="b", confirmed=True)
    session = client.session
    session["otp_device_id"] = theirs.persistent_id
    session.save()
    response = client.get("/trajecten/")
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]
    # Its own device, but not (or no longer) confirmed: not verified either.
    TOTPDevice.objects.filter(pk=own.pk).update(confirmed=False)
    session = client.session
    session["otp_device_id"] = own.persistent_id
    session.save()
    response = client.get("/trajecten/")
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]
    # A device that no longer exists, or a malformed id: not verified, no error.
    for persistent_id in (f"otp_totp.totpdevice/{own.pk + 1000}", "otp_totp.totpdevice/x"):
        session = client.session
        session["otp_device_id"] = persistent_id
        session.save()
        response = client.get("/trajecten/")
        assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]


def test_prv08_the_request_user_is_the_verified_user_itself(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    """``SecondFactorMiddleware`` sets ``request.user`` to the session's user, not to a lazy
    object (issue 10, session 34), with django-otp's fields exactly as before: the session's
    device when verified, none with a password alone or signed out."""
    response = verified_client(coordinator_a).get("/trajecten/")
    assert response.status_code == 200
    user = response.wsgi_request.user  # type: ignore[attr-defined]
    assert type(user) is type(coordinator_a) and user.pk == coordinator_a.pk
    assert user.otp_device == TOTPDevice.objects.get(user=coordinator_a)
    assert user.is_verified()
    # A password alone: the same user, not verified; the gate sends them to the second factor.
    client = Client()
    client.force_login(coordinator_a)
    response = client.get("/trajecten/")
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]
    user = response.wsgi_request.user  # type: ignore[attr-defined]
    assert type(user) is type(coordinator_a) and user.otp_device is None
    assert not user.is_verified()
    # Signed out: Django's anonymous user itself, not verified.
    response = Client().get("/healthz")
    user = response.wsgi_request.user  # type: ignore[attr-defined]
    assert type(user) is AnonymousUser and user.otp_device is None
    assert not user.is_verified()


def test_prv08_the_request_user_and_the_gates_under_asgi(coordinator_a: Any) -> None:
    """Under ASGI Django runs the sync-only ``SecondFactorMiddleware`` in a thread: the page
    sees the verified user itself, and a password alone still meets the gate (PRV-08)."""
    verified = AsyncClient()
    verified.cookies = verified_client(coordinator_a).cookies
    response = async_to_sync(verified.get)("/trajecten/")
    assert response.status_code == 200
    user = response.asgi_request.user  # type: ignore[attr-defined]
    assert type(user) is type(coordinator_a) and user.is_verified()
    password_only = Client()
    password_only.force_login(coordinator_a)
    client = AsyncClient()
    client.cookies = password_only.cookies
    response = async_to_sync(client.get)("/trajecten/")
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]


def test_prv08_backup_codes_still_verify_through_django_otp(coordinator_a: Any) -> None:
    client = verified_client(coordinator_a)
    static = StaticDevice.objects.create(user=coordinator_a, name="backup", confirmed=True)
    session = client.session
    session["otp_device_id"] = static.persistent_id
    session.save()
    assert client.get("/trajecten/").status_code == 200


def test_an_api_token_is_read_with_its_membership_organisation_and_user(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    from passend.accounts.api_auth import _token_by_hash
    from passend.accounts.models import ApiToken, hash_token
    from passend.accounts.services import issue_api_token
    from passend.privacy.context import AccessContext

    membership = Membership.objects.get(user=coordinator_a)
    token, raw = issue_api_token(AccessContext.system("test"), membership, name="test")
    (mine,) = _token_by_hash().instances([hash_token(raw)])
    orm = ApiToken.objects.select_related("membership__organisation", "membership__user").get(
        pk=token.pk
    )
    with CaptureQueriesContext(connection) as captured:
        assert values(mine) == values(orm)
        assert values(mine.membership) == values(orm.membership)
        assert values(mine.membership.organisation) == values(orm.membership.organisation)
        assert values(mine.membership.user) == values(orm.membership.user)
    assert len(captured) == 0
    assert _token_by_hash().instances([hash_token(raw + "x")]) == []


def test_a_signed_in_request_reads_its_user_device_and_membership_in_one_statement(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    """The session, then the user with the session's authenticator app and acting membership:
    two statements before the view (there were four), and the request's user, device and
    membership as before (PRV-08, ORG-02)."""
    client = verified_client(coordinator_a)
    client.get("/healthz")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/healthz")
    session, identity, view = (query["sql"] for query in captured.captured_queries)
    assert "django_session" in session
    for table in ("accounts_user", "otp_totp_totpdevice", "accounts_membership"):
        assert table in identity
    assert view == "SELECT 1"
    request = response.wsgi_request  # type: ignore[attr-defined]
    assert request.user.pk == coordinator_a.pk and request.user.is_verified()
    assert request.user.otp_device == TOTPDevice.objects.get(user=coordinator_a)
    membership = Membership.objects.select_related("organisation").get(user=coordinator_a)
    assert values(request.membership) == values(membership)
    with CaptureQueriesContext(connection) as captured:
        assert values(request.membership.organisation) == values(membership.organisation)
    assert len(captured) == 0


def test_prv08_the_device_read_with_the_user_is_the_one_django_otp_would_read(
    coordinator_a: Any, coordinator_b: Any
) -> None:
    """Any TOTP device by its id, whoever's and confirmed or not: django-otp then checks both,
    as for a device it reads itself (``test_prv08_only_a_confirmed_device_of_ones_own_verifies``
    walks the pages)."""
    own = TOTPDevice.objects.create(user=coordinator_a, name="a", confirmed=True)
    theirs = TOTPDevice.objects.create(user=coordinator_b, name="b", confirmed=True)
    unconfirmed = TOTPDevice.objects.create(user=coordinator_a, name="new", confirmed=False)
    for key in (own.pk, theirs.pk, unconfirmed.pk, theirs.pk + 1000, None):
        with selectors.reading_identity(key, None) as read:
            selectors.read_identity(read, coordinator_a.pk)
        expected = TOTPDevice.objects.filter(pk=key).first() if key else None
        assert (read.device is None) == (expected is None), key
        if expected is not None:
            assert values(read.device) == values(expected)
    # No such user: nothing, and nothing to take from the read.
    with selectors.reading_identity(own.pk, None) as read:
        assert selectors.read_identity(read, coordinator_a.pk + 1000) is None
    assert read.user_id is None and read.device is None
    # A number beyond a key's range is no id at all (it would be a database error).
    assert selectors.id_key(2**63) is None and selectors.id_key("12") == 12


def test_org02_a_membership_read_with_another_user_is_not_taken(
    coordinator_a: Any, coordinator_b: Any
) -> None:
    mine = Membership.objects.get(user=coordinator_a)
    with selectors.reading_identity(None, mine.pk) as read:
        selectors.read_identity(read, coordinator_a.pk)
    assert read.membership is not None
    # Another user naming the same membership: read afresh, and not theirs.
    assert selectors.current_membership(coordinator_b, mine.pk, read) is None
    assert selectors.current_membership(coordinator_a, mine.pk, read) is read.membership
