"""Arrangement screens, under /arrangementen/."""

from django.urls import path

from passend.arrangements import views

app_name = "arrangements"

urlpatterns = [
    path("", views.overview, name="list"),
    path("nieuw/<int:kind_id>/", views.create, name="create"),
    path("<int:case_id>/", views.detail, name="detail"),
    path("<int:case_id>/oppakken/", views.take_up, name="take_up"),
    path("<int:case_id>/stap/<slug:name>/", views.action, name="action"),
]
