"""Arrangements API (/api/v1/arrangements/, by case id): read-only, the same policy and
selectors as the screens. Not visible: 404 (logged). Each row shown is logged."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from passend.access import selectors as access
from passend.access.selectors import CaseRow
from passend.arrangements import selectors
from passend.arrangements.models import Arrangement


class ArrangementSummarySerializer(serializers.Serializer):
    case = serializers.IntegerField()
    pseudonym = serializers.CharField()
    display_name = serializers.CharField()
    kind = serializers.CharField()
    school = serializers.CharField()
    status = serializers.CharField(help_text="One of: " + ", ".join(Arrangement.Status.values))
    quote_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    decision_number = serializers.CharField(allow_blank=True)
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)


class ArrangementDetailSerializer(ArrangementSummarySerializer):
    support_need = serializers.CharField(allow_null=True)
    values = serializers.DictField(allow_null=True)
    advice = serializers.DictField(allow_null=True)
    decision = serializers.DictField(allow_null=True)
    evaluations = serializers.ListField(child=serializers.DictField())
    extensions = serializers.ListField(child=serializers.DictField())


def _money(amount: Decimal | None) -> str | None:
    """Amounts as strings ("8682.52"): never floats."""
    return None if amount is None else f"{amount:.2f}"


def _summary(row: CaseRow, arrangement: Arrangement, number: str) -> dict[str, Any]:
    meta = selectors.can_see_metadata(row)
    return {
        "case": arrangement.case_id,
        "pseudonym": row.case.pseudonym,
        "display_name": row.display_name,
        "kind": arrangement.kind.name,
        "school": arrangement.school.name,
        "status": arrangement.status,
        "quote_amount": arrangement.quote_amount if meta else None,
        "decision_number": number if meta else "",
        "period_start": arrangement.period_start if meta else None,
        "period_end": arrangement.period_end if meta else None,
    }


@extend_schema_view(
    list=extend_schema(
        summary="My arrangements",
        description="Arrangement cases the caller is directly involved in (ORG-04). Each row "
        "shown is written to the access log. Amounts and dates only with category 'ordinary'.",
        parameters=[
            OpenApiParameter("status", enum=Arrangement.Status.values, required=False),
        ],
        responses={200: ArrangementSummarySerializer(many=True)},
        tags=["arrangements"],
    ),
    retrieve=extend_schema(
        summary="One arrangement",
        description="By case id. Application content, advice, decision motivation and "
        "evaluations only with category 'behaviour' (support need). Logged; 404 when the "
        "policy denies.",
        responses={200: ArrangementDetailSerializer},
        tags=["arrangements"],
    ),
)
class ArrangementViewSet(viewsets.GenericViewSet):
    queryset = Arrangement.objects.none()  # reads go through passend.access.selectors
    serializer_class = ArrangementSummarySerializer
    pagination_class = None
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Arrangement]:
        return Arrangement.objects.none()

    def list(self, request: Request) -> Response:
        status = request.query_params.get("status", "")
        if status and status not in Arrangement.Status.values:
            raise serializers.ValidationError({"status": ["Onbekende status."]})
        rows = selectors.involved_rows(request, status=status)
        by_case = {row.case.pk: row for row in rows}
        arrangements = list(
            Arrangement.objects.select_related("kind", "school").filter(case_id__in=by_case)
        )
        numbers = selectors.decision_numbers([a.pk for a in arrangements])
        access.log_rows(request, rows)
        return Response(
            [_summary(by_case[a.case_id], a, numbers.get(a.pk, "")) for a in arrangements]
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        row = access.get_case(request, pk)
        arrangement = selectors.arrangement_for(row)
        info = selectors.detail(arrangement)
        body = _summary(row, arrangement, info.decision.number if info.decision else "")
        content = selectors.can_see_content(row)
        meta = selectors.can_see_metadata(row)
        body.update(
            {
                "support_need": arrangement.support_need if content else None,
                "values": arrangement.values if content else None,
                "advice": {
                    "outcome": info.advice.outcome,
                    "advised_amount": _money(info.advice.advised_amount),
                    "text": info.advice.text,
                }
                if info.advice and content
                else None,
                "decision": {
                    "number": info.decision.number,
                    "granted": info.decision.granted,
                    "amount": _money(info.decision.amount),
                    "start_date": info.decision.start_date,
                    "end_date": info.decision.end_date,
                    "decided_on": info.decision.decided_on,
                    "motivation": info.decision.motivation if content else None,
                }
                if info.decision and meta
                else None,
                "evaluations": [
                    {
                        "goals_met": e.goals_met,
                        "evaluated_on": e.evaluated_on,
                        "notes": e.notes if content else None,
                    }
                    for e in info.evaluations
                ]
                if meta
                else [],
                "extensions": [
                    {
                        "previous_end": x.previous_end,
                        "new_end": x.new_end,
                        "amount": _money(x.amount),
                        "reason": x.reason if content else None,
                    }
                    for x in info.extensions
                ]
                if meta
                else [],
            }
        )
        return Response(ArrangementDetailSerializer(body).data)
