"""Consultation API: meetings scoped per viewer (CO-03), plan and actions per case (CO-05).

The same selectors, policy, services and access log as the screens. An agenda item the caller
may not see is returned as ``{"position": n, "visible": false}`` and nothing else.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from passend.access import selectors as access
from passend.access.actor import Actor
from passend.bsn_guard import BsnGuardSerializerMixin
from passend.cases.api import BAD_REQUEST, FORBIDDEN, NOT_FOUND, call_service
from passend.consultations import selectors, services
from passend.consultations.models import ActionStatus, Party

# --- Serializers (documentation and input) ---------------------------------------------------


# Plain strings with the values in the description: no enum components that would collide with
# other modules' "status" enums in the schema.
@extend_schema_field({"type": "string", "description": "one of: " + ", ".join(Party.values)})
class PartyField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Party.choices, **kwargs)


@extend_schema_field({"type": "string", "description": "one of: " + ", ".join(ActionStatus.values)})
class ActionStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ActionStatus.choices, **kwargs)


class MinutesOutSerializer(serializers.Serializer):
    body = serializers.CharField()
    category = serializers.CharField()
    written_with_pseudonyms = serializers.BooleanField()
    finalised_at = serializers.DateTimeField(allow_null=True)


class AgendaItemOutSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    visible = serializers.BooleanField()
    case_id = serializers.IntegerField(required=False)
    pseudonym = serializers.CharField(required=False)
    display_name = serializers.CharField(required=False)
    parents_invited = serializers.BooleanField(required=False)
    minutes = MinutesOutSerializer(required=False, allow_null=True)


class MeetingOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    location = serializers.CharField()
    video_link = serializers.CharField()
    status = serializers.CharField()
    items = AgendaItemOutSerializer(many=True)


def _item(item_view: selectors.ItemView) -> dict[str, Any]:
    item = item_view.item
    if item_view.row is None:
        return {"position": item.position, "visible": False}
    minutes = item_view.minutes
    return {
        "position": item.position,
        "visible": True,
        "case_id": item.case_id,
        "pseudonym": item_view.row.case.pseudonym,
        "display_name": item_view.row.display_name,
        "parents_invited": item.parents_invited,
        "minutes": None
        if minutes is None
        else {
            "body": minutes.body,
            "category": minutes.category,
            "written_with_pseudonyms": minutes.written_with_pseudonyms,
            "finalised_at": minutes.finalised_at,
        },
    }


def _meeting(view: selectors.MeetingView) -> dict[str, Any]:
    meeting = view.meeting
    return {
        "id": meeting.pk,
        "kind": meeting.kind.name,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "location": meeting.location,
        "video_link": meeting.video_link,
        "status": meeting.status,
        "items": [_item(i) for i in view.items],
    }


class MeetingListView(APIView):
    @extend_schema(
        summary="My meetings",
        description="Meetings the caller convenes or in which a case they are involved in is "
        "treated (CO-03). Items the caller may not see carry only their position. Logged.",
        responses={200: MeetingOutSerializer(many=True)},
        tags=["consultations"],
    )
    def get(self, request: Request) -> Response:
        meetings = list(
            selectors.meetings_to_list(request.user, getattr(request, "membership", None))[:50]
        )
        views = selectors.meeting_rows(request, meetings)
        return Response([_meeting(v) for v in views])


class MeetingDetailView(APIView):
    @extend_schema(
        summary="One meeting",
        description="The meeting with its agenda filtered for the caller (CO-03). Logged.",
        responses={200: MeetingOutSerializer, 404: NOT_FOUND},
        tags=["consultations"],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_meeting(selectors.get_meeting(request, pk)))


# --- Plan ------------------------------------------------------------------------------------


class GoalOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    party = PartyField()
    description = serializers.CharField()
    met = serializers.BooleanField(allow_null=True)


class ActionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    owner_party = PartyField()
    owner_id = serializers.IntegerField(allow_null=True)
    due_date = serializers.DateField()
    status = ActionStatusField()


class PlanOutSerializer(serializers.Serializer):
    case_id = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    status = serializers.CharField()
    version = serializers.IntegerField()
    goals = GoalOutSerializer(many=True)
    actions = ActionOutSerializer(many=True)


class ActionInSerializer(BsnGuardSerializerMixin, serializers.Serializer):
    """A new action of the plan (CO-05)."""

    description = serializers.CharField()
    owner_party = PartyField()
    due_date = serializers.DateField()
    owner_id = serializers.IntegerField(required=False, allow_null=True)


class ActionStatusInSerializer(serializers.Serializer):
    status = ActionStatusField()


def _action(a: Any) -> dict[str, Any]:
    return {
        "id": a.pk,
        "description": a.description,
        "owner_party": a.owner_party,
        "owner_id": a.owner_id,
        "due_date": a.due_date,
        "status": a.status,
    }


def _plan_row(request: Request, case_id: int, action: str = "view") -> Any:
    row = access.get_case(request, case_id, action=action)
    if not selectors.can_see_plan(row):
        raise Http404
    plan = selectors.plan_of(row)
    if plan is None:
        raise Http404
    return row, plan


class PlanView(APIView):
    @extend_schema(
        summary="The plan of a case",
        description="1 kind 1 plan (CO-05): goals per party and actions. 404 when the caller "
        "may not see the case or it has no plan. Logged.",
        responses={200: PlanOutSerializer, 404: NOT_FOUND},
        tags=["consultations"],
    )
    def get(self, request: Request, case_id: int) -> Response:
        row, plan = _plan_row(request, case_id)
        return Response(
            {
                "case_id": row.case.pk,
                "starts_on": plan.starts_on,
                "ends_on": plan.ends_on,
                "status": plan.status,
                "version": plan.version,
                "goals": [
                    {"id": g.pk, "party": g.party, "description": g.description, "met": g.met}
                    for g in plan.goals.all()
                    if g.removed_at is None
                ],
                "actions": [_action(a) for a in plan.actions.all()],
            }
        )


class PlanActionsView(APIView):
    @extend_schema(
        summary="Add an action to the plan",
        description="A concrete action with owner and due date (CO-05); only the directors or "
        "the owner of the case add actions.",
        request=ActionInSerializer,
        responses={201: ActionOutSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["consultations"],
    )
    def post(self, request: Request, case_id: int) -> Response:
        row, plan = _plan_row(request, case_id, "add_action")
        serializer = ActionInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        owner = None
        if data.get("owner_id"):
            owner = next(
                (p.user for p in row.case.participants.all() if p.user_id == data["owner_id"]),
                None,
            )
            if owner is None:
                raise serializers.ValidationError(
                    {
                        "owner_id": [
                            "De eigenaar van een actie is deelnemer van het traject (ORG-04)."
                        ]
                    }
                )
        action = call_service(
            services.add_action,
            Actor.from_request(request),
            plan,
            description=data["description"],
            owner_party=data["owner_party"],
            due_date=data["due_date"],
            owner=owner,
        )
        return Response(_action(action), status=status.HTTP_201_CREATED)


class PlanActionStatusView(APIView):
    @extend_schema(
        summary="Change the status of an action",
        request=ActionStatusInSerializer,
        responses={200: ActionOutSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["consultations"],
    )
    def patch(self, request: Request, case_id: int, action_id: int) -> Response:
        _row, plan = _plan_row(request, case_id, "action_status")
        target = next((a for a in plan.actions.all() if a.pk == action_id), None)
        if target is None:
            raise Http404
        serializer = ActionStatusInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        action = call_service(
            services.set_action_status,
            Actor.from_request(request),
            target,
            status=serializer.validated_data["status"],
        )
        return Response(_action(action))
