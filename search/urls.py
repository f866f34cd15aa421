from django.urls import path

from search import views

# Public: the published resolutions search (included in site/ecabinet/urls.py).
urlpatterns = [
    path("", views.public_search_view, name="search_public"),
]
