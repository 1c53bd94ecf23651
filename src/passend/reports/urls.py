"""Dashboards and management reports, under /rapportages/."""

from django.urls import path

from passend.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("mijn-werk/", views.dashboard, name="dashboard"),
    path("tlv/", views.report, {"report": "tlv"}, name="tlv"),
    path("arrangementen/", views.report, {"report": "arrangementen"}, name="arrangementen"),
    path("thuiszitters/", views.report, {"report": "thuiszitters"}, name="thuiszitters"),
    path("verzuim/", views.report, {"report": "verzuim"}, name="verzuim"),
    path("informatiepunt/", views.report, {"report": "informatiepunt"}, name="informatiepunt"),
]
