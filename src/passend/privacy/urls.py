"""Subject-request screens, under /privacy/ (PRV-01..05)."""

from django.urls import path

from passend.privacy import views

app_name = "privacy"

urlpatterns = [
    path("verzoeken/", views.request_list, name="request_list"),
    path("verzoeken/nieuw/", views.request_create, name="request_create"),
    path("verzoeken/<int:request_id>/", views.request_detail, name="request_detail"),
    path("verzoeken/<int:request_id>/inzage.json", views.bundle_json, name="bundle_json"),
    path("verzoeken/<int:request_id>/inzage.pdf", views.bundle_pdf, name="bundle_pdf"),
    path("verzoeken/<int:request_id>/<slug:name>/", views.request_action, name="request_action"),
]
