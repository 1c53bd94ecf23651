"""Personal, expiring, single-use delivery links (CON-06, PRV-08): one outside party delivers
into ONE case, once, before expiry, without seeing anything of the case."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passend.accounts.models import Membership, OrganisationKind
from passend.cases.models import CaseEntry, Phase
from passend.correspondence.models import Notification
from passend.documents.models import Document
from passend.intake import services
from passend.intake.models import DeliveryLink
from passend.privacy.categories import DataCategory
from passend.privacy.models import AccessLogEntry
from tests.access.helpers import make_case, make_pupil
from tests.conftest import verified_client
from tests.documents.fixtures import VALID_BSN, exe_as_pdf, pdf
from tests.factories import OrganisationFactory
from tests.intake.conftest import actor_for, good_pdf, upload

pytestmark = pytest.mark.django_db

SECRET_FIRST = "Zwaantje"
SECRET_LAST = "Geheimzinnig"


@pytest.fixture
def youth_care(db: Any) -> Any:
    return OrganisationFactory(name="Jeugdhulp Noord", kind=OrganisationKind.YOUTH_CARE_PROVIDER)


@pytest.fixture
def case(region: dict[str, Any], coordinator_a: Any) -> Any:
    pupil = make_pupil(
        region["school_a"],
        first_name=SECRET_FIRST,
        last_name=SECRET_LAST,
        birth_date=dt.date(2012, 3, 4),
    )
    case = make_case(
        Membership.objects.get(user=coordinator_a), pupil=pupil, phase=Phase.ASSESSMENT
    )
    case.title = "Vastlopen in de klas"
    case.save()
    CaseEntry.objects.create(
        case=case,
        category=DataCategory.ORDINARY,
        supplied_by=region["school_a"],
        phase=Phase.ASSESSMENT,
        title="Eerdere notitie",
        body="Vertrouwelijke inhoud",
        recorded_by=coordinator_a,
    )
    return case


def create_via_page(client: Client, case: Any, party: Any, **overrides: Any) -> str:
    data = {
        "party": party.pk,
        "category": DataCategory.BEHAVIOUR,
        "reference": "JH-2026-17",
        "days": 14,
    } | overrides
    response = client.post(reverse("intake:case_links", args=[case.pk]), data)
    assert response.status_code == 200
    found = re.search(r"/formulier/aanleveren/([A-Za-z0-9_\-]+)/", response.content.decode())
    assert found, response.content.decode()[-3000:]
    return found.group(1)


def deliver_url(token: str) -> str:
    return reverse("intake_public:deliver", args=[token])


def assert_no_case_data(body: str, case: Any) -> None:
    for secret in (
        SECRET_FIRST,
        SECRET_LAST,
        case.pseudonym,
        case.title,
        "Vertrouwelijke",
        "2012",
        "School A",
    ):
        assert secret not in body, secret


def test_con06_link_opens_one_form_once_and_shows_no_case_data(
    case: Any, coordinator_a: Any, youth_care: Any, django_capture_on_commit_callbacks: Any
) -> None:
    token = create_via_page(verified_client(coordinator_a), case, youth_care)
    link = DeliveryLink.objects.get()
    assert link.token_hash != token and token not in link.token_hash  # only a hash is stored
    assert link.expires_at - timezone.now() > dt.timedelta(days=13)

    outsider = Client()
    page = outsider.get(deliver_url(token))
    assert page.status_code == 200
    body = page.content.decode()
    assert "JH-2026-17" in body and "Jeugdhulp Noord" in body
    assert_no_case_data(body, case)
    assert AccessLogEntry.objects.filter(
        action="open_link", object_id=str(link.pk), organisation_id=youth_care.pk
    ).exists()
    # The token opens nothing else: professional pages still want a login.
    assert outsider.get(reverse("cases:detail", args=[case.pk])).status_code == 302

    with django_capture_on_commit_callbacks(execute=True):
        done = outsider.post(
            deliver_url(token),
            {
                "title": "Verslag jeugdhulp",
                "body": "Gesprekken lopen goed.",
                "file": upload(good_pdf()),
            },
        )
    assert done.status_code == 200 and "afgeleverd" in done.content.decode()
    assert_no_case_data(done.content.decode(), case)
    entry = CaseEntry.objects.get(title="Verslag jeugdhulp")
    assert entry.case_id == case.pk
    assert entry.supplied_by_id == youth_care.pk and entry.category == DataCategory.BEHAVIOUR
    document = Document.objects.get(case=case)
    assert document.supplied_by_id == youth_care.pk and document.category == "behaviour"
    link.refresh_from_db()
    assert link.used_at is not None and link.entry_id == entry.pk
    assert AccessLogEntry.objects.filter(
        action="deliver", outcome="allowed", organisation_id=youth_care.pk
    ).exists()
    # Participants get a content-free notification.
    assert Notification.objects.filter(recipient=coordinator_a, topic="message").exists()
    assert mail.outbox and all(
        SECRET_LAST not in m.body and "Verslag" not in m.body for m in mail.outbox
    )

    # Once: the link is spent.
    assert outsider.get(deliver_url(token)).status_code == 404
    again = outsider.post(deliver_url(token), {"title": "Nog eens", "body": "x"})
    assert again.status_code == 404
    assert not CaseEntry.objects.filter(title="Nog eens").exists()
    assert AccessLogEntry.objects.filter(action="open_link", outcome="denied").exists()


def test_link_does_not_work_after_expiry_or_revocation(
    case: Any, coordinator_a: Any, youth_care: Any
) -> None:
    actor = actor_for(coordinator_a)
    expired, token = services.create_link(
        actor, case, party=youth_care, category=DataCategory.ORDINARY, reference="K-1"
    )
    DeliveryLink.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert Client().get(deliver_url(token)).status_code == 404
    response = Client().post(deliver_url(token), {"title": "Te laat", "body": "x"})
    assert response.status_code == 404
    revoked, token2 = services.create_link(
        actor, case, party=youth_care, category=DataCategory.ORDINARY, reference="K-2"
    )
    services.revoke_link(actor, revoked)
    assert Client().get(deliver_url(token2)).status_code == 404
    assert Client().get(deliver_url("bestaat-niet")).status_code == 404
    assert CaseEntry.objects.filter(title="Te laat").count() == 0


def test_age02_bsn_refused_in_delivery_fields_and_upload(
    case: Any, coordinator_a: Any, youth_care: Any, media_root: Path
) -> None:
    _link, token = services.create_link(
        actor_for(coordinator_a),
        case,
        party=youth_care,
        category=DataCategory.ORDINARY,
        reference="K-3",
    )
    client = Client()
    for data in (
        {"title": f"BSN {VALID_BSN}", "body": "x"},
        {"title": "Verslag", "body": f"Burgerservicenummer {VALID_BSN}"},
    ):
        response = client.post(deliver_url(token), data)
        assert response.status_code == 200
        assert "AGE-02" in response.content.decode()
    for bad in (pdf(f"BSN {VALID_BSN}"), exe_as_pdf()):
        response = client.post(
            deliver_url(token), {"title": "Verslag", "body": "Tekst", "file": upload(bad)}
        )
        assert response.status_code == 200
        assert "Bijlage" in response.content.decode()
    assert Document.objects.count() == 0
    assert not (media_root / "documents").exists() or not any((media_root / "documents").iterdir())
    assert CaseEntry.objects.filter(title="Verslag").count() == 0
    # Still unused: the refused attempts did not spend the link.
    assert DeliveryLink.objects.get().used_at is None


def test_only_participants_create_links_and_never_with_the_pupils_name(
    case: Any, coordinator_a: Any, coordinator_b: Any, youth_care: Any
) -> None:
    url = reverse("intake:case_links", args=[case.pk])
    outsider = verified_client(coordinator_b)
    assert outsider.get(url).status_code == 404
    assert (
        outsider.post(
            url, {"party": youth_care.pk, "category": "ordinary", "reference": "x"}
        ).status_code
        == 404
    )
    assert AccessLogEntry.objects.filter(
        actor=coordinator_b, outcome="denied", object_id=str(case.pk)
    ).exists()
    assert DeliveryLink.objects.count() == 0
    response = verified_client(coordinator_a).post(
        url, {"party": youth_care.pk, "category": "ordinary", "reference": f"{SECRET_LAST} 1"}
    )
    assert "naam van de leerling" in response.content.decode()
    assert DeliveryLink.objects.count() == 0


def test_refused_delivery_pages_show_no_case_data_either(
    case: Any, coordinator_a: Any, youth_care: Any
) -> None:
    _link, token = services.create_link(
        actor_for(coordinator_a), case, party=youth_care, category="ordinary", reference="K-4"
    )
    for data in ({"title": "", "body": ""}, {"title": f"BSN {VALID_BSN}", "body": "x"}):
        response = Client().post(deliver_url(token), data)
        assert response.status_code == 200
        assert_no_case_data(response.content.decode(), case)


def test_age02_a_delivered_scan_is_held_for_the_links_creator(
    case: Any, coordinator_a: Any, youth_care: Any
) -> None:
    """A scan cannot be checked for a BSN: it is held (documents' existing behaviour) until the
    professional who sent the link confirms it; nobody else sees it meanwhile."""
    from tests.documents.fixtures import png

    _link, token = services.create_link(
        actor_for(coordinator_a), case, party=youth_care, category="ordinary", reference="K-5"
    )
    response = Client().post(
        deliver_url(token),
        {"title": "Scan", "body": "Zie bijlage", "file": upload(png(), "scan.png")},
    )
    assert response.status_code == 200 and "afgeleverd" in response.content.decode()
    document = Document.objects.get(case=case)
    assert document.is_pending and document.needs_scan_confirmation
    assert document.uploaded_by_id == coordinator_a.pk


def test_con06_case_page_links_to_its_delivery_links_while_open(
    case: Any, coordinator_a: Any
) -> None:
    """Participants reach the delivery links from the case page; a closed case offers none."""
    client = verified_client(coordinator_a)
    target = reverse("intake:case_links", args=[case.pk])
    assert target in client.get(f"/trajecten/{case.pk}/").content.decode()
    assert client.get(target).status_code == 200
    case.phase = Phase.CLOSED
    case.save()
    assert target not in client.get(f"/trajecten/{case.pk}/").content.decode()
