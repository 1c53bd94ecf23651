from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from passend.accounts.api import MeView
from passend.arrangements.api import ArrangementViewSet
from passend.attendance.api import ReportableViewSet
from passend.cases.api import CaseViewSet
from passend.consultations import api as consultations_api
from passend.correspondence.api import CaseMessagesView
from passend.documents.api import DocumentViewSet
from passend.inquiries.api import InquiryViewSet
from passend.tlv.api import TlvApplicationViewSet

router = SimpleRouter()
router.register("arrangements", ArrangementViewSet, basename="arrangement")
router.register("inquiries", InquiryViewSet, basename="inquiry")
router.register("cases", CaseViewSet, basename="case")
router.register("attendance/reportable", ReportableViewSet, basename="attendance-reportable")
router.register("tlv/applications", TlvApplicationViewSet, basename="tlv-application")
router.register(r"cases/(?P<case_id>[0-9]+)/documents", DocumentViewSet, basename="case-document")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its init script from our own URL: no inline script (CSP).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("me/", MeView.as_view(), name="api-me"),
    path("meetings/", consultations_api.MeetingListView.as_view(), name="api-meetings"),
    path("meetings/<int:pk>/", consultations_api.MeetingDetailView.as_view(), name="api-meeting"),
    path("cases/<int:case_id>/plan/", consultations_api.PlanView.as_view(), name="api-plan"),
    path(
        "cases/<int:case_id>/plan/actions/",
        consultations_api.PlanActionsView.as_view(),
        name="api-plan-actions",
    ),
    path(
        "cases/<int:case_id>/plan/actions/<int:action_id>/",
        consultations_api.PlanActionStatusView.as_view(),
        name="api-plan-action",
    ),
    path("cases/<int:case_id>/messages/", CaseMessagesView.as_view(), name="api-case-messages"),
    *router.urls,
]
