"""Screens of correspondence, under /berichten/."""

from django.urls import path

from passend.correspondence import views

app_name = "correspondence"

urlpatterns = [
    path("trajecten/<int:case_id>/", views.case_messages, name="messages"),
    path("trajecten/<int:case_id>/brieven/nieuw/", views.letter_create, name="letter_create"),
    path("trajecten/<int:case_id>/brieven/<int:pk>.pdf", views.letter_pdf, name="letter_pdf"),
]
