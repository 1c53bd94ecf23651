"""Pupil services: validation (AGE-01, AGE-02), one transaction, one access-log entry each."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from passend.privacy import activities
from passend.privacy.context import AccessContext
from passend.privacy.models import AccessLogEntry
from passend.pupils import selectors, services
from passend.pupils.models import AgePolicy, Enrolment, Guardian, Pupil
from tests.pupils.conftest import VALID_BSN, make_pupil

pytestmark = pytest.mark.django_db

EXPECTED_MESSAGE = (
    "Dit veld lijkt een BSN te bevatten. Het samenwerkingsverband mag geen BSN verwerken "
    "(AGE-02). Verwijder het nummer."
)


def test_pupil_administration_activity_is_declared_by_the_pupils_app() -> None:
    activity = activities.get("pupil_administration")
    assert "AGE-02" in str(activity.purpose)
    assert activities.get("age_policy_administration")


def test_create_pupil_logs_one_entry_with_pseudonym(context: AccessContext) -> None:
    pupil = services.create_pupil(
        context, first_name="Noor", last_name="Visser", birth_date=date(2013, 3, 3)
    )
    entry = AccessLogEntry.objects.get()
    assert entry.action == "create"
    assert entry.activity == "pupil_administration"
    assert entry.object_type == "pupils.pupil"
    assert entry.object_id == str(pupil.pk)
    assert entry.subject_pseudonym == services.pupil_pseudonym(pupil)
    assert "Noor" not in entry.subject_pseudonym


def test_age_02_create_pupil_refuses_a_bsn_in_any_text_field(context: AccessContext) -> None:
    with pytest.raises(ValidationError) as info:
        services.create_pupil(
            context,
            first_name="Noor",
            last_name="Visser",
            birth_date=date(2013, 3, 3),
            address=f"Dorpsstraat 1 ({VALID_BSN})",
        )
    assert info.value.message_dict == {"address": [EXPECTED_MESSAGE]}
    assert not Pupil.objects.exists()
    assert not AccessLogEntry.objects.exists()


def test_age_01_birth_date_in_the_future_is_refused(context: AccessContext) -> None:
    with pytest.raises(ValidationError) as info:
        services.create_pupil(
            context,
            first_name="Noor",
            last_name="Visser",
            birth_date=timezone.localdate() + timedelta(days=1),
        )
    assert "birth_date" in info.value.message_dict


def test_update_pupil_logs_changed_field_names_not_values(context: AccessContext) -> None:
    pupil = make_pupil()
    services.update_pupil(context, pupil, phone="0612345678", last_name="Jansen")
    entry = AccessLogEntry.objects.get()
    assert entry.action == "update"
    assert entry.reason == "fields: phone"
    assert "0612345678" not in entry.reason
    # nothing changed: nothing written, nothing logged
    services.update_pupil(context, pupil, phone="0612345678")
    assert AccessLogEntry.objects.count() == 1


def test_age_02_update_pupil_refuses_a_bsn_and_changes_nothing(context: AccessContext) -> None:
    pupil = make_pupil()
    with pytest.raises(ValidationError) as info:
        services.update_pupil(context, pupil, name_prefix="1234.56.782")
    assert "name_prefix" in info.value.message_dict
    pupil.refresh_from_db()
    assert pupil.name_prefix == ""


def test_add_guardian_is_logged_as_family_data(context: AccessContext) -> None:
    pupil = make_pupil()
    guardian = services.add_guardian(
        context, pupil, last_name="Visser", relation="mother", has_parental_authority=True
    )
    entry = AccessLogEntry.objects.get()
    assert entry.object_type == "pupils.guardian"
    assert entry.object_id == str(guardian.pk)
    assert entry.data_categories == "family"
    assert entry.subject_pseudonym == services.pupil_pseudonym(pupil)


def test_age_02_add_guardian_refuses_a_bsn(context: AccessContext) -> None:
    with pytest.raises(ValidationError) as info:
        services.add_guardian(
            context, make_pupil(), last_name="Visser", relation="father", phone=VALID_BSN
        )
    assert "phone" in info.value.message_dict
    assert not Guardian.objects.exists()


def test_enrol_only_at_a_school_and_not_twice(context: AccessContext, region: dict) -> None:
    pupil = make_pupil()
    with pytest.raises(ValidationError) as info:
        services.enrol(context, pupil, region["swv"], start_date=date(2024, 8, 1))
    assert "school" in info.value.message_dict
    services.enrol(context, pupil, region["school_a"], start_date=date(2024, 8, 1), grade="2")
    with pytest.raises(ValidationError):
        services.enrol(context, pupil, region["school_a"], start_date=date(2025, 8, 1))
    assert AccessLogEntry.objects.filter(action="enrol").count() == 1


def test_pupils_enrolled_at_gives_current_enrolments_only(region: dict) -> None:
    today = timezone.localdate()
    current = make_pupil(first_name="Nu")
    left = make_pupil(first_name="Weg")
    future = make_pupil(first_name="Straks")
    elsewhere = make_pupil(first_name="Anders")
    school = region["school_a"]
    Enrolment.objects.create(pupil=current, school=school, start_date=today - timedelta(days=9))
    Enrolment.objects.create(
        pupil=left,
        school=school,
        start_date=today - timedelta(days=99),
        end_date=today - timedelta(days=1),
    )
    # also enrolled elsewhere now, but the old enrolment here has ended: not a current pupil
    Enrolment.objects.create(pupil=left, school=region["school_b"], start_date=today)
    Enrolment.objects.create(pupil=future, school=school, start_date=today + timedelta(days=5))
    Enrolment.objects.create(pupil=elsewhere, school=region["school_b"], start_date=today)
    Enrolment.objects.create(
        pupil=current,
        school=school,
        start_date=today - timedelta(days=400),
        end_date=today - timedelta(days=10),
    )
    assert list(selectors.pupils_enrolled_at(school)) == [current]
    assert set(selectors.pupils_enrolled_at(school, on=today + timedelta(days=5))) == {
        current,
        future,
    }


def test_register_pupil_is_all_or_nothing(context: AccessContext, region: dict) -> None:
    with pytest.raises(ValidationError):
        services.register_pupil(
            context,
            school=region["school_a"],
            pupil_data={
                "first_name": "Noor",
                "last_name": "Visser",
                "birth_date": date(2013, 3, 3),
            },
            guardians=[{"last_name": "Visser", "relation": "mother", "email": VALID_BSN}],
        )
    assert not Pupil.objects.exists()
    assert not AccessLogEntry.objects.exists()


def test_register_pupil_refuses_a_duplicate_at_the_same_school(
    context: AccessContext, region: dict
) -> None:
    data: dict[str, Any] = {
        "first_name": "Noor",
        "last_name": "Visser",
        "birth_date": date(2013, 3, 3),
    }
    services.register_pupil(context, school=region["school_a"], pupil_data=data)
    with pytest.raises(ValidationError):
        services.register_pupil(context, school=region["school_a"], pupil_data=data)
    assert Pupil.objects.count() == 1


def test_age_03_policy_defaults_come_from_the_data_migration() -> None:
    policy = AgePolicy.objects.get()
    assert (
        policy.joint_from_age,
        policy.child_alone_from_age,
        policy.parents_information_until_age,
        policy.consent_requires_all_guardians,
    ) == (12, 16, 18, True)
    assert AgePolicy.current() == policy


def test_age_03_policy_change_is_validated_and_audited(context: AccessContext) -> None:
    services.update_age_policy(context, joint_from_age=11)
    entry = AccessLogEntry.objects.get()
    assert entry.activity == "age_policy_administration"
    assert entry.reason == "joint_from_age:12->11"
    assert AgePolicy.current().joint_from_age == 11
    with pytest.raises(ValidationError) as info:
        services.update_age_policy(context, joint_from_age=16)
    assert "joint_from_age" in info.value.message_dict
    assert AgePolicy.current().joint_from_age == 11
    assert AccessLogEntry.objects.count() == 1
