from django.contrib.admin import display
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.action_menu import ActionMenuItem
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import ListingButton
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup, modeladmin_register

from cabinet import notification_views
from cabinet.audit import ACTIONS
from cabinet.models import Delivery, Ministry, Person


class MinistryAdmin(ModelAdmin):
    model = Ministry
    menu_label = _("Ministries")
    menu_icon = "group"
    list_display = ("name", "kind", "code", "focal_group")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    ordering = ("sort_order",)


class PersonAdmin(ModelAdmin):
    model = Person
    menu_label = _("People")
    menu_icon = "user"
    list_display = ("__str__", "ministry", "phone")
    list_filter = ("ministry",)
    search_fields = (
        "user__first_name",
        "user__last_name",
        "position",
        "user__username",
    )
    ordering = ("protocol_order",)


@modeladmin_register
class GovernmentAdminGroup(ModelAdminGroup):
    menu_label = _("Government")
    menu_icon = "site"
    menu_order = 200
    items = (PersonAdmin, MinistryAdmin)


@hooks.register("construct_main_menu")
def hide_wagtail_help_menu(request, menu_items):
    """Wagtail's help menu links to wagtail.org; members need e-Cabinet's own help."""
    menu_items[:] = [item for item in menu_items if item.name != "help"]


@hooks.register("register_log_actions")
def register_audit_actions(actions):
    for action, (label, message) in ACTIONS.items():
        actions.register_action(action, label, message)


@hooks.register("register_admin_urls")
def two_factor_urls():
    from cabinet import account_views

    return [
        path(
            "account/two-factor/", account_views.two_factor, name="ecabinet_two_factor"
        ),
        path(
            "account/two-factor/reset/<int:user_id>/",
            account_views.two_factor_reset,
            name="ecabinet_two_factor_reset",
        ),
    ]


@hooks.register("register_account_menu_item")
def two_factor_account_item(request):
    return {
        "url": reverse("ecabinet_two_factor"),
        "label": _("Two-step verification"),
        "help_text": _("Your authenticator app and backup codes."),
    }


@hooks.register("register_user_listing_buttons")
def two_factor_reset_button(user, request_user):
    if not request_user.has_perm("auth.change_user"):
        return []
    return [
        ListingButton(
            _("Reset two-step verification"),
            url=reverse("ecabinet_two_factor_reset", args=[user.pk]),
            priority=90,
        )
    ]


# --- The apps' signed-in devices (API tokens) ------------------------------------


@hooks.register("register_admin_urls")
def device_urls():
    from cabinet.api import admin_views

    return [
        path("devices/", admin_views.device_list, name="ecabinet_devices"),
        path(
            "devices/<int:token_id>/revoke/",
            admin_views.device_revoke,
            name="ecabinet_device_revoke",
        ),
    ]


class SuperuserMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


@hooks.register("register_settings_menu_item")
def devices_menu_item():
    """Wagtail's own API tokens (wagtail.api.v3) are not installed: the apps' tokens
    are ours, issued after a one-time code and expiring."""
    return SuperuserMenuItem(
        _("Devices signed in to the app"),
        reverse("ecabinet_devices"),
        name="ecabinet-devices",
        icon_name="mobile-alt",
        order=610,
    )


@hooks.register("register_user_listing_buttons")
def devices_button(user, request_user):
    if not request_user.is_superuser:
        return []
    return [
        ListingButton(
            _("App devices"),
            url=reverse("ecabinet_devices") + f"?user={user.pk}",
            priority=95,
        )
    ]


# --- Notifications ---------------------------------------------------------------


@modeladmin_register
class DeliveryAdmin(ModelAdmin):
    """The delivery report: who was told what way, and what failed. Read-only; a
    failed delivery can be resent by the staff who follow deliveries up."""

    model = Delivery
    menu_label = _("Delivery report")
    menu_icon = "clipboard-list"
    menu_order = 210
    permission_helper_class = notification_views.DeliveryPermissionHelper
    button_helper_class = notification_views.DeliveryButtonHelper
    index_template_name = "cabinet/notifications_admin/delivery_index.html"
    history_view_enabled = False
    list_display = (
        "created",
        "recipient_name",
        "channel",
        "address",
        "status",
        "attempts",
        "error",
    )
    list_filter = ("channel", "status", "created_at")
    list_select_related = ("notification__recipient",)
    list_per_page = 50
    search_fields = (
        "notification__recipient__first_name",
        "notification__recipient__last_name",
        "notification__recipient__username",
        "address",
    )
    ordering = ("-created_at", "-pk")

    def get_list_display(self, request):
        if request.user.has_perm("cabinet.change_delivery"):
            return (*self.list_display, "resend")
        return self.list_display

    @display(description=_("created"), ordering="created_at")
    def created(self, delivery):
        return date_format(localtime(delivery.created_at), "SHORT_DATETIME_FORMAT")

    @display(description=_("recipient"), ordering="notification__recipient__last_name")
    def recipient_name(self, delivery):
        recipient = delivery.notification.recipient
        return recipient.get_full_name() or recipient.get_username()

    @display(description=_("last error"), empty_value="")
    def error(self, delivery):
        return notification_views.short_error(delivery)

    error.allow_tags = True

    @display(description=_("Actions"), empty_value="")
    def resend(self, delivery):
        return notification_views.resend_button(delivery)

    resend.allow_tags = True


