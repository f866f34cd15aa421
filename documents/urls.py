from django.urls import path

from documents import views

app_name = "documents"
urlpatterns = [
    path("files/<int:pk>/", views.download, name="download"),
    path("documents/<int:pk>/", views.detail, name="detail"),
    path("notes/<int:pk>/", views.note_change, name="note_change"),
]
