"""Professional screens of the digital application form, under /aanmeldingen/."""

from django.urls import path

from passend.intake import views

app_name = "intake"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:submission_id>/", views.detail, name="detail"),
    path("<int:submission_id>/bijlagen/<int:file_id>/", views.download, name="download"),
    path("<int:submission_id>/<slug:name>/", views.decide, name="decide"),
    path("formulieren/", views.form_list, name="form_list"),
    path("formulieren/nieuw/", views.form_create, name="form_create"),
    path("formulieren/<int:form_id>/", views.form_edit, name="form_edit"),
    path("formulieren/<int:form_id>/status/", views.form_status, name="form_status"),
    path("formulieren/<int:form_id>/vragen/nieuw/", views.field_edit, name="field_create"),
    path("formulieren/<int:form_id>/vragen/<int:field_id>/", views.field_edit, name="field_edit"),
    path(
        "formulieren/<int:form_id>/vragen/<int:field_id>/verwijderen/",
        views.field_delete,
        name="field_delete",
    ),
    path("formulieren/<int:form_id>/bijlagen/nieuw/", views.rule_create, name="rule_create"),
    path(
        "formulieren/<int:form_id>/bijlagen/<int:rule_id>/verwijderen/",
        views.rule_delete,
        name="rule_delete",
    ),
    path("trajecten/<int:case_id>/aanleverlinks/", views.case_links, name="case_links"),
    path(
        "trajecten/<int:case_id>/aanleverlinks/<int:link_id>/intrekken/",
        views.link_revoke,
        name="link_revoke",
    ),
]
