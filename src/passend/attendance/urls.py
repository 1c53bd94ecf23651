"""Attendance screens, under /verzuim/."""

from django.urls import path

from passend.attendance import views

app_name = "attendance"

urlpatterns = [
    path("", views.index, name="index"),
    path("importeren/", views.import_upload, name="import_upload"),
    path("importeren/<int:pk>/", views.import_detail, name="import_detail"),
    path("importeren/<int:pk>/voortgang/", views.import_progress, name="import_progress"),
    path("registreren/", views.absence_create, name="absence_create"),
    path("ziekteverzuim-weigering/", views.contact_refusal, name="contact_refusal"),
    path("meldplichtig/", views.reportables, name="reportables"),
    path("meldplichtig/<int:pk>/melden/", views.duo_report, name="duo_report"),
    path("dossier/<int:case_id>/", views.case_detail, name="case"),
    path("dossier/<int:case_id>/notitie/", views.officer_note, name="officer_note"),
    path("preventief/", views.preventive, name="preventive"),
    path("thuiszitters/", views.home_stays, name="home_stays"),
    path("thuiszitters/nieuw/", views.home_stay_create, name="home_stay_create"),
    path("thuiszitters/export/", views.inspectie_export, name="inspectie_export"),
    path("thuiszitters/<int:case_id>/wijzigen/", views.home_stay_edit, name="home_stay_edit"),
]
