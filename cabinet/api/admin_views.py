"""The apps' signed-in devices in the admin: every device for administrators, and a
member's own devices on their account page; either may sign a device out.

Thin: the revocation is ``cabinet.api.tokens.token_revoke`` (owner or superuser,
audited). A device that is not the caller's is a 404 unless the caller is a
superuser, so ids of other people's devices tell nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from wagtail.admin.paginator import WagtailPaginator

from cabinet.api.tokens import token_revoke
from cabinet.models import DeviceToken
from cabinet.notification_views import _safe_next

PER_PAGE = 50


def _require_superuser(user) -> None:
    if not user.is_superuser:
        raise PermissionDenied


@require_GET
def device_list(request):
    """Every active device of every account, newest first; filter by person."""
    _require_superuser(request.user)
    tokens = (
        DeviceToken.objects.active()
        .select_related("user")
        .order_by("-created_at", "-pk")
    )
    query = request.GET.get("q", "").strip()[:100]
    if query:
        tokens = tokens.filter(
            Q(user__username__icontains=query)
            | Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
            | Q(device_name__icontains=query)
        )
    user_id = request.GET.get("user", "")
    if user_id.isdigit():
        tokens = tokens.filter(user_id=int(user_id))
    page = WagtailPaginator(tokens, PER_PAGE).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "cabinet/api/devices.html",
        {"tokens": page, "query": query},
    )


@require_POST
def device_revoke(request, token_id: int):
    if request.user.is_superuser:
        token = get_object_or_404(DeviceToken, pk=token_id)
        fallback = reverse("ecabinet_devices")
    else:
        token = get_object_or_404(DeviceToken, pk=token_id, user=request.user)
        fallback = reverse("ecabinet_two_factor")
    token_revoke(user=request.user, token=token, request=request)
    messages.success(
        request,
        _("%(device)s is signed out of the app.") % {"device": token.device_name},
    )
    return redirect(_safe_next(request, fallback))
