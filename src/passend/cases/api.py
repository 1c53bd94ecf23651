"""Cases API (/api/v1/cases/): the same policy, selectors, services and access log as the screens.

A case the caller may not see answers 404 (and the denial is logged); a case the caller sees
but may not change answers 403; a rule violation answers 400 with the errors per field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers as drf_serializers
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from passend.access import selectors as access
from passend.access.actor import Actor
from passend.cases import selectors
from passend.cases import serializers as s
from passend.cases import services as case_services
from passend.cases.models import Case, CaseKind, Phase
from passend.consent import services as consent_services

NOT_FOUND = OpenApiResponse(
    description="No such case, or the caller may not see it (the attempt is logged)."
)
FORBIDDEN = OpenApiResponse(
    description="The caller sees the case but may not do this (ORG-03: only the directors or "
    "the owner manage a case)."
)
BAD_REQUEST = OpenApiResponse(
    description="Validation failed: an object of field name -> list of Dutch messages; "
    "`non_field_errors` for errors of the whole request (e.g. a version conflict)."
)


def service_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if name == NON_FIELD_ERRORS else name): [str(m) for m in messages]
            for name, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


def call_service[T](function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Runs a service; its Django ValidationError becomes a 400 with field errors."""
    try:
        return function(*args, **kwargs)
    except DjangoValidationError as error:
        raise drf_serializers.ValidationError(service_errors(error)) from error