@hooks.register("register_admin_urls")
def notification_urls():
    views = notification_views
    return [
        path("notifications/", views.notification_list, name="ecabinet_notifications"),
        path(
            "notifications/read-all/",
            views.notification_read_all,
            name="ecabinet_notifications_read_all",
        ),
        path(
            "notifications/<int:notification_id>/read/",
            views.notification_read,
            name="ecabinet_notification_read",
        ),
        path(
            "notifications/deliveries/<int:delivery_id>/resend/",
            views.delivery_resend_view,
            name="ecabinet_delivery_resend",
        ),
        path(
            "account/notifications/",
            views.notification_preferences,
            name="ecabinet_notification_preferences",
        ),
    ]


@hooks.register("register_admin_menu_item")
def notifications_menu_item():
    return notification_views.NotificationsMenuItem(
        _("Notifications"),
        reverse("ecabinet_notifications"),
        name="ecabinet-notifications",
        icon_name="mail",
        order=50,
    )


@hooks.register("construct_homepage_panels")
def notifications_panel(request, panels):
    panels.append(notification_views.UnreadNotificationsPanel(request.user))


@hooks.register("register_account_menu_item")
def notification_preferences_account_item(request):
    return {
        "url": reverse("ecabinet_notification_preferences"),
        "label": _("Notification preferences"),
        "help_text": _("E-mail, SMS, quiet hours and copies to your assistants."),
    }


# --- Sessions ------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def session_urls():
    from cabinet.sessions import admin_views

    return [
        path("sessions/", admin_views.sessions_index, name="ecabinet_sessions"),
        path(
            "sessions/<int:session_id>/composition/",
            admin_views.composition,
            name="ecabinet_session_composition",
        ),
        path("dossiers/", admin_views.dossier_desk, name="ecabinet_dossier_desk"),
    ]


class _PolicyMenuItem(MenuItem):
    def __init__(self, *args, visible_if, **kwargs):
        super().__init__(*args, **kwargs)
        self._visible_if = visible_if

    def is_shown(self, request):
        return self._visible_if(request.user)


def _prepares_dossiers(user) -> bool:
    from cabinet.permissions import Action, cabinet_policy

    if cabinet_policy.user_has_permission(user, Action.MANAGE_SESSION):
        return True
    ministries = Ministry.objects.filter(
        pk__in=cabinet_policy._standing(user).focal_ministry_ids
    )
    return any(
        cabinet_policy.user_has_permission(user, Action.UPLOAD_DOSSIER, m)
        for m in ministries
    )


@hooks.register("register_admin_menu_item")
def sessions_menu_item():
    from cabinet.permissions import Action, cabinet_policy

    return _PolicyMenuItem(
        _("Sessions"),
        reverse("ecabinet_sessions"),
        icon_name="date",
        order=150,
        visible_if=lambda u: cabinet_policy.user_has_permission(
            u, Action.MANAGE_SESSION
        ),
    )


@hooks.register("register_admin_menu_item")
def dossier_desk_menu_item():
    return _PolicyMenuItem(
        _("Dossiers"),
        reverse("ecabinet_dossier_desk"),
        icon_name="doc-full-inverse",
        order=160,
        visible_if=_prepares_dossiers,
    )


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def session_page_saved(request, page):
    """Side effects of saving session pages in the editor: default composition and
    the presenting ministry's access to its item (both services)."""
    from cabinet.models import AgendaItemPage, SessionPage
    from cabinet.sessions.services import (
        agenda_item_access_sync,
        session_composition_default,
    )

    specific = page.specific
    if isinstance(specific, SessionPage):
        session_composition_default(session=specific, user=request.user)
    elif isinstance(specific, AgendaItemPage):
        agenda_item_access_sync(item=specific)


# --- Resolutions -------------------------------------------------------------------------
@hooks.register("register_admin_urls")
def resolution_urls():
    from cabinet.resolutions import admin_views

    return [
        path(
            "resolutions/<int:page_id>/sign/",
            admin_views.sign,
            name="resolution_sign",
        ),
        path(
            "resolutions/<int:page_id>/signed/",
            admin_views.signed,
            name="ecabinet_resolution_signed",
        ),
        path(
            "resolutions/<int:page_id>/draft.pdf",
            admin_views.draft_pdf,
            name="ecabinet_resolution_draft_pdf",
        ),
        path(
            "resolutions/draft-from-result/",
            admin_views.draft_from_result,
            name="ecabinet_resolution_draft_from_result",
        ),
    ]


class _SignResolutionMenuItem(ActionMenuItem):
    """The signature step's action: a link to the signing page (one-time code)."""

    name = "action-sign-resolution"
    label = _("Sign with a one-time code…")
    icon_name = "key"

    def __init__(self, page_id, order=0):
        super().__init__(order=order)
        self.page_id = page_id

    def get_url(self, parent_context):
        return reverse("resolution_sign", args=[self.page_id])


