from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import ListingButton
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup, modeladmin_register

from cabinet.audit import ACTIONS
from cabinet.models import Ministry, Person


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
