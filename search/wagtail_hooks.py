from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from search import views


@hooks.register("register_admin_urls")
def archive_search_urls():
    return [
        path("archive/", views.archive_search_view, name="search_archive"),
        path(
            "archive/legal/<int:pk>/",
            views.legal_document_view,
            name="search_legal_document",
        ),
    ]


@hooks.register("register_admin_menu_item")
def archive_search_menu_item():
    # Every signed-in user may search: each sees only what they may open.
    return MenuItem(
        _("Archive search"),
        reverse("search_archive"),
        name="ecabinet-archive-search",
        icon_name="search",
        order=60,
    )
