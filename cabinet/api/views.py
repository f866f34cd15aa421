"""The API's front door (``/api/``) and its JSON 404 for unknown paths."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cabinet.api.errors import error_response


@require_GET
def index(request):
    from django.http import JsonResponse

    return JsonResponse(
        {
            "v1": {
                "base": request.build_absolute_uri("/api/v1/"),
                "openapi": request.build_absolute_uri(reverse("api_v1:openapi-json")),
                "docs": request.build_absolute_uri(reverse("api_v1:openapi-view")),
                "about": _("The members' apps: sessions, dossiers, ballots, votes."),
            },
            "v2": {
                "base": request.build_absolute_uri("/api/v2/"),
                "about": _("Published resolutions (Wagtail's pages API)."),
            },
        },
        json_dumps_params={"ensure_ascii": False},
    )


def not_found(request):
    return error_response(
        404, "not_found", _("There is no such address in the API. See /api/.")
    )
