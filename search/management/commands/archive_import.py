import gzip
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from search.progress import ProgressBar
from search.services import ImportFileError, archive_import


def count_lines(path: Path) -> int:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            return sum(1 for _line in handle)
    except (OSError, EOFError):
        return 0


class Command(BaseCommand):
    help = (
        "Import legal documents from a JSON-lines file (.jsonl or .jsonl.gz): "
        "idempotent (each record's id is kept as its external id) and resumable."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--restart",
            action="store_true",
            help="read the whole file again, even if it was imported before",
        )
        parser.add_argument("--batch-size", type=int, default=250)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file, restart, batch_size, no_progress, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        bar = None
        if not no_progress:
            bar = ProgressBar(count_lines(path), _("Importing"), stream=self.stderr)
        try:
            report = archive_import(
                path=path,
                restart=restart,
                batch_size=batch_size,
                progress=bar.set if bar else None,
            )
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        finally:
            if bar:
                bar.close()
        if report.already_done:
            self.stdout.write(
                _(
                    "%(path)s was imported completely before (%(lines)s lines); "
                    "nothing to do. Use --restart to read it again."
                )
                % {"path": path, "lines": report.lines}
            )
            return
        for error in report.errors:
            self.stderr.write(error)
        if report.resumed_from:
            self.stdout.write(
                _("Resumed after line %(line)s.") % {"line": report.resumed_from}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Imported: %(created)s new, %(updated)s updated, "
                    "%(unchanged)s unchanged, %(rejected)s rejected."
                )
                % {
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "rejected": report.rejected,
                }
            )
        )
