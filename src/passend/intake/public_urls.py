"""Public pages of the digital application form, under /formulier/ (no login; PRV-08 exempt
by design: see accounts.middleware.TWO_FACTOR_EXEMPT_PREFIXES). No personal data in a URL:
a form by its random public id, a delivery link by its random token."""

from django.urls import path

from passend.intake import views

app_name = "intake_public"

urlpatterns = [
    path("aanleveren/<str:token>/", views.deliver, name="deliver"),
    path("<str:public_id>/", views.public_form, name="form"),
]
