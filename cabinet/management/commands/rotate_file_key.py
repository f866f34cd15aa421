"""Re-encrypt every dossier file under the current file encryption key.

Rotation: add the new key to ``FILE_ENCRYPTION_KEYS``, make it
``FILE_ENCRYPTION_CURRENT_KEY_ID``, deploy, run this command until it reports no
failures, then remove the old key. New files use the new key from the deploy on;
this command moves the old ones. Each file is replaced atomically, so the command
can run while the site serves files and can be interrupted and run again.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from documents import crypto
from documents.storage import EncryptedFileSystemStorage


def dossier_files_root() -> Path:
    """``DOSSIER_FILES_ROOT``, else ``MEDIA_ROOT / "dossiers"``."""
    root = getattr(settings, "DOSSIER_FILES_ROOT", None)
    return Path(root) if root else Path(settings.MEDIA_ROOT) / "dossiers"


class Command(BaseCommand):
    help = (
        "Re-encrypt every dossier file that is not under the current file "
        "encryption key. Exits non-zero if any file could not be re-encrypted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check and count the files to re-encrypt without writing anything.",
        )

    def handle(self, *args, dry_run: bool, **options):
        try:
            current = crypto.keyring().current_key_id
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        location = dossier_files_root()
        storage = EncryptedFileSystemStorage(location=location)

        changed, current_count, failed = [], 0, []
        for name in storage.walk():
            try:
                if storage.reencrypt(name, dry_run=dry_run):
                    changed.append(name)
                else:
                    current_count += 1
            except crypto.UnknownKeyError as exc:
                failed.append(f"{name}: unknown key id {exc.key_id!r}")
            except crypto.FileEncryptionError as exc:
                failed.append(f"{name}: {exc}")
            except OSError as exc:
                failed.append(f"{name}: {exc.strerror or exc}")

        verb = "Would re-encrypt" if dry_run else "Re-encrypted"
        self.stdout.write(f"Location: {location}")
        self.stdout.write(f"Current key: {current}")
        self.stdout.write(f"Scanned: {len(changed) + current_count + len(failed)}")
        self.stdout.write(f"{verb}: {len(changed)}")
        self.stdout.write(f"Already current: {current_count}")
        self.stdout.write(f"Failed: {len(failed)}")
        if options["verbosity"] >= 2:
            for name in changed:
                self.stdout.write(f"  {verb.lower()} {name}")
        for line in failed:
            self.stderr.write(f"  {line}")
        if failed:
            raise CommandError(
                f"{len(failed)} file(s) could not be re-encrypted; see the list above."
            )
