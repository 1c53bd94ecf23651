"""The demo region has a complete TLV application waiting for the CvA's triage (issue 5)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from passend.accounts.models import User
from passend.tlv.models import Letter, TlvApplication
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def test_tlv01_demo_application_is_submitted_once_and_waits_for_triage() -> None:
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    application = TlvApplication.objects.select_related("case").get()
    assert application.status == TlvApplication.Status.SUBMITTED
    assert application.committee is not None and application.committee.name.startswith(
        "Commissie van Advies"
    )
    assert Letter.objects.filter(application=application, kind=Letter.Kind.RECEIPT).exists()
    secretary = verified_client(User.objects.get(username="cva-secretaris"))
    overview = secretary.get("/tlv/").content.decode()
    # The CvA reaches the file through its queue; it becomes a participant at triage (TLV-05).
    assert f"/tlv/{application.case_id}/triage/" in overview
    assert secretary.get(f"/tlv/{application.case_id}/triage/").status_code == 200
