from django.urls import path

from cabinet.resolutions import views

urlpatterns = [
    path(
        "nghi-quyet/<int:page_id>/<str:file_name>",
        views.resolution_pdf,
        name="resolution_pdf",
    ),
    path("nghi-quyet/feed/rss/", views.ResolutionsFeed(), name="resolutions_rss"),
    path("nghi-quyet/feed/atom/", views.ResolutionsAtomFeed(), name="resolutions_atom"),
    path("xac-thuc/", views.verify, name="resolution_verify"),
]
