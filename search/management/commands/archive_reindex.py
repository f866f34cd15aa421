from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from search.backends import get_backend
from search.progress import ProgressBar
from search.services import archive_record_total, archive_reindex


class Command(BaseCommand):
    help = "Rebuild the archive search index from every registered provider."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, no_progress, **options):
        bar = None
        if not no_progress:
            bar = ProgressBar(archive_record_total(), _("Indexing"), stream=self.stderr)
        try:
            changed = archive_reindex(progress=bar.advance if bar else None)
        finally:
            if bar:
                bar.close()
        status = get_backend().status()
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Index rebuilt (%(backend)s): %(records)s records, %(changed)s changed."
                )
                % {**status, "changed": changed}
            )
        )
