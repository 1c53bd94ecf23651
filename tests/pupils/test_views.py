"""Screens: support coordinators at a school only (ORG-02), every access logged."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from passend.accounts.models import Role
from passend.privacy.models import AccessLogEntry, Outcome
from passend.pupils.models import Enrolment, Guardian, ImportStatus, Pupil, PupilImport
from tests.conftest import make_professional, verified_client
from tests.pupils.conftest import PARNASSYS_HEADER, VALID_BSN, csv_bytes

pytestmark = pytest.mark.django_db

EXPECTED_MESSAGE = (
    "Dit veld lijkt een BSN te bevatten. Het samenwerkingsverband mag geen BSN verwerken "
    "(AGE-02). Verwijder het nummer."
)
URL_NAMES = ["pupils:index", "pupils:create", "pupils:import_upload"]


def upload(rows: list[list[str]]) -> SimpleUploadedFile:
    return SimpleUploadedFile("export.csv", csv_bytes(rows).getvalue(), "text/csv")


@pytest.mark.parametrize("url_name", URL_NAMES)
@pytest.mark.parametrize(
    ("org_key", "role"),
    [
        ("municipality", Role.ATTENDANCE_OFFICER),
        ("swv", Role.SWV_DIRECTOR),
        ("school_a", Role.BEHAVIOUR_EXPERT),
    ],
)
def test_org_02_other_roles_get_403_and_a_denied_log_entry(
    region: dict, url_name: str, org_key: str, role: str
) -> None:
    user = make_professional(region[org_key], role)
    response = verified_client(user).get(reverse(url_name))
    assert response.status_code == 403
    entry = AccessLogEntry.objects.get(outcome=Outcome.DENIED)
    assert entry.actor_id == user.pk
    assert entry.activity == "pupil_administration"


def test_pages_need_a_second_factor(region: dict, coordinator_a: Any) -> None:
    from django.test import Client

    client = Client()
    client.force_login(coordinator_a)
    assert client.get(reverse("pupils:index")).status_code == 302


@pytest.mark.parametrize("url_name", URL_NAMES)
def test_coordinator_sees_the_pages(coordinator_a: Any, url_name: str) -> None:
    response = verified_client(coordinator_a).get(reverse(url_name))
    assert response.status_code == 200


def test_import_upload_runs_and_shows_the_report(region: dict, coordinator_a: Any) -> None:
    client = verified_client(coordinator_a)
    rows = [
        PARNASSYS_HEADER,
        ["1", "Sem", "", "Bakker", "14-03-2012", "M", "7", VALID_BSN, "Haren"],
        ["2", "Evi", "", "", "14-03-2012", "V", "7", "", "Haren"],
    ]
    response = client.post(
        reverse("pupils:import_upload"), {"source": "parnassys", "file": upload(rows)}
    )
    pupil_import = PupilImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("pupils:import_detail", args=[pupil_import.pk])
    assert pupil_import.school == region["school_a"]
    assert pupil_import.requested_by == coordinator_a
    assert pupil_import.status == ImportStatus.DONE

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Kolom &#x27;Achternaam&#x27; is verplicht maar leeg." in html
    assert "<progress" in html
    assert "hx-get" not in html  # finished: polling stops
    assert VALID_BSN not in html
    assert AccessLogEntry.objects.filter(
        action="import_upload", actor=coordinator_a, outcome=Outcome.ALLOWED
    ).exists()
    assert AccessLogEntry.objects.filter(
        action="view", object_type="pupils.pupilimport", object_id=str(pupil_import.pk)
    ).exists()


def test_progress_fragment_polls_while_running(coordinator_a: Any, region: dict) -> None:
    pupil_import = PupilImport.objects.create(
        school=region["school_a"],
        source="parnassys",
        total_lines=10,
        processed_lines=4,
        status=ImportStatus.RUNNING,
    )
    client = verified_client(coordinator_a)
    response = client.get(reverse("pupils:import_progress", args=[pupil_import.pk]))
    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert 'value="40"' in html
    # counters only: a poll is not logged
    assert not AccessLogEntry.objects.filter(activity="pupil_administration").exists()


def test_import_of_another_school_is_not_found(
    coordinator_a: Any, coordinator_b: Any, region: dict
) -> None:
    pupil_import = PupilImport.objects.create(school=region["school_b"], source="parnassys")
    for name in ("pupils:import_detail", "pupils:import_progress"):
        response = verified_client(coordinator_a).get(reverse(name, args=[pupil_import.pk]))
        assert response.status_code == 404
    assert AccessLogEntry.objects.filter(outcome=Outcome.DENIED).count() == 2
    assert (
        verified_client(coordinator_b)
        .get(reverse("pupils:import_detail", args=[pupil_import.pk]))
        .status_code
        == 200
    )


def test_upload_with_missing_columns_shows_the_error(coordinator_a: Any) -> None:
    response = verified_client(coordinator_a).post(
        reverse("pupils:import_upload"),
        {"source": "parnassys", "file": upload([["Naam"], ["x"]])},
    )
    assert response.status_code == 400
    assert "Leerlingnummer" in response.content.decode()
    assert not PupilImport.objects.exists()


def _pupil_post(**overrides: str) -> dict[str, str]:
    data = {
        "first_name": "Noor",
        "name_prefix": "",
        "last_name": "Visser",
        "birth_date": "2013-03-03",
        "gender": "f",
        "email": "",
        "phone": "",
        "address": "",
        "start_date": "2024-08-19",
        "grade": "groep 6",
        "guardians-TOTAL_FORMS": "2",
        "guardians-INITIAL_FORMS": "0",
        "guardians-MIN_NUM_FORMS": "0",
        "guardians-MAX_NUM_FORMS": "4",
        "guardians-0-last_name": "Visser",
        "guardians-0-relation": "mother",
        "guardians-0-has_parental_authority": "on",
        "guardians-1-has_parental_authority": "on",
    }
    data.update(overrides)
    return data


def test_create_pupil_with_guardian(coordinator_a: Any, region: dict) -> None:
    response = verified_client(coordinator_a).post(reverse("pupils:create"), _pupil_post())
    assert response.status_code == 302
    pupil = Pupil.objects.get()
    assert Guardian.objects.get(pupil=pupil).has_parental_authority is True
    enrolment = Enrolment.objects.get(pupil=pupil)
    assert (enrolment.school, enrolment.grade) == (region["school_a"], "groep 6")
    actions = set(
        AccessLogEntry.objects.filter(
            actor=coordinator_a, activity="pupil_administration"
        ).values_list("action", flat=True)
    )
    assert actions == {"create", "enrol"}
    assert (
        AccessLogEntry.objects.filter(
            actor=coordinator_a, organisation_id=region["school_a"].pk, role="support_coordinator"
        ).count()
        == 3
    )


def test_age_02_create_pupil_form_names_the_field_with_the_bsn(coordinator_a: Any) -> None:
    response = verified_client(coordinator_a).post(
        reverse("pupils:create"),
        _pupil_post(
            **{"address": f"Dorpsstraat 1, {VALID_BSN}", "guardians-0-phone": "123 456 782"}
        ),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {"address": [EXPECTED_MESSAGE]}
    assert response.context["guardians"][0].errors == {"phone": [EXPECTED_MESSAGE]}
    assert not Pupil.objects.exists()
    assert not AccessLogEntry.objects.filter(activity="pupil_administration").exists()
