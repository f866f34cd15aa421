"""``manage.py restore ARCHIVE [--force]``: bring back what ``backup`` wrote.

Stop the web and worker processes first. Every check runs before anything changes
(checksums, versions, encryption key ids, an empty target unless --force); see
``ecabinet/backup.py``. Then run ``manage.py migrate`` if the code is newer than the
archive.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from ecabinet.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore the database and media files from an archive written by `backup`. "
        "Refuses a damaged archive, and a non-empty database or media folder "
        "without --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the database and media files even if they are not empty.",
        )

    def handle(self, *args, archive: Path, force: bool, **options):
        try:
            result = backup_restore(archive=archive, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Restored the %(vendor)s database and %(files)s file from %(path)s.",
                    "Restored the %(vendor)s database and %(files)s files from "
                    "%(path)s.",
                    result.files,
                )
                % {"vendor": result.vendor, "files": result.files, "path": archive}
            )
        )
        if result.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    ngettext(
                        "The archive predates %(count)s migration of this code: run "
                        "`manage.py migrate` now.",
                        "The archive predates %(count)s migrations of this code: run "
                        "`manage.py migrate` now.",
                        len(result.pending_migrations),
                    )
                    % {"count": len(result.pending_migrations)}
                )
            )
