"""Informatiepunt screens, under /informatiepunt/."""

from django.urls import path

from passend.inquiries import views

app_name = "inquiries"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("nieuw/", views.create, name="create"),
    path("<int:inquiry_id>/", views.detail, name="detail"),
    path("<int:inquiry_id>/<slug:name>/", views.action, name="action"),
]
