from django.urls import path

from passend.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("inloggen/", views.sign_in, name="sign_in"),
    path("inloggen/link/<str:token>/", views.link, name="link"),
    path("afmelden/", views.sign_out, name="sign_out"),
    path("leerling/<int:pupil_id>/", views.pupil, name="pupil"),
    path("leerling/<int:pupil_id>/wie-keek-mee/", views.who_viewed, name="who_viewed"),
    path("leerling/<int:pupil_id>/zienswijze/", views.statement, name="statement"),
    path(
        "leerling/<int:pupil_id>/toestemming/intrekken/",
        views.revoke_consent,
        name="revoke_consent",
    ),
    path(
        "leerling/<int:pupil_id>/toestemming/geven/",
        views.approve_consent,
        name="approve_consent",
    ),
    path("leerling/<int:pupil_id>/ouders/toestaan/", views.allow_guardian, name="allow_guardian"),
    path(
        "leerling/<int:pupil_id>/ouders/intrekken/",
        views.disallow_guardian,
        name="disallow_guardian",
    ),
    path("leerling/<int:pupil_id>/verzoek/", views.subject_request, name="request"),
]
