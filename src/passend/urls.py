from django.contrib import admin
from django.urls import include, path

from passend import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("passend.accounts.urls")),
    path("trajecten/", include("passend.cases.urls")),
    path("trajecten/", include("passend.documents.urls")),
    path("api/v1/", include("passend.api_urls")),
    path("leerlingen/", include("passend.pupils.urls")),
    path("fg/", include("passend.fg.urls")),
    path("noodtoegang/", include("passend.emergency.urls")),
    path("overleg/", include("passend.consultations.urls")),
    path("berichten/", include("passend.correspondence.urls")),
    path("tlv/", include("passend.tlv.urls")),
    path("verzuim/", include("passend.attendance.urls")),
    path("arrangementen/", include("passend.arrangements.urls")),
    path("informatiepunt/", include("passend.inquiries.urls")),
    path("privacy/", include("passend.privacy.urls")),
    path("rapportages/", include("passend.reports.urls")),
    path("aanmeldingen/", include("passend.intake.urls")),
    path("formulier/", include("passend.intake.public_urls")),
    path("portaal/", include("passend.portal.urls")),
    path("beheer/", admin.site.urls),
]

handler400 = "passend.views.bad_request"
handler403 = "passend.views.permission_denied"
handler404 = "passend.views.page_not_found"
handler500 = "passend.views.server_error"
