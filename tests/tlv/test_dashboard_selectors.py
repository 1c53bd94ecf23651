"""The start page's TLV applications (``dashboard_applications``): only those of the acting
user's work, whatever ids the caller passes (issue 10 moved the check out of the filter)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from passend.accounts.models import Membership, OrganisationKind, Role
from passend.tlv import selectors
from tests.conftest import make_professional
from tests.factories import OrganisationFactory
from tests.tlv.conftest import World, prepared, submitted

pytestmark = pytest.mark.django_db


def _request(user: Any) -> Any:
    request = RequestFactory().get("/")
    request.user = user
    request.membership = Membership.objects.get(user=user)
    request.trace_id = "t"
    return request


def test_con04_dashboard_applications_only_of_the_users_work(world: World) -> None:
    draft = prepared(world)
    queued = submitted(world)
    ids = [draft.pk, queued.pk]
    # The requesting coordinator takes part in both cases; never in a queue.
    mine = selectors.dashboard_applications(_request(world.coordinator), ids)
    assert set(mine) == {draft.pk, queued.pk}
    assert all(app.is_involved and not app.in_queue for app in mine.values())
    # A coordinator of a school outside these cases: neither involved nor a queue of theirs.
    elsewhere = OrganisationFactory(name="School Elders", kind=OrganisationKind.SCHOOL)
    stranger = make_professional(elsewhere, Role.SUPPORT_COORDINATOR, username="ib-elders")
    assert selectors.dashboard_applications(_request(stranger), ids) == {}
    # The CvA secretary: the submitted application is in the CvA's queue (CON-04, by
    # pseudonym), the draft is not the CvA's at all.
    cva = selectors.dashboard_applications(_request(world.secretary), ids)
    assert set(cva) == {queued.pk}
    assert cva[queued.pk].in_queue
