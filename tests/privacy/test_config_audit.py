"""Configuration changes in the admin are audited (DESIGN.md conventions; CO-02)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from passend.accounts.models import Role
from passend.cases.models import PhaseDataPolicy
from passend.privacy.models import AccessLogEntry
from tests.conftest import make_professional, verified_client

pytestmark = pytest.mark.django_db


def test_co_02_phase_data_policy_change_is_audited(region: dict[str, Any]) -> None:
    admin_user = make_professional(region["swv"], Role.FUNCTIONAL_ADMIN, username="fb")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    policy = PhaseDataPolicy.objects.get(phase="aftercare")
    url = reverse("admin:cases_phasedatapolicy_change", args=[policy.pk])
    response = verified_client(admin_user).post(url, {"categories": ["ordinary", "absence"]})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert sorted(policy.categories) == ["absence", "ordinary"]
    entry = AccessLogEntry.objects.get(action="config_change", object_id=str(policy.pk))
    assert entry.actor == admin_user and entry.reason == "categories"


def test_org_02_functional_admin_membership_grants_and_ends_beheer(region: dict[str, Any]) -> None:
    from passend.accounts.models import Membership

    admin_user = make_professional(region["swv"], Role.FUNCTIONAL_ADMIN, username="fb2")
    admin_user.refresh_from_db()
    assert admin_user.is_staff
    assert admin_user.has_perm("cases.change_phasedatapolicy")
    assert not admin_user.has_perm("cases.view_case")  # case data stays out of the admin
    client = verified_client(admin_user)
    assert client.get(reverse("admin:cases_phasedatapolicy_changelist")).status_code == 200

    membership = Membership.objects.get(user=admin_user)
    membership.is_active = False
    membership.save()
    admin_user.refresh_from_db()
    assert not admin_user.is_staff
