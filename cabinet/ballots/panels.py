"""What each moderation step sees first in the editor: the matter, the deadline, the
documents and the history of the ballot, read-only."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel


class BallotSummaryPanel(Panel):
    class BoundPanel(Panel.BoundPanel):
        template_name = "cabinet/ballots/summary_panel.html"

        def is_shown(self):
            return bool(self.instance and self.instance.pk)

        def get_context_data(self, parent_context=None):
            from cabinet.ballots.selectors import ballot_history, ballot_tally
            from cabinet.ballots.views import documents_of

            context = super().get_context_data(parent_context)
            ballot = self.instance
            context.update(
                ballot=ballot,
                history=ballot_history(ballot=ballot),
                documents=documents_of(ballot, self.request.user),
                tally=ballot_tally(ballot=ballot) if ballot.issued_at else None,
                heading=_("At a glance"),
            )
            return context
