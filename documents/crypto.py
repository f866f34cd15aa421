"""Encryption at rest for dossier files: the only module that encrypts or decrypts.

Every stored file is one *envelope*::

    b"ECAB\\x01" | key-id length (1 byte) | key id (ASCII) | nonce (12 bytes) | ciphertext+tag

sealed with AES-256-GCM. The header (magic, length and key id) is the associated data,
so changing the key id, like changing one bit of the nonce or the ciphertext, makes
authentication fail.

Invariants:

- ``decrypt`` returns plaintext only after the GCM tag has been verified; anything else
  raises a :class:`FileEncryptionError`. There is no code path that returns
  unauthenticated bytes, and no fallback that serves a file which is not an envelope.
- ``encrypt`` always uses the current key and a fresh random 96-bit nonce. Random
  nonces are safe for up to 2**32 envelopes per key (NIST SP 800-38D), far beyond the
  number of dossier files a Government stores between two key rotations.
- Keys are read from settings on every call (see :func:`keyring`), never cached, so
  ``override_settings`` and a rotation take effect immediately.
- Error messages never contain key material, and the functions that hold keys or
  plaintext are ``sensitive_variables``, so Django's error reports (the debug page,
  mails to ADMINS) do not show them either.

Whole files are held in memory: ``encrypt`` and ``decrypt`` take and return ``bytes``,
so a 300 MB file needs roughly twice that in RAM while it is processed. That is fine for
dossier PDFs today; streaming (chunked envelopes) would be a new envelope version.
AES-GCM as implemented by ``cryptography`` also caps one envelope at 2**31 - 1 bytes.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

MAGIC = b"ECAB\x01"
KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
MAX_KEY_ID_LENGTH = 255
MAX_PLAINTEXT_SIZE = 2**31 - 1 - TAG_SIZE
# Longest possible header: what a reader must fetch to learn an envelope's layout.
MAX_HEADER_SIZE = len(MAGIC) + 1 + MAX_KEY_ID_LENGTH

# Key ids travel in file headers and in the environment ("id:base64,id:base64"), so they
# are restricted to characters that need no quoting in either place.
_KEY_ID_PATTERN = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_KEY_ID_LENGTH}}}")


class FileEncryptionError(Exception):
    """A stored file cannot be decrypted; nothing of it may be served.

    The message is shown to users (translated lazily, in the language active when the
    exception is turned into text).
    """

    default_message = _("This file cannot be opened.")

    def __init__(self, message: str | None = None) -> None:
        self.message = self.default_message if message is None else message
        super().__init__(self.message)


class TamperedFileError(FileEncryptionError):
    """Authentication failed: the ciphertext, the nonce or the header was altered.

    Also raised for a file that is not an envelope at all (truncated, or written
    without encryption): it cannot be authenticated, so it is treated as altered.
    """

    default_message = _(
        "This file has been altered since it was stored and cannot be served."
    )


class UnknownKeyError(FileEncryptionError):
    """The envelope names a key id that the keyring does not hold.

    ``key_id`` is kept for operators (logs, ``rotate_file_key``); it is not a secret
    but is left out of the user-facing message.
    """

    default_message = _(
        "This file was encrypted with a key that this server does not hold, "
        "so it cannot be served."
    )

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        super().__init__()


@dataclass(frozen=True)
class Keyring:
    """The configured keys and which one encrypts new files.

    Invariants (checked by :func:`keyring`): every key is exactly 32 bytes, every key id
    matches ``[A-Za-z0-9._-]{1,255}``, and ``current_key_id`` is one of ``keys``.
    ``keys`` is read-only and left out of ``repr``.
    """

    keys: Mapping[str, bytes] = field(repr=False)
    current_key_id: str

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise UnknownKeyError(key_id) from None

    @property
    def current_key(self) -> bytes:
        return self.keys[self.current_key_id]


@sensitive_variables()
def keyring() -> Keyring:
    """The keyring from ``FILE_ENCRYPTION_KEYS`` and ``FILE_ENCRYPTION_CURRENT_KEY_ID``.

    Read on every call so that settings overrides and key rotation apply at once.
    Raises ``ImproperlyConfigured`` when the configuration cannot encrypt safely.
    """
    raw_keys = getattr(settings, "FILE_ENCRYPTION_KEYS", None)
    current = getattr(settings, "FILE_ENCRYPTION_CURRENT_KEY_ID", None)
    if not isinstance(raw_keys, Mapping) or not raw_keys:
        raise ImproperlyConfigured(
            "FILE_ENCRYPTION_KEYS must be a non-empty dict of key id -> 32 raw bytes "
            "(parse the environment with documents.crypto.parse_keys)."
        )
    keys: dict[str, bytes] = {}
    for key_id, key in raw_keys.items():
        _check_key_id(key_id, "FILE_ENCRYPTION_KEYS")
        if not isinstance(key, bytes | bytearray):
            raise ImproperlyConfigured(
                f"FILE_ENCRYPTION_KEYS[{key_id!r}] must be bytes, not "
                f"{type(key).__name__} (decode base64 with parse_keys)."
            )
        if len(key) != KEY_SIZE:
            raise ImproperlyConfigured(
                f"FILE_ENCRYPTION_KEYS[{key_id!r}] must be exactly {KEY_SIZE} bytes "
                f"(AES-256), not {len(key)}."
            )
        keys[key_id] = bytes(key)
    if not current:
        raise ImproperlyConfigured(
            "FILE_ENCRYPTION_CURRENT_KEY_ID must name the key that encrypts new files."
        )
    if current not in keys:
        raise ImproperlyConfigured(
            f"FILE_ENCRYPTION_CURRENT_KEY_ID is {current!r}, but FILE_ENCRYPTION_KEYS "
            f"only holds {sorted(keys)}."
        )
    return Keyring(keys=MappingProxyType(keys), current_key_id=current)


@sensitive_variables()
def parse_keys(value: str) -> dict[str, bytes]:
    """Parse ``"k2024:BASE64,k2025:BASE64"`` into ``{"k2024": b"...", ...}``.

    Each key is 32 bytes in standard or URL-safe base64, padding optional. Whitespace
    around items is ignored. Raises ``ImproperlyConfigured`` naming the offending item
    by position and key id, never echoing the key material.
    """
    keys: dict[str, bytes] = {}
    items = [item.strip() for item in value.split(",")]
    if not any(items):
        raise ImproperlyConfigured(
            "The file encryption keys are empty; expected 'key_id:BASE64,...'."
        )
    for position, item in enumerate(items, start=1):
        key_id, separator, encoded = item.partition(":")
        key_id, encoded = key_id.strip(), encoded.strip()
        where = f"file encryption key #{position}"
        if not separator or not key_id or not encoded:
            raise ImproperlyConfigured(
                f"The {where} must look like 'key_id:BASE64'; it has no key id, "
                "no ':' or no key."
            )
        _check_key_id(key_id, where)
        if key_id in keys:
            raise ImproperlyConfigured(f"The key id {key_id!r} is given twice.")
        standard = encoded.replace("-", "+").replace("_", "/")
        standard += "=" * (-len(standard) % 4)
        try:
            key = base64.b64decode(standard, validate=True)
        except binascii.Error:
            raise ImproperlyConfigured(
                f"The {where} ({key_id!r}) is not valid base64."
            ) from None
        if len(key) != KEY_SIZE:
            raise ImproperlyConfigured(
                f"The {where} ({key_id!r}) decodes to {len(key)} bytes; AES-256 needs "
                f"exactly {KEY_SIZE}."
            )
        keys[key_id] = key
    return keys


@sensitive_variables()
def encrypt(data: bytes) -> bytes:
    """Seal ``data`` under the current key in a new envelope (fresh random nonce)."""
    if len(data) > MAX_PLAINTEXT_SIZE:
        raise ValueError(
            f"Cannot encrypt {len(data)} bytes in one envelope; "
            f"the limit is {MAX_PLAINTEXT_SIZE}."
        )
    ring = keyring()
    header = _header(ring.current_key_id)
    nonce = os.urandom(NONCE_SIZE)
    return header + nonce + AESGCM(ring.current_key).encrypt(nonce, data, header)


@sensitive_variables()
def decrypt(blob: bytes) -> bytes:
    """The plaintext of an envelope, only once its tag has been verified.

    Raises ``UnknownKeyError`` when the key id is not in the keyring and
    ``TamperedFileError`` for anything that does not authenticate.
    """
    key_id, header_size = _parse_header(blob)
    key = keyring().key(key_id)
    header = blob[:header_size]
    nonce = blob[header_size : header_size + NONCE_SIZE]
    ciphertext = blob[header_size + NONCE_SIZE :]
    if len(ciphertext) < TAG_SIZE:
        raise TamperedFileError()
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, header)
    except InvalidTag:
        raise TamperedFileError() from None


def key_id_of(blob: bytes) -> str:
    """The key id named in an envelope's header (or its first ``MAX_HEADER_SIZE`` bytes).

    Not authenticated: use it to choose a key or to decide on re-encryption, never to
    trust the content. Raises ``TamperedFileError`` if the header is malformed.
    """
    return _parse_header(blob)[0]


def plaintext_size(header_prefix: bytes, envelope_size: int) -> int:
    """The plaintext length of an envelope of ``envelope_size`` bytes.

    ``header_prefix`` is the start of the envelope (``MAX_HEADER_SIZE`` bytes suffice).
    Computed from the unauthenticated header: fine for ``Content-Length``, not a check.
    """
    _, header_size = _parse_header(header_prefix)
    size = envelope_size - header_size - NONCE_SIZE - TAG_SIZE
    if size < 0:
        raise TamperedFileError()
    return size


def _header(key_id: str) -> bytes:
    encoded = key_id.encode("ascii")
    return MAGIC + bytes([len(encoded)]) + encoded


def _parse_header(blob: bytes) -> tuple[str, int]:
    """``(key_id, header_size)``; ``TamperedFileError`` unless the header is well formed."""
    if not blob.startswith(MAGIC) or len(blob) <= len(MAGIC):
        raise TamperedFileError()
    length = blob[len(MAGIC)]
    start = len(MAGIC) + 1
    raw_id = blob[start : start + length]
    if length == 0 or len(raw_id) != length:
        raise TamperedFileError()
    try:
        key_id = raw_id.decode("ascii")
    except UnicodeDecodeError:
        raise TamperedFileError() from None
    if not _KEY_ID_PATTERN.fullmatch(key_id):
        raise TamperedFileError()
    return key_id, start + length


def _check_key_id(key_id: object, where: str) -> None:
    if not isinstance(key_id, str) or not _KEY_ID_PATTERN.fullmatch(key_id):
        raise ImproperlyConfigured(
            f"Invalid key id {key_id!r} in {where}: use 1 to {MAX_KEY_ID_LENGTH} "
            "characters from A-Z, a-z, 0-9, '.', '_' and '-'."
        )
