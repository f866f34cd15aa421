"""The notification screens of the admin: the delivery report, the user's own
notifications (list, dashboard panel, menu item) and their preferences.

Views stay thin: they parse, call a service of ``cabinet.notifications``, render.
A user only ever reaches their own notifications: every query and every write here
is filtered by ``recipient=request.user``, so another user's id gives a 404.
"""

from __future__ import annotations

from datetime import time
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from wagtail.admin.menu import MenuItem
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.sidebar import LinkMenuItem
from wagtail.admin.widgets import AdminTimeInput
from wagtail_modeladmin.helpers import ButtonHelper, PermissionHelper

from cabinet.models import Delivery, Notification, NotificationPreference
from cabinet.notifications import (
    delivery_resend,
    notification_mark_read,
    unread_count,
)
from cabinet.notifications.services import preference_for, quiet_hours_set

TEMPLATES = "cabinet/notifications_admin"
PER_PAGE = 25
PANEL_SIZE = 5
RESEND_FORM_ID = "ecabinet-resend-form"
QUIET_HOURS_HALF = gettext_lazy(
    "Give both the start and the end of the quiet hours, or leave both empty."
)


# --- Delivery report -----------------------------------------------------------


class DeliveryPermissionHelper(PermissionHelper):
    """The report is read-only: deliveries are written by the queue, never by hand.

    Viewing needs ``view_delivery``; resending is a separate action whose service
    checks ``change_delivery`` itself.
    """

    def user_can_list(self, user) -> bool:
        return user.has_perm("cabinet.view_delivery")

    def user_can_create(self, user) -> bool:
        return False

    def user_can_inspect_obj(self, user, obj) -> bool:
        return False

    def user_can_edit_obj(self, user, obj) -> bool:
        return False

    def user_can_delete_obj(self, user, obj) -> bool:
        return False


class DeliveryButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, **kwargs) -> list:
        return []

    def get_primary_button(self, obj):
        return None


def resend_button(delivery: Delivery) -> str:
    """A submit button for the report's one hidden POST form (``form=`` attribute),
    so each row needs no form and no CSRF token of its own."""
    if delivery.status != Delivery.Status.FAILED:
        return ""
    return format_html(
        '<button type="submit" form="{}" formaction="{}" '
        'class="button button-small button-secondary">{}</button>',
        RESEND_FORM_ID,
        reverse("ecabinet_delivery_resend", args=[delivery.pk]),
        _("Resend"),
    )


def short_error(delivery: Delivery) -> str:
    if not delivery.last_error:
        return ""
    return format_html(
        '<span title="{}">{}</span>',
        Truncator(delivery.last_error).chars(500),
        Truncator(delivery.last_error).chars(60),
    )


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_POST
def delivery_resend_view(request, delivery_id: int):
    delivery = get_object_or_404(
        Delivery.objects.select_related("notification"), pk=delivery_id
    )
    failed = delivery.status == Delivery.Status.FAILED
    # Called even when not failed: the service is where staff are told from others,
    # and it leaves a delivery that has not failed alone.
    delivery_resend(delivery=delivery, actor=request.user, request=request)
    if failed:
        messages.success(
            request,
            _("The message to %(address)s will be sent again.")
            % {"address": delivery.address},
        )
    else:
        messages.warning(
            request,
            _("The message to %(address)s has not failed; it was not resent.")
            % {"address": delivery.address},
        )
    return redirect(_safe_next(request, reverse("cabinet_delivery_modeladmin_index")))


# --- The user's own notifications ---------------------------------------------


def own_notifications(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).only(
        "pk", "subject", "short", "link", "created_at", "read_at", "urgency"
    )


def latest_unread(user, limit: int = PANEL_SIZE) -> list[Notification]:
    return list(own_notifications(user).filter(read_at__isnull=True)[:limit])


