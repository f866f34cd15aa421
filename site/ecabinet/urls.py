from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cabinet import views as cabinet_views
from ecabinet import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("i18n/setlang/", cabinet_views.language_switch, name="set_language"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("dossier/", include("documents.urls")),
    # --- Archive search: the public resolutions search ---
    path("tra-cuu/", include("search.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# --- Resolutions: public portal extras, API v2, sitemap ------------------------------
from wagtail.contrib.sitemaps.views import sitemap  # noqa: E402

from cabinet.resolutions.api import api_router  # noqa: E402

urlpatterns += [
    path("", include("cabinet.resolutions.urls")),
    path("api/v2/", api_router.urls),
    path("sitemap.xml", sitemap, name="sitemap"),
]
# --- end resolutions -------------------------------------------------------------------

# --- Members' apps: the JSON API, version 1 (cabinet/api) ----------------------------
from django.urls import re_path  # noqa: E402

from cabinet.api import api as api_v1  # noqa: E402
from cabinet.api import views as api_views  # noqa: E402

urlpatterns += [
    path("api/", api_views.index, name="api_index"),
    path("api/v1/", api_v1.urls),
    re_path(r"^api/", api_views.not_found),
]
# --- end API ---------------------------------------------------------------------------

urlpatterns += [path("", include(wagtail_urls))]
