"""/fg/: the privacy officer's console. Keeps the namespace of the first FG page (consent)."""

from django.urls import path

from passend.consent import privacy_officer
from passend.fg import views

app_name = "privacy_officer"

urlpatterns = [
    path("", views.index, name="index"),
    path("zwaarwegend-belang/", views.justifications, name="justifications"),
    path(
        "zwaarwegend-belang/<int:pk>/beoordeeld/",
        privacy_officer.justification_reviewed,
        name="justification_reviewed",
    ),
    path("noodtoegang/", views.break_glass, name="break_glass"),
    path(
        "noodtoegang/<int:pk>/beoordeeld/",
        views.break_glass_reviewed,
        name="break_glass_reviewed",
    ),
    path("verzoeken-te-laat/", views.overdue_requests, name="overdue_requests"),
    path("afwijkingen/", views.anomaly_list, name="anomalies"),
    path("toegangslog/", views.log_search, name="log_search"),
    path("vernietiging/", views.deletions, name="deletions"),
    path("bewaarplicht/", views.legal_holds, name="legal_holds"),
    path("bewaarplicht/<int:pk>/opheffen/", views.legal_hold_lift, name="legal_hold_lift"),
    path("registers/verwerkingen/", views.register_processing, name="register_processing"),
    path(
        "registers/verwerkingen/csv/",
        views.register_processing_csv,
        name="register_processing_csv",
    ),
    path(
        "registers/verwerkingen/pdf/",
        views.register_processing_pdf,
        name="register_processing_pdf",
    ),
    path("registers/toegang/", views.register_access, name="register_access"),
    path("registers/toegang/csv/", views.register_access_csv, name="register_access_csv"),
    path("registers/toegang/pdf/", views.register_access_pdf, name="register_access_pdf"),
    path("registers/pdf/", views.register_pdfs, name="register_pdfs"),
    path("registers/pdf/<int:pk>/", views.register_pdf_download, name="register_pdf_download"),
]
