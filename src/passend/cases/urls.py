"""Screens of cases (trajecten), under /trajecten/."""

from django.urls import path

from passend.cases import views

app_name = "cases"


def _action(route: str, name: str) -> object:
    return path(route, views.case_action, {"action": name}, name=name)


urlpatterns = [
    path("", views.case_list, name="list"),
    path("nieuw/", views.case_create, name="create"),
    path("<int:pk>/", views.case_detail, name="detail"),
    _action("<int:pk>/deelnemers/nieuw/", "add_participant"),
    _action("<int:pk>/deelnemers/<int:object_id>/beeindigen/", "end_participant"),
    _action("<int:pk>/regisseurs/", "directors"),
    _action("<int:pk>/fase/", "phase"),
    _action("<int:pk>/hoorrecht/nieuw/", "hearing"),
    _action("<int:pk>/gegevens/nieuw/", "add_entry"),
    _action("<int:pk>/toestemming/nieuw/", "give_consent"),
    _action("<int:pk>/toestemming/<int:object_id>/intrekken/", "revoke_consent"),
    _action("<int:pk>/grondslagen/nieuw/", "legal_ground"),
    _action("<int:pk>/zwaarwegend-belang/nieuw/", "justification"),
]
