from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup, modeladmin_register

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
