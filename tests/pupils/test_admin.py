"""AGE-03: the functional administrator edits the ages in the admin; each change is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from passend.accounts.models import Role
from passend.privacy.models import AccessLogEntry
from passend.pupils.models import AgePolicy
from tests.conftest import make_professional, verified_client

pytestmark = pytest.mark.django_db


def test_age_03_admin_change_goes_through_the_audited_service(region: dict) -> None:
    admin_user = make_professional(
        region["swv"], Role.FUNCTIONAL_ADMIN, is_staff=True, is_superuser=True
    )
    client = verified_client(admin_user)
    url = reverse("admin:pupils_agepolicy_change", args=[1])
    response = client.post(
        url,
        {
            "joint_from_age": "12",
            "child_alone_from_age": "15",
            "parents_information_until_age": "18",
            "consent_requires_all_guardians": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AgePolicy.current().child_alone_from_age == 15
    entry = AccessLogEntry.objects.get(activity="age_policy_administration")
    assert entry.actor_id == admin_user.pk
    assert entry.reason == "child_alone_from_age:16->15"


def test_age_03_admin_refuses_inconsistent_ages_and_cannot_delete(region: dict) -> None:
    admin_user = make_professional(
        region["swv"], Role.FUNCTIONAL_ADMIN, is_staff=True, is_superuser=True
    )
    client = verified_client(admin_user)
    url = reverse("admin:pupils_agepolicy_change", args=[1])
    response = client.post(
        url,
        {
            "joint_from_age": "16",
            "child_alone_from_age": "12",
            "parents_information_until_age": "18",
        },
    )
    assert response.status_code == 200
    assert "AGE-03" in response.content.decode()
    assert AgePolicy.current().child_alone_from_age == 16
    assert not AccessLogEntry.objects.filter(activity="age_policy_administration").exists()
    delete = client.post(reverse("admin:pupils_agepolicy_delete", args=[1]), {"post": "yes"})
    assert delete.status_code == 403
    assert AgePolicy.objects.exists()
