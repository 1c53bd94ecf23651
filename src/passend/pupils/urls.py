from django.urls import path

from passend.pupils import views

app_name = "pupils"

urlpatterns = [
    path("", views.index, name="index"),
    path("nieuw/", views.pupil_create, name="create"),
    path("importeren/", views.import_upload, name="import_upload"),
    path("importeren/<int:pk>/", views.import_detail, name="import_detail"),
    path("importeren/<int:pk>/voortgang/", views.import_progress, name="import_progress"),
]
