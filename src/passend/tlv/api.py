"""TLV API (/api/v1/tlv/applications/<case id>/…): the same policy, selectors and services as
the screens. Not visible: 404 (logged); visible but not your step: 403; rule broken: 400 with
Dutch messages per field."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from passend.access import selectors as access
from passend.access.actor import Actor
from passend.accounts.models import Organisation
from passend.cases import selectors as case_selectors
from passend.cases.api import call_service
from passend.privacy.categories import DataCategory
from passend.tlv import selectors, services
from passend.tlv.models import Objection, Placement, Route, TlvApplication, TlvType, Triage
from passend.tlv.services import INTENDED_FIELDS, REQUESTING_FIELDS


class CreateSerializer(serializers.Serializer):
    pupil = serializers.IntegerField()
    requested_type = serializers.ChoiceField(choices=TlvType.choices)
    route = serializers.ChoiceField(choices=Route.choices, default=Route.NEW)
    intended_school = serializers.IntegerField(required=False, allow_null=True)


class UpdateSerializer(serializers.Serializer):
    """Any of the step fields of TLV-02 (see the model); each party sends only its own."""

    values = serializers.DictField(child=serializers.JSONField())


class TriageSerializer(serializers.Serializer):
    route = serializers.ChoiceField(choices=Triage.choices)
    meeting_on = serializers.DateField(required=False, allow_null=True)


class AssessSerializer(serializers.Serializer):
    disorder_established = serializers.BooleanField(default=False)
    educational_limitation = serializers.BooleanField(default=False)
    care_insufficient = serializers.BooleanField(default=False)
    causal_link = serializers.BooleanField(default=False)
    notes = serializers.CharField(default="", allow_blank=True)


class AdviceSerializer(serializers.Serializer):
    positive = serializers.BooleanField()
    by_gavel = serializers.BooleanField(default=False)
    category = serializers.IntegerField(required=False, allow_null=True)
    category_reason = serializers.CharField(default="", allow_blank=True)
    motivation = serializers.CharField(default="", allow_blank=True)


class ConversationSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    notes = serializers.CharField()


class DecideSerializer(serializers.Serializer):
    start_date = serializers.DateField(required=False, allow_null=True)
    motivation = serializers.CharField(default="", allow_blank=True)


class ObjectionSerializer(serializers.Serializer):
    lodged_by = serializers.ChoiceField(choices=Objection.By.choices)
    received_on = serializers.DateField()
    notes = serializers.CharField(default="", allow_blank=True)


class ObjectionStepSerializer(serializers.Serializer):
    objection = serializers.IntegerField()
    step = serializers.ChoiceField(choices=["refer", "hearing", "decide", "appeal"])
    on = serializers.DateField()
    outcome = serializers.ChoiceField(choices=Objection.Outcome.choices, required=False)


class PlacementSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Placement.Kind.choices)
    school = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()


def _summary(application: TlvApplication, *, content: bool) -> dict[str, Any]:
    info = selectors.application_detail(application)
    body: dict[str, Any] = {
        "case": application.case_id,
        "pseudonym": application.case.pseudonym,
        "status": application.status,
        "route": application.route,
        "requested_type": application.requested_type,
        "committee": application.committee_id,
        "triage": application.triage,
        "cva_meeting_on": application.cva_meeting_on,
        "missing": services.missing_items(application) if content else [],
        "terms": [
            {
                "code": t.rule.code,
                "due_date": t.due_date,
                "suspended": t.is_suspended,
                "completed_on": t.completed_on,
            }
            for t in info.terms
        ],
        "letters": [
            {"id": lt.pk, "kind": lt.kind, "issued_on": lt.issued_on} for lt in info.letters
        ],
        "advice": None,
        "decision": None,
        "tlv": None,
        "objections": [
            {
                "id": o.pk,
                "lodged_by": o.lodged_by,
                "received_on": o.received_on,
                "referred_on": o.referred_on,
                "hearing_on": o.hearing_on,
                "decided_on": o.decided_on,
                "outcome": o.outcome,
                "appeal_on": o.appeal_on,
            }
            for o in info.objections
        ],
    }
    if info.assessment is not None and content:
        body["assessment"] = {
            "met": info.assessment.met,
            "explanation": info.assessment.explanation,
        }
    if info.advice is not None:
        body["advice"] = {
            "status": info.advice.status,
            "by_gavel": info.advice.by_gavel,
            "category": info.advice.category,
            "proposed_category": info.advice.proposed_category,
        }
    if info.decision is not None:
        body["decision"] = {
            "positive": info.decision.positive,
            "decided_on": info.decision.decided_on,
        }
    if info.tlv is not None:
        body["tlv"] = {
            "number": info.tlv.number,
            "type": info.tlv.tlv_type,
            "category": info.tlv.category,
            "start_date": info.tlv.start_date,
            "end_date": info.tlv.end_date,
            "collected_on": info.tlv.collected_on,
        }
    return body


class TlvApplicationViewSet(viewsets.GenericViewSet):
    """TLV applications by the id of their case (TLV-01..13)."""

    queryset = TlvApplication.objects.none()  # reads go through passend.access.selectors
    serializer_class = CreateSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[TlvApplication]:
        return TlvApplication.objects.none()

    def _application(self, request: Request, pk: str, name: str = "view") -> TlvApplication:
        row = access.get_case(request, pk, action=name)
        return selectors.application_for(row)

    def _respond(self, request: Request, application: TlvApplication, code: int = 200) -> Response:
        application = TlvApplication.objects.select_related(
            "case", "committee", "swv", "requesting_school", "intended_school"
        ).get(pk=application.pk)
        row = access.get_case(request, application.case_id)
        return Response(
            _summary(application, content=row.access.can_see(DataCategory.DIAGNOSTICS)),
            status=code,
        )

    @extend_schema(
        request=CreateSerializer, summary="Start a TLV application (TLV-01)", tags=["tlv"]
    )
    def create(self, request: Request) -> Response:
        data = CreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = getattr(request, "membership", None)
        pupil = (
            case_selectors.openable_pupils(membership)
            .filter(pk=data.validated_data["pupil"])
            .first()
        )
        if pupil is None:
            raise serializers.ValidationError(
                {"pupil": ["Kies een leerling van uw school (TLV-01)."]}
            )
        school_id = data.validated_data.get("intended_school")
        school = Organisation.objects.filter(pk=school_id).first() if school_id else None
        application = call_service(
            services.start_application,
            Actor.from_request(request),
            pupil=pupil,
            requested_type=data.validated_data["requested_type"],
            route=data.validated_data["route"],
            intended_school=school,
        )
        return self._respond(request, application, status.HTTP_201_CREATED)

    @extend_schema(summary="One TLV application", tags=["tlv"])
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._respond(request, self._application(request, pk))

    @extend_schema(request=UpdateSerializer, summary="Fill in steps (TLV-02)", tags=["tlv"])
    def partial_update(self, request: Request, pk: str) -> Response:
        application = self._application(request, pk, "update")
        data = UpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data["values"])
        unknown = set(values) - REQUESTING_FIELDS - INTENDED_FIELDS
        if unknown:
            raise serializers.ValidationError({name: ["Onbekend veld."] for name in unknown})
        for name in (
            "parents_seen_on",
            "pupil_heard_on",
            "expert_1_signed_on",
            "expert_2_signed_on",
        ):
            if values.get(name):
                values[name] = serializers.DateField().to_internal_value(values[name])
        call_service(
            services.update_application, Actor.from_request(request), application, **values
        )
        return self._respond(request, application)

    def _step(self, request: Request, pk: str, function: Any, serializer: Any = None) -> Response:
        application = self._application(request, pk, "update")
        kwargs: dict[str, Any] = {}
        if serializer is not None:
            data = serializer(data=request.data)
            data.is_valid(raise_exception=True)
            kwargs = dict(data.validated_data)
        call_service(function, Actor.from_request(request), application, **kwargs)
        return self._respond(request, application)

    @extend_schema(request=None, summary="The board submits (TLV-01, TLV-03, TLV-04)", tags=["tlv"])
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        return self._step(request, pk, services.submit)

    @extend_schema(request=None, summary="Completed: the clock restarts (TLV-04)", tags=["tlv"])
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        return self._step(request, pk, services.complete_application)

    @extend_schema(request=TriageSerializer, summary="Triage by the CvA (TLV-05)", tags=["tlv"])
    @action(detail=True, methods=["post"])
    def triage(self, request: Request, pk: str) -> Response:
        application = selectors.queued_application(request, int(pk))
        data = TriageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call_service(
            services.triage, Actor.from_request(request), application, **data.validated_data
        )
        return self._respond(request, application)

    @extend_schema(request=AssessSerializer, summary="Criteria checklist (TLV-06)", tags=["tlv"])
    @action(detail=True, methods=["post"])
    def assess(self, request: Request, pk: str) -> Response:
        return self._step(request, pk, services.assess, AssessSerializer)

    @extend_schema(
        request=AdviceSerializer, summary="Advice (TLV-07, TLV-09, TLV-12)", tags=["tlv"]
    )
    @action(detail=True, methods=["post"])
    def advice(self, request: Request, pk: str) -> Response:
        return self._step(request, pk, services.give_advice, AdviceSerializer)

    @extend_schema(request=ConversationSerializer, summary="Conversation (TLV-09)", tags=["tlv"])
    @action(detail=True, methods=["post"])
    def conversation(self, request: Request, pk: str) -> Response:
        return self._step(request, pk, services.record_conversation, ConversationSerializer)

    @extend_schema(request=None, summary="Final negative advice (TLV-09)", tags=["tlv"])
    @action(detail=True, methods=["post"], url_path="finalise-advice")
    def finalise_advice(self, request: Request, pk: str) -> Response:
        return self._step(request, pk, services.finalise_negative_advice)

    @extend_schema(
        request=DecideSerializer, summary="Decision of the SWV board (TLV-04, TLV-11)", tags=["tlv"]
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        application = selectors.queued_application(request, int(pk))
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call_service(
            services.decide, Actor.from_request(request), application, **data.validated_data
        )
        return self._respond(request, application)

    @extend_schema(
        request=None, summary="The receiving school collects the TLV (TLV-11)", tags=["tlv"]
    )
    @action(detail=True, methods=["post"])
    def collect(self, request: Request, pk: str) -> Response:
        application = self._application(request, pk, "update")
        info = selectors.application_detail(application)
        if info.tlv is None:
            raise Http404
        call_service(services.collect, Actor.from_request(request), info.tlv)
        return self._respond(request, application)

    @extend_schema(
        request=PlacementSerializer,
        summary="Observation or crisis placement (TLV-08)",
        tags=["tlv"],
    )
    @action(detail=True, methods=["post"])
    def placements(self, request: Request, pk: str) -> Response:
        application = self._application(request, pk, "update")
        data = PlacementSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        school = Organisation.objects.filter(pk=values.pop("school")).first()
        if school is None:
            raise serializers.ValidationError({"school": ["Onbekende school."]})
        call_service(
            services.start_placement,
            Actor.from_request(request),
            application,
            school=school,
            **values,
        )
        return self._respond(request, application, status.HTTP_201_CREATED)

    @extend_schema(
        request=ObjectionSerializer, summary="Register an objection (TLV-10)", tags=["tlv"]
    )
    @action(detail=True, methods=["post"])
    def objections(self, request: Request, pk: str) -> Response:
        application = self._application(request, pk, "update")
        info = selectors.application_detail(application)
        if info.decision is None:
            raise serializers.ValidationError({"decision": ["Er is nog geen besluit (TLV-10)."]})
        data = ObjectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call_service(
            services.lodge_objection,
            Actor.from_request(request),
            info.decision,
            **data.validated_data,
        )
        return self._respond(request, application, status.HTTP_201_CREATED)

    @extend_schema(
        request=ObjectionStepSerializer,
        summary="Objection steps: LBT, hearing, decision, appeal (TLV-10)",
        tags=["tlv"],
    )
    @action(detail=True, methods=["post"], url_path="objection-steps")
    def objection_steps(self, request: Request, pk: str) -> Response:
        application = self._application(request, pk, "update")
        info = selectors.application_detail(application)
        data = ObjectionStepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        objection = next((o for o in info.objections if o.pk == values["objection"]), None)
        if objection is None:
            raise Http404
        actor = Actor.from_request(request)
        on = values["on"]
        if values["step"] == "refer":
            call_service(services.refer_objection, actor, objection, on=on)
        elif values["step"] == "hearing":
            call_service(services.schedule_hearing, actor, objection, on=on)
        elif values["step"] == "decide":
            call_service(
                services.decide_objection,
                actor,
                objection,
                outcome=values.get("outcome", ""),
                on=on,
            )
        else:
            call_service(services.register_appeal, actor, objection, on=on)
        return self._respond(request, application)
