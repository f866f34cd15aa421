from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CabinetConfig(AppConfig):
    name = "cabinet"
    verbose_name = _("Cabinet")

    def ready(self):
        from cabinet.search_providers import register

        register()

        # --- resolutions: purge the public page cache on publish/unpublish ---
        from cabinet.resolutions.cache import connect_purge_signals

        connect_purge_signals()
        from cabinet.resolutions.services import connect_submit_audit

        connect_submit_audit()
