from django.urls import path

from passend.consent import privacy_officer

app_name = "privacy_officer"

urlpatterns = [
    path("zwaarwegend-belang/", privacy_officer.justification_list, name="justifications"),
    path(
        "zwaarwegend-belang/<int:pk>/beoordeeld/",
        privacy_officer.justification_reviewed,
        name="justification_reviewed",
    ),
]
