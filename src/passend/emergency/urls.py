from django.urls import path

from passend.emergency import views

app_name = "emergency"

urlpatterns = [path("", views.request_access, name="request")]
