"""Serializers of the cases API. Output is built from a policy-decided ``CaseRow``: fields of a
category the caller may not see are left out (the pupil's name and birth date need
"ordinary")."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from passend.access.selectors import CaseRow
from passend.accounts.models import Organisation
from passend.bsn_guard import BsnGuardSerializerMixin
from passend.cases.models import CaseKind, Phase
from passend.consent.models import ConsentMethod
from passend.privacy.categories import DataCategory
from passend.pupils.models import Pupil


def PhaseField(**kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=Phase.choices, **kwargs)


def CaseKindField(**kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=CaseKind.choices, **kwargs)


def CategoryField(**kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=DataCategory.choices, **kwargs)


def MethodField(**kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=ConsentMethod.choices, **kwargs)


def StatusField(**kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=[("open", "open"), ("closed", "closed")], **kwargs)


def _person(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PupilSerializer(serializers.Serializer):
    name = serializers.CharField()
    birth_date = serializers.DateField()


class AccessSerializer(serializers.Serializer):
    categories = serializers.ListField(
        child=CategoryField(),
        help_text="Data categories the caller may see in this case.",
    )
    grounds = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why the caller may see them ('Waarom ziet u dit?').",
    )


class ParticipantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = OrganisationRefSerializer()
    person = PersonSerializer()
    role = serializers.CharField()
    legal_task = serializers.CharField()
    joined_phase = PhaseField()
    joined_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)


def case_summary(row: CaseRow) -> dict[str, Any]:
    case = row.case
    return {
        "id": case.pk,
        "pseudonym": case.pseudonym,
        "display_name": row.display_name,
        "kind": case.kind,
        "phase": case.phase,
        "status": case.status,
        "is_anonymous": case.is_anonymous,
        "owner": {"id": case.owner_id, "name": case.owner.name},
        "process_director": _person(case.process_director),
        "case_director": _person(case.case_director),
        "opened_at": case.opened_at,
        "version": case.version,
    }


def case_full(row: CaseRow) -> dict[str, Any]:
    case = row.case
    data = case_summary(row)
    ordinary = row.access.can_see(DataCategory.ORDINARY)
    data["title"] = case.title if ordinary else None
    data["pupil"] = (
        {"name": case.pupil.full_name, "birth_date": case.pupil.birth_date}
        if ordinary and case.pupil is not None and not case.is_anonymous
        else None
    )
    data["participants"] = [
        {
            "id": p.pk,
            "organisation": {"id": p.organisation_id, "name": p.organisation.name},
            "person": _person(p.user),
            "role": p.role,
            "legal_task": p.legal_task,
            "joined_phase": p.joined_phase,
            "joined_at": p.joined_at,
            "ended_at": p.ended_at,
        }
        for p in case.participants.all()
    ]
    data["access"] = {
        "categories": sorted(row.access.categories),
        "grounds": row.access.explain(),
    }
    return data


class CaseSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pseudonym = serializers.CharField()
    display_name = serializers.CharField(
        help_text="The pupil's name when the caller may see it (category ordinary), "
        "otherwise the pseudonym."
    )
    kind = CaseKindField()
    phase = PhaseField()
    status = StatusField()
    is_anonymous = serializers.BooleanField()
    owner = OrganisationRefSerializer()
    process_director = PersonSerializer()
    case_director = PersonSerializer(allow_null=True)
    opened_at = serializers.DateTimeField()
    version = serializers.IntegerField(help_text="Send back as `version` to detect conflicts.")


class CaseDetailSerializer(CaseSummarySerializer):
    title = serializers.CharField(allow_null=True)
    pupil = PupilSerializer(
        allow_null=True, help_text="Only when the caller may see category 'ordinary'."
    )
    participants = ParticipantSerializer(many=True)
    access = AccessSerializer()


# --- Input -----------------------------------------------------------------------------------


class CaseCreateSerializer(BsnGuardSerializerMixin, serializers.Serializer):
    kind = CaseKindField()
    pupil = serializers.PrimaryKeyRelatedField(
        queryset=Pupil.objects.none(),
        pk_field=serializers.IntegerField(),
        required=False,
        allow_null=True,
        help_text="A pupil enrolled at your school.",
    )
    is_anonymous = serializers.BooleanField(
        default=False, help_text="CON-07: no pupil, pseudonym only."
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def __init__(self, *args: Any, pupils: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["pupil"]
        field.queryset = pupils


class ParticipantCreateSerializer(BsnGuardSerializerMixin, serializers.Serializer):
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(is_active=True)
    )
    user = serializers.CharField(
        max_length=150, help_text="Username or e-mail address of a colleague at the organisation."
    )
    role = serializers.CharField(max_length=100)
    legal_task = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    joined_phase = PhaseField(required=False)
    bsn_guard_exempt = ("user",)


class EndParticipantSerializer(BsnGuardSerializerMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ConsentCreateSerializer(BsnGuardSerializerMixin, serializers.Serializer):
    parties = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        help_text="Organisation ids of active participants the data are shared with.",
    )
    categories = serializers.ListField(child=CategoryField())
    given_by_pupil = serializers.BooleanField(default=False)
    given_by_guardians = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    given_on = serializers.DateField()
    form_version = serializers.CharField(max_length=40)
    method = MethodField()
    evidence = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RevokeConsentSerializer(BsnGuardSerializerMixin, serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PhaseChangeSerializer(BsnGuardSerializerMixin, serializers.Serializer):
    to_phase = PhaseField()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    aftercare_until = serializers.DateField(required=False, allow_null=True, default=None)
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="The case version you based this change on; a conflict gives 400.",
    )


class ConsentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    given_on = serializers.DateField()
    categories = serializers.ListField(child=serializers.CharField())
    parties = OrganisationRefSerializer(many=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


def consent_data(consent: Any) -> dict[str, Any]:
    return {
        "id": consent.pk,
        "given_on": consent.given_on,
        "categories": list(consent.categories),
        "parties": [{"id": o.pk, "name": o.name} for o in consent.parties.all()],
        "revoked_at": consent.revoked_at,
    }
