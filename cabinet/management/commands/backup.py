"""``manage.py backup``: one archive with the database dump and the media files.

See ``ecabinet/backup.py`` for the archive's layout and guarantees. Dossier files stay
encrypted in the archive and the archive never holds a key: keep the keys
(FILE_ENCRYPTION_KEYS) in your key store, apart from the backups.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from ecabinet.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write one archive (.tar.gz) with the database dump, the media files (dossier "
        "files still encrypted) and a manifest with checksums."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            help="Archive file or folder (default: var/backups/ecabinet-<time>.tar.gz).",
        )

    def handle(self, *args, output=None, **options):
        try:
            result = backup_create(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Backup written to %(path)s: %(vendor)s database and %(files)s "
                    "file, %(size)s bytes.",
                    "Backup written to %(path)s: %(vendor)s database and %(files)s "
                    "files, %(size)s bytes.",
                    result.files,
                )
                % {
                    "path": result.path,
                    "vendor": result.vendor,
                    "files": result.files,
                    "size": result.size,
                }
            )
        )
