"""Attendance API (/api/v1/attendance/…): read-only, scoped like the screens, every pupil logged.

* A school's support coordinator gets the school's meldplichtige pupils (own task, ABS-01).
* Everyone else gets the signals on attendance cases they take part in, as far as the policy
  lets them see absence data (leerplicht after a DUO report: ABS-03, ABS-05).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from passend.accounts.models import OrganisationKind, Role
from passend.attendance import selectors
from passend.attendance.models import AbsenceKind, ReportableAbsence, ReportReason


class EvidenceSerializer(serializers.Serializer):
    date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=2)
    kind = serializers.ChoiceField(choices=AbsenceKind.choices)
    reason_code = serializers.CharField()


class ReportableSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(allow_null=True, help_text="Id of the attendance case.")
    pupil_name = serializers.CharField()
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    report_status = serializers.ChoiceField(choices=ReportableAbsence.Status.choices)
    window_start = serializers.DateField()
    trigger_date = serializers.DateField(help_text="The day the pupil became meldplichtig.")
    unauthorised_hours = serializers.DecimalField(max_digits=7, decimal_places=2)
    report_due = serializers.DateField(
        allow_null=True, help_text="DUO report due (5 working days, ABS-01)."
    )
    evidence = EvidenceSerializer(many=True)


def _item(reportable: ReportableAbsence, name: str) -> dict[str, Any]:
    return {
        "id": reportable.pk,
        "case": reportable.case_id,
        "pupil_name": name,
        "reason": reportable.reason,
        "report_status": reportable.status,
        "window_start": reportable.window_start,
        "trigger_date": reportable.trigger_date,
        "unauthorised_hours": reportable.unauthorised_hours,
        "report_due": reportable.term.due_date if reportable.term else None,
        "evidence": [
            {"date": e.date, "hours": e.hours, "kind": e.kind, "reason_code": e.reason_code}
            for e in reportable.evidence.all()
        ],
    }


class ReportableViewSet(viewsets.GenericViewSet):
    queryset = ReportableAbsence.objects.none()  # reads go through attendance.selectors
    serializer_class = ReportableSerializer
    pagination_class = None

    @extend_schema(
        summary="Meldplichtige leerlingen (ABS-01)",
        description="For a school's support coordinator: the school's pupils who are "
        "meldplichtig (16 hours in 4 lesson weeks, more than 4 weeks, or overig verzuim), with "
        "evidence and the DUO-report due date. For other roles: the signals on attendance cases "
        "the caller takes part in, where the access policy lets them see absence data. Each "
        "pupil returned is written to the access log. At most 500.",
        parameters=[
            OpenApiParameter(
                "status", enum=["open", "reported", "all"], required=False, default="open"
            )
        ],
        responses={200: ReportableSerializer(many=True)},
        tags=["attendance"],
    )
    def list(self, request: Request) -> Response:
        membership = getattr(request, "membership", None)
        status = request.query_params.get("status", "open")
        if status not in ("open", "reported", "all"):
            status = "open"
        if (
            membership is not None
            and membership.role == Role.SUPPORT_COORDINATOR
            and membership.organisation.kind == OrganisationKind.SCHOOL
        ):
            rows = selectors.reportables_for_school(
                request, membership.organisation, status="" if status == "all" else status
            )
            items = [_item(r, r.pupil.full_name) for r in rows]
        else:
            items = [
                _item(r, row.display_name)
                for r, row in selectors.reportables_in_cases(request)
                if status == "all" or r.status == status
            ]
        return Response(ReportableSerializer(items, many=True).data)
