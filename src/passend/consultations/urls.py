"""Screens of case consultation, under /overleg/."""

from django.urls import path

from passend.consultations import views

app_name = "consultations"

urlpatterns = [
    path("", views.meeting_list, name="meetings"),
    path("nieuw/", views.meeting_create, name="meeting_create"),
    path("<int:pk>/", views.meeting_detail, name="meeting"),
    path("<int:pk>/wijzigen/", views.meeting_edit, name="meeting_edit"),
    path("<int:pk>/gehouden/", views.meeting_status, {"status": "held"}, name="meeting_held"),
    path(
        "<int:pk>/annuleren/", views.meeting_status, {"status": "cancelled"}, name="meeting_cancel"
    ),
    path("<int:pk>/uitnodiging.ics", views.meeting_ics_view, name="meeting_ics"),
    path("<int:pk>/verslag.txt", views.meeting_export, name="meeting_export"),
    path("<int:pk>/agendapunten/nieuw/", views.item_create, name="item_create"),
    path("<int:pk>/agendapunten/<int:item_id>/verslag/", views.minutes_edit, name="minutes"),
    path(
        "<int:pk>/agendapunten/<int:item_id>/ouders-geinformeerd/",
        views.item_orally_informed,
        name="orally_informed",
    ),
    path("soorten/", views.kind_list, name="kinds"),
    path("soorten/nieuw/", views.kind_edit, name="kind_create"),
    path("soorten/<int:pk>/", views.kind_detail, name="kind"),
    path("soorten/<int:pk>/bijlage-3.pdf", views.kind_pdf, name="kind_pdf"),
    path("soorten/<int:pk>/wijzigen/", views.kind_edit, name="kind_edit"),
    path("soorten/<int:pk>/overnemen/", views.kind_adopt, name="kind_adopt"),
    path("soorten/<int:pk>/afwijking/", views.kind_deviation, name="kind_deviation"),
    path("mijn-acties/", views.my_actions, name="my_actions"),
    path("trajecten/<int:case_id>/plan/", views.plan_detail, name="plan"),
    path("trajecten/<int:case_id>/plan/nieuw/", views.plan_create, name="plan_create"),
    path("trajecten/<int:case_id>/plan/doelen/nieuw/", views.goal_create, name="goal_create"),
    path("trajecten/<int:case_id>/plan/acties/nieuw/", views.action_create, name="action_create"),
    path(
        "trajecten/<int:case_id>/plan/acties/<int:action_id>/status/",
        views.action_status,
        name="action_status",
    ),
    path("trajecten/<int:case_id>/plan/voortgang/", views.progress_create, name="progress_create"),
    path("trajecten/<int:case_id>/plan/evaluatie/", views.plan_evaluate, name="plan_evaluate"),
    path("trajecten/<int:case_id>/plan/opschalen/", views.escalation_create, name="escalate"),
    path(
        "trajecten/<int:case_id>/plan/opschalen/<int:escalation_id>/uitkomst/",
        views.escalation_outcome,
        name="escalation_outcome",
    ),
    path("trajecten/<int:case_id>/namen/nieuw/", views.known_name_create, name="known_name"),
    path("trajecten/<int:case_id>/opp/", views.opp_edit, name="opp_edit"),
    path("trajecten/<int:case_id>/opp/instemming/", views.opp_agreement, name="opp_agreement"),
    path("trajecten/<int:case_id>/opp/leerling/", views.opp_pupil_view, name="opp_pupil_view"),
    path("trajecten/<int:case_id>/opp/vaststellen/", views.opp_finalise, name="opp_finalise"),
    path("trajecten/<int:case_id>/opp/evaluatie/", views.opp_evaluate, name="opp_evaluate"),
]
