"""Document screens of a case, under /trajecten/<case_id>/documenten/."""

from django.urls import path

from passend.documents import views

app_name = "documents"

urlpatterns = [
    path("<int:case_id>/documenten/", views.document_list, name="list"),
    path("<int:case_id>/documenten/<int:pk>/download/", views.download, name="download"),
    path("<int:case_id>/documenten/<int:pk>/bekijken/", views.preview, name="preview"),
    path("<int:case_id>/documenten/<int:pk>/controle/", views.review, name="review"),
    path("<int:case_id>/documenten/<int:pk>/delen/", views.shareable, name="shareable"),
]
