"""A file-system storage that keeps dossier files encrypted at rest.

Invariants:

- Every byte this storage writes is an envelope from :mod:`documents.crypto`; plaintext
  never touches the disk, not even as an upload's temporary file moved into place
  (uploads are read and encrypted, never moved).
- Every byte it returns has been authenticated. A file that fails authentication, or
  whose key is not configured, raises ``TamperedFileError`` or ``UnknownKeyError``
  from ``open()``; nothing of it is returned.
- Files are write-once (a new version is a new file); only :meth:`reencrypt` rewrites
  one, atomically, so a reader sees either the old or the new envelope, never a mix.

Whole files are held in memory while they are encrypted or decrypted (see
:mod:`documents.crypto`).

``path()`` and ``url()`` are inherited and point at the *ciphertext*: anything that
serves a file straight from disk or from ``MEDIA_URL`` (a web server, Wagtail's
``sendfile`` branch) would send the envelope, not the document. Serve through
``open()``.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import stat
import tempfile
from collections.abc import Iterator

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property
from django.views.decorators.debug import sensitive_variables

from documents import crypto

# Prefix of the temporary files reencrypt() writes beside the file it replaces; a
# crash can leave one behind, and walkers (rotate_file_key) skip them.
TEMPORARY_PREFIX = ".reencrypt-"


class EncryptedFileSystemStorage(FileSystemStorage):
    """``FileSystemStorage`` that encrypts on save and authenticates on open."""

    @sensitive_variables("data")
    def _save(self, name: str, content: File) -> str:
        data = b"".join(
            chunk.encode("utf-8") if isinstance(chunk, str) else chunk
            for chunk in content.chunks()
        )
        return super()._save(name, ContentFile(crypto.encrypt(data)))

    def _open(self, name: str, mode: str = "rb") -> File:
        """The decrypted file, in memory; binary reads only.

        Writing through ``open()`` would bypass encryption, so only ``"rb"`` is
        accepted. Raises ``TamperedFileError`` or ``UnknownKeyError`` instead of
        returning anything when the file does not authenticate.
        """
        if mode != "rb":
            raise ValueError(
                f"EncryptedFileSystemStorage opens files with mode 'rb' only, not "
                f"{mode!r}; save new content with save()."
            )
        with open(self.path(name), "rb") as stored:
            blob = stored.read()
        return ContentFile(crypto.decrypt(blob), name=name)

    def size(self, name: str) -> int:
        """The size of the *plaintext*, from the envelope's header and its size on disk.

        Callers use it as ``Content-Length`` for what ``open()`` returns (Wagtail's
        document view does), so it must not be the ciphertext size. The header is not
        authenticated here; a malformed one raises ``TamperedFileError``.
        """
        path = self.path(name)
        with open(path, "rb") as stored:
            prefix = stored.read(crypto.MAX_HEADER_SIZE)
            envelope_size = os.fstat(stored.fileno()).st_size
        return crypto.plaintext_size(prefix, envelope_size)

    def walk(self, directory: str = "") -> Iterator[str]:
        """Every file name under ``directory``, sorted, skipping reencrypt() leftovers.

        A missing storage root yields nothing (no file has been stored yet).
        """
        try:
            directories, files = self.listdir(directory)
        except FileNotFoundError:
            return
        for file_name in sorted(files):
            if not file_name.startswith(TEMPORARY_PREFIX):
                yield posixpath.join(directory, file_name)
        for subdirectory in sorted(directories):
            yield from self.walk(posixpath.join(directory, subdirectory))

    @sensitive_variables("plaintext")
    def reencrypt(self, name: str, *, dry_run: bool = False) -> bool:
        """Rewrite ``name`` under the current key if another key sealed it.

        Returns whether the file needed it (with ``dry_run``: whether it would). The
        old envelope is authenticated first, so a tampered file or one under an
        unknown key raises and stays untouched. Files already under the current key
        are left alone without being authenticated.

        The new envelope is written to a temporary file in the same directory, fsynced,
        given the old file's permissions and owner, and moved over the old one with
        ``os.replace``, then the directory is fsynced: a crash leaves either the old or
        the new file, both readable while the old key is configured.
        """
        path = self.path(name)
        with open(path, "rb") as stored:
            blob = stored.read()
        if crypto.key_id_of(blob) == crypto.keyring().current_key_id:
            return False
        plaintext = crypto.decrypt(blob)
        if dry_run:
            return True
        new_blob = crypto.encrypt(plaintext)
        directory = os.path.dirname(path)
        old = os.stat(path)
        fd, temporary = tempfile.mkstemp(
            prefix=TEMPORARY_PREFIX, suffix=".tmp", dir=directory
        )
        try:
            with os.fdopen(fd, "wb") as new_file:
                new_file.write(new_blob)
                new_file.flush()
                os.fsync(new_file.fileno())
            os.chmod(temporary, stat.S_IMODE(old.st_mode))
            new = os.stat(temporary)
            if (new.st_uid, new.st_gid) != (old.st_uid, old.st_gid):
                # Run as another user (root), keep the owner the web server needs;
                # if that is not allowed, fail rather than leave an unreadable file.
                os.chown(temporary, old.st_uid, old.st_gid)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        _fsync_directory(directory)
        return True


def _fsync_directory(directory: str) -> None:
    """Make a rename durable; a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DossierStorage(EncryptedFileSystemStorage):
    """The ``dossiers`` storage: encrypted, rooted at ``DOSSIER_FILES_ROOT``."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.DOSSIER_FILES_ROOT)