@hooks.register("construct_page_action_menu")
def resolution_action_menu(menu_items, request, context):
    """A resolution is published by its signature only: no Publish button before it,
    and the "sign" workflow action opens the signing page instead of posting."""
    from cabinet.models import ResolutionPage

    page = context.get("page")
    if not isinstance(page, ResolutionPage):
        return
    kept = []
    for item in menu_items:
        if item.name == "action-publish" and not page.is_signed:
            continue
        if item.name == "sign":
            kept.append(_SignResolutionMenuItem(page.pk, order=item.order))
            continue
        kept.append(item)
    menu_items[:] = kept


# --- Live session and e-voting (issue 7) ------------------------------------------


@hooks.register("register_admin_urls")
def voting_urls():
    from cabinet.voting import views

    return [
        path(
            "sessions/<int:session_id>/run/",
            views.console,
            name="ecabinet_session_console",
        ),
        path(
            "sessions/<int:session_id>/live/",
            views.live,
            name="ecabinet_session_live",
        ),
        path(
            "sessions/<int:session_id>/live/state/",
            views.state,
            name="ecabinet_session_state",
        ),
        path(
            "sessions/<int:session_id>/projector/",
            views.projector,
            name="ecabinet_session_projector",
        ),
        path(
            "sessions/<int:session_id>/minutes/",
            views.minutes,
            name="ecabinet_session_minutes",
        ),
        path(
            "sessions/<int:session_id>/minutes.pdf",
            views.minutes_download,
            name="ecabinet_session_minutes_pdf",
        ),
        path(
            "sessions/<int:session_id>/analytics/",
            views.analytics,
            name="ecabinet_session_analytics",
        ),
        path(
            "sessions/analytics/",
            views.analytics,
            name="ecabinet_sessions_analytics",
        ),
        path(
            "polls/<int:poll_id>/receipt/",
            views.receipt,
            name="ecabinet_poll_receipt",
        ),
    ]


# --- Opinion ballots -------------------------------------------------------------------


@hooks.register("register_admin_urls")
def ballot_urls():
    from cabinet.ballots import views

    return [
        path("ballots/", views.ballot_list, name="ecabinet_ballots"),
        path("ballots/<int:ballot_id>/", views.ballot_detail, name="ecabinet_ballot"),
        path(
            "ballots/<int:ballot_id>/answer/",
            views.ballot_answer_view,
            name="ecabinet_ballot_answer",
        ),
        path(
            "ballots/<int:ballot_id>/documents/",
            views.ballot_document_upload_view,
            name="ecabinet_ballot_document_upload",
        ),
        path(
            "ballots/<int:ballot_id>/submit/",
            views.ballot_submit_view,
            name="ecabinet_ballot_submit",
        ),
        path(
            "ballots/<int:ballot_id>/review/<str:action>/",
            views.ballot_review_view,
            name="ecabinet_ballot_review",
        ),
        path(
            "ballots/<int:ballot_id>/board/",
            views.ballot_board_view,
            name="ecabinet_ballot_board",
        ),
        path(
            "ballots/<int:ballot_id>/remind/",
            views.ballot_remind_view,
            name="ecabinet_ballot_remind",
        ),
        path(
            "ballots/<int:ballot_id>/withdraw/",
            views.ballot_withdraw_view,
            name="ecabinet_ballot_withdraw",
        ),
        path(
            "ballots/<int:ballot_id>/report.pdf",
            views.ballot_report_pdf,
            name="ecabinet_ballot_report_pdf",
        ),
        path(
            "ballots/<int:ballot_id>/report.csv",
            views.ballot_report_csv,
            name="ecabinet_ballot_report_csv",
        ),
    ]


class BallotsMenuItem(MenuItem):
    def is_shown(self, request):
        from cabinet.ballots.permissions import ballot_policy

        return ballot_policy.user_has_permission(request.user, "view")


@hooks.register("register_admin_menu_item")
def ballots_menu_item():
    return BallotsMenuItem(
        _("Opinion ballots"),
        reverse("ecabinet_ballots"),
        name="ecabinet-ballots",
        icon_name="tasks",
        order=40,
    )


class _ReadingRoomMenuItem(MenuItem):
    """Found at each request: the sessions index may be created after start-up."""

    @property
    def url(self):
        from cabinet.models import SessionIndexPage

        index = SessionIndexPage.objects.live().first()
        return index.url if index is not None else ""

    @url.setter
    def url(self, value):
        pass

    def is_shown(self, request):
        from cabinet.sessions.selectors import user_reads_sessions

        return bool(self.url) and user_reads_sessions(request.user)


@hooks.register("register_admin_menu_item")
def reading_room_menu_item():
    """Members, assistants and the secretariat reach the reading room from the admin."""
    return _ReadingRoomMenuItem(
        _("Reading room"), "", name="reading-room", icon_name="doc-full", order=140
    )
