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

urlpatterns += [path("", include(wagtail_urls))]