def _link_allowed(request, link: str) -> bool:
    """Links are made by the system; still, never redirect off e-Cabinet."""
    hosts = {request.get_host(), urlsplit(settings.WAGTAILADMIN_BASE_URL).netloc}
    return bool(link) and url_has_allowed_host_and_scheme(link, allowed_hosts=hosts)


@require_GET
def notification_list(request):
    paginator = WagtailPaginator(own_notifications(request.user), PER_PAGE)
    page = paginator.get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        f"{TEMPLATES}/list.html",
        {
            "items": page,
            "elided_page_range": paginator.get_elided_page_range(page.number),
            "unread_count": unread_count(request.user),
        },
    )


@require_POST
def notification_read(request, notification_id: int):
    """Mark one of the user's notifications read, then follow its link."""
    notification = get_object_or_404(
        own_notifications(request.user), pk=notification_id
    )
    notification_mark_read(user=request.user, ids=[notification.pk])
    if _link_allowed(request, notification.link):
        return redirect(notification.link)
    return redirect(_safe_next(request, reverse("ecabinet_notifications")))


@require_POST
def notification_read_all(request):
    count = notification_mark_read(user=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked as read.",
                "%(count)d notifications marked as read.",
                count,
            )
            % {"count": count},
        )
    return redirect(_safe_next(request, reverse("ecabinet_notifications")))


class UnreadNotificationsPanel(Component):
    """The dashboard's "Notifications" panel: the unread count and the latest few."""

    name = "ecabinet_notifications"
    template_name = f"{TEMPLATES}/panel.html"
    order = 50

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        context.update(
            unread_count=unread_count(self.user),
            notifications=latest_unread(self.user),
            request=parent_context["request"],
            csrf_token=parent_context["csrf_token"],
        )
        return context


class NotificationsMenuItem(MenuItem):
    """ "Notifications (3)": menu items are built once per process, so the count is
    read per request, with one COUNT query, when the sidebar renders."""

    def is_shown(self, request) -> bool:
        return request.user.is_authenticated

    def render_component(self, request):
        count = unread_count(request.user)
        label = (
            _("Notifications (%(count)d)") % {"count": count}
            if count
            else _("Notifications")
        )
        return LinkMenuItem(
            self.name,
            label,
            self.url,
            icon_name=self.icon_name,
            classname=self.classname,
            attrs=self.attrs,
        )


# --- Preferences ---------------------------------------------------------------


@transaction.atomic
def notification_preference_update(
    *,
    user,
    email: bool,
    sms: bool,
    copy_assistants: bool,
    quiet_from: time | None,
    quiet_until: time | None,
) -> NotificationPreference:
    """Save what the user accepts; quiet hours go through ``quiet_hours_set``."""
    if (quiet_from is None) != (quiet_until is None):
        raise ValidationError(QUIET_HOURS_HALF)
    preference = preference_for(user)
    preference.email, preference.sms = email, sms
    preference.copy_assistants = copy_assistants
    preference.save(update_fields=["email", "sms", "copy_assistants"])
    quiet_hours_set(user=user, quiet_from=quiet_from, quiet_until=quiet_until)
    preference.refresh_from_db()
    return preference


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email", "sms", "quiet_from", "quiet_until", "copy_assistants"]
        widgets = {"quiet_from": AdminTimeInput, "quiet_until": AdminTimeInput}
        help_texts = {
            "quiet_until": gettext_lazy(
                "Leave both times empty to receive SMS at any hour."
            )
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_from"), data.get("quiet_until")
        if self.errors:
            return data
        if (start is None) != (end is None):
            missing = "quiet_until" if end is None else "quiet_from"
            self.add_error(missing, QUIET_HOURS_HALF)
        elif start is not None and start == end:
            self.add_error(
                "quiet_until",
                _("The quiet hours must end at a different time than they start."),
            )
        return data


@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    preference = preference_for(request.user)
    form = NotificationPreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        notification_preference_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("ecabinet_notification_preferences")
    return TemplateResponse(request, f"{TEMPLATES}/preferences.html", {"form": form})
