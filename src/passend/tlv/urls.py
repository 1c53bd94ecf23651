"""TLV screens, under /tlv/."""

from django.urls import path

from passend.tlv import views

app_name = "tlv"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("nieuw/", views.create, name="create"),
    path("duo-export/", views.duo_export, name="duo_export"),
    path("signalen/", views.signals, name="signals"),
    path("<int:case_id>/", views.detail, name="detail"),
    path("<int:case_id>/aanvraag/", views.edit, name="edit"),
    path("<int:case_id>/triage/", views.triage, name="triage"),
    path("<int:case_id>/besluit/", views.decide, name="decide"),
    path("<int:case_id>/brieven/<int:letter_id>/", views.letter, name="letter"),
    path("<int:case_id>/stap/<slug:name>/", views.action, name="action"),
]
