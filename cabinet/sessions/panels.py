"""An editor panel listing a dossier's documents and versions, for the reviewers."""

from wagtail.admin.panels import Panel


class DossierDocumentsPanel(Panel):
    class BoundPanel(Panel.BoundPanel):
        template_name = "cabinet/sessions_admin/documents_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            page = self.instance
            context["documents"] = (
                list(page.dossier_documents.prefetch_related("versions"))
                if page.pk
                else []
            )
            return context
