from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Archive search")

    def ready(self):
        from search import registry, signals
        from search.audit import register_actions
        from search.models import LegalDocument
        from search.providers import LegalDocumentProvider

        register_actions()
        registry.register(LegalDocument, LegalDocumentProvider())
        signals.connect()
