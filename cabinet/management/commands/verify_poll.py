"""Recompute a poll's hash chain, votes and stored result from the rows.

Exit status 0 when everything agrees, 1 when any vote was altered, deleted or
inserted (each problem is listed), so an auditor can script it.
"""

from django.core.management.base import BaseCommand, CommandError

from cabinet.models import Poll
from cabinet.voting.chain import verify_chain


class Command(BaseCommand):
    help = "Verify a poll's vote chain: reports altered, missing or inserted votes."

    def add_arguments(self, parser):
        parser.add_argument("poll_id", type=int)

    def handle(self, *args, poll_id, **options):
        poll = Poll.objects.filter(pk=poll_id).first()
        if poll is None:
            raise CommandError(f"No poll with id {poll_id}.")
        report = verify_chain(poll)
        self.stdout.write(
            f"Poll {poll.pk} “{poll.question}” ({poll.state}): "
            f"{report.entries} entries, head {report.head or '—'}"
        )
        if report.ok:
            self.stdout.write(self.style.SUCCESS("OK: the chain and the result agree."))
            return
        for problem in report.problems:
            self.stdout.write(self.style.ERROR(f"- {problem}"))
        raise SystemExit(1)
