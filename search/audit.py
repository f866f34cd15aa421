"""The audit actions of archive search, added to the project's list at start-up so
that ``cabinet.audit.audit_log`` accepts them and Wagtail's history shows them."""

from django.utils.translation import gettext_lazy as _

SEARCH_ACTIONS = {
    "ecabinet.archive_import": (
        _("Archive import"),
        _("Legal documents imported into the archive"),
    ),
    "ecabinet.archive_reindex": (
        _("Archive reindex"),
        _("Archive search index rebuilt"),
    ),
}


def register_actions() -> None:
    from cabinet.audit import ACTIONS

    ACTIONS.update(SEARCH_ACTIONS)