class CasePagination(CursorPagination):
    # The case's opening time, as copied onto the caller's participation
    # (``selectors.newest_first``): the page is read in this order from an index.
    ordering = selectors.API_ORDER
    page_size = 50

    def decode_cursor(self, request: Request) -> Cursor | None:
        """DRF's cursor, whose position must be a time with its zone, as the cursors DRF writes
        for this order hold: any other is "Invalid cursor" (404), as an undecodable cursor is,
        not an error of the database."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                moment = parse_datetime(str(cursor.position))
            except ValueError:  # the form of a time, not a real one
                moment = None
            if moment is None or timezone.is_naive(moment):
                raise NotFound(self.invalid_cursor_message)
        return cursor


@extend_schema_view(
    list=extend_schema(
        summary="My cases",
        description="Cases the caller is directly involved in (ORG-04), newest first, cursor "
        "paginated. Each case shown is written to the access log. `display_name` is the "
        "pupil's name only when the caller may see category 'ordinary'.",
        parameters=[
            OpenApiParameter("phase", enum=Phase.values, required=False),
            OpenApiParameter("kind", enum=CaseKind.values, required=False),
            OpenApiParameter("status", enum=["open", "closed"], required=False),
        ],
        responses={200: s.CaseSummarySerializer(many=True)},
        tags=["cases"],
    ),
    retrieve=extend_schema(
        summary="One case",
        description="The case with the fields the caller may see, and `access`: the categories "
        "and the grounds for them ('Waarom ziet u dit?'). Logged.",
        responses={200: s.CaseDetailSerializer, 404: NOT_FOUND},
        tags=["cases"],
    ),
    create=extend_schema(
        summary="Open a case",
        description="Opens a case owned by the caller's organisation; the caller becomes "
        "process director (ORG-03). A school opens cases for its own enrolled pupils only.",
        request=s.CaseCreateSerializer,
        responses={201: s.CaseDetailSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
        tags=["cases"],
    ),
)
class CaseViewSet(viewsets.GenericViewSet):
    queryset = Case.objects.none()  # the real reads go through passend.access.selectors
    serializer_class = s.CaseSummarySerializer
    pagination_class = CasePagination
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Case]:
        request = self.request
        return access.involved_cases(request.user, getattr(request, "membership", None))

    def list(self, request: Request) -> Response:
        params = request.query_params
        # The cursor pages over the keys only (a light sorted query, compiled once per process);
        # then those cases are loaded with the policy's input and decided.
        source = selectors.InvolvedApiKeys(
            request.user,
            getattr(request, "membership", None),
            phase=params.get("phase", ""),
            kind=params.get("kind", ""),
            status=params.get("status", ""),
        )
        # DRF pages what it is given by ordering, filtering and slicing it (its stubs say a
        # queryset); here the keys' rows, as dicts.
        page: Any = self.paginate_queryset(source)  # type: ignore[arg-type]
        keys: list[dict[str, Any]] = page or []
        cases = access.cases_for_rows(
            [key["id"] for key in keys],
            request.user,
            getattr(request, "membership", None),
            participations=[key[selectors.INVOLVED_PARTICIPATION] for key in keys],
            directors=True,  # the summaries name them
        )
        rows = access.decide_rows(request, cases)
        access.log_rows(request, rows)
        return self.get_paginated_response([s.case_summary(row) for row in rows])

    def retrieve(self, request: Request, pk: str) -> Response:
        # The answer shows participants and the access grounds, not the case's consents.
        row = access.get_case(request, pk, shows_grounds=False)
        return Response(s.case_full(row))

    def create(self, request: Request) -> Response:
        membership = getattr(request, "membership", None)
        serializer = s.CaseCreateSerializer(
            data=request.data, pupils=selectors.openable_pupils(membership)
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = call_service(
            case_services.open_case,
            Actor.from_request(request),
            kind=data["kind"],
            pupil=data.get("pupil"),
            is_anonymous=data["is_anonymous"],
            title=data["title"],
        )
        row = access.get_case(request, case.pk)
        return Response(s.case_full(row), status=status.HTTP_201_CREATED)

    # --- Actions ----------------------------------------------------------------------------

    def _row(self, request: Request, pk: str, name: str) -> access.CaseRow:
        return access.get_case(request, pk, action=name)

    @extend_schema(
        summary="Add a participant",
        description="Adds a directly involved party (ORG-04) for a phase (CO-02).",
        request=s.ParticipantCreateSerializer,
        responses={201: s.ParticipantSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["cases"],
    )
    @action(detail=True, methods=["post"], url_path="participants")
    def participants(self, request: Request, pk: str) -> Response:
        row = self._row(request, pk, "add_participant")
        serializer = s.ParticipantCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = selectors.find_colleague(data["organisation"], data["user"])
        if user is None:
            raise drf_serializers.ValidationError(
                {"user": [str(_no_colleague(data["organisation"]))]}
            )
        participant = call_service(
            case_services.add_participant,
            Actor.from_request(request),
            row.case,
            organisation=data["organisation"],
            user=user,
            role=data["role"],
            legal_task=data["legal_task"],
            joined_phase=data.get("joined_phase"),
        )
        body = {
            "id": participant.pk,
            "organisation": {
                "id": participant.organisation_id,
                "name": participant.organisation.name,
            },
            "person": {"id": user.pk, "name": user.get_full_name() or user.get_username()},
            "role": participant.role,
            "legal_task": participant.legal_task,
            "joined_phase": participant.joined_phase,
            "joined_at": participant.joined_at,
            "ended_at": participant.ended_at,
        }
        return Response(s.ParticipantSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="End a participation",
        request=s.EndParticipantSerializer,
        responses={204: None, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["cases"],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"participants/(?P<participant_id>[0-9]+)/end",
        url_name="participant-end",
    )
    def end_participant(self, request: Request, pk: str, participant_id: str) -> Response:
        row = self._row(request, pk, "end_participant")
        participant = selectors.find_participant(row, int(participant_id))
        if participant is None:
            raise Http404
        serializer = s.EndParticipantSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call_service(
            case_services.end_participant,
            Actor.from_request(request),
            participant,
            reason=serializer.validated_data["reason"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Record consent",
        description="CON-01/02: one consent per case; a new one replaces the active one. Who "
        "must consent depends on the pupil's age on `given_on` (AGE-03).",
        request=s.ConsentCreateSerializer,
        responses={201: s.ConsentSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["cases"],
    )
    @action(detail=True, methods=["post"], url_path="consents")
    def consents(self, request: Request, pk: str) -> Response:
        row = self._row(request, pk, "give_consent")
        serializer = s.ConsentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organisations = {
            p.organisation_id: p.organisation
            for p in row.case.participants.all()
            if p.ended_at is None
        }
        unknown = [pk_ for pk_ in data["parties"] if pk_ not in organisations]
        if unknown:
            raise drf_serializers.ValidationError({"parties": [str(_parties_message())]})
        consent = call_service(
            consent_services.give_consent,
            Actor.from_request(request),
            row.case,
            parties=[organisations[pk_] for pk_ in dict.fromkeys(data["parties"])],
            categories=data["categories"],
            given_by_pupil=data["given_by_pupil"],
            guardian_ids=data["given_by_guardians"],
            given_on=data["given_on"],
            form_version=data["form_version"],
            method=data["method"],
            evidence=data["evidence"],
        )
        return Response(s.ConsentSerializer(s.consent_data(consent)).data, status=201)

    @extend_schema(
        summary="Revoke consent",
        description="CON-03: takes effect at once; parties whose access rested on it lose it "
        "from the next request.",
        request=s.RevokeConsentSerializer,
        responses={200: s.ConsentSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["cases"],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"consents/(?P<consent_id>[0-9]+)/revoke",
        url_name="consent-revoke",
    )
    def revoke_consent(self, request: Request, pk: str, consent_id: str) -> Response:
        row = self._row(request, pk, "revoke_consent")
        consent = selectors.find_consent(row, int(consent_id))
        if consent is None:
            raise Http404
        serializer = s.RevokeConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consent = call_service(
            consent_services.revoke_consent,
            Actor.from_request(request),
            consent,
            note=serializer.validated_data["note"],
        )
        return Response(s.ConsentSerializer(s.consent_data(consent)).data)

    @extend_schema(
        summary="Change the phase",
        description="CO-02 transitions; from the plan phase on a case director is required "
        "(ORG-03). Send `version` to be warned about a concurrent change.",
        request=s.PhaseChangeSerializer,
        responses={200: s.CaseDetailSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["cases"],
    )
    @action(detail=True, methods=["post"], url_path="phase")
    def phase(self, request: Request, pk: str) -> Response:
        row = self._row(request, pk, "change_phase")
        serializer = s.PhaseChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        call_service(
            case_services.change_phase,
            Actor.from_request(request),
            row.case,
            to_phase=data["to_phase"],
            reason=data["reason"],
            aftercare_until=data["aftercare_until"],
            expected_version=data["version"],
        )
        return Response(s.case_full(access.get_case(request, pk)))


def _no_colleague(organisation: Any) -> str:
    return _(
        "Bij %(org)s werkt geen medewerker met deze gebruikersnaam of dit e-mailadres (ORG-04)."
    ) % {"org": organisation.name}


def _parties_message() -> str:
    return _("Kies alleen organisaties die deelnemer zijn van dit traject (CON-01).")
