from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CabinetConfig(AppConfig):
    name = "cabinet"
    verbose_name = _("Cabinet")

    def ready(self):
        from cabinet.search_providers import register

        register()
