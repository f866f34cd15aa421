"""One archive holds everything needed to bring an e-Cabinet back: ``backup`` / ``restore``.

The archive is a gzipped tar::

    database/sqlite3.db          SQLite: a copy made with SQLite's online backup API
    database/postgresql.dump     PostgreSQL: ``pg_dump --format=custom``
    media/...                    MEDIA_ROOT as stored: dossier files stay encrypted
    dossiers/...                 DOSSIER_FILES_ROOT, only when it lies outside MEDIA_ROOT
    manifest.json                last: what the archive holds and how to check it

The manifest lists every other member with its SHA-256 and size, the database vendor
and the tool that dumped it, the applied migrations, and the settings a restore needs:
the ids of the file-encryption keys (configured and actually used by the files) with a
check value of each key used (:func:`key_check_value`), never the keys themselves.

Invariants:

- ``restore`` changes nothing until every check has passed: the manifest is readable
  and of a known format, the archive's members are exactly the manifest's files and
  each one's checksum matches, the vendor is the target's, this code knows every
  migration the archive applied, every key id the files use is configured, and the
  target database and media folder are empty unless ``force`` is given.
- The database is replaced in one step: SQLite's backup API copies the whole database
  under an exclusive lock; on PostgreSQL one ``psql --single-transaction`` drops the
  old schema and loads the dump, so a failure leaves the old database as it was.
- Member names are checked before anything is written: no absolute paths, no ``..``,
  no links or devices; only ``database/``, ``media/`` and ``dossiers/``.

Consistency: the database dump is a snapshot (SQLite's backup API, pg_dump's
transaction); files are read after it. Stored files are write-once, so a file written
during the backup is at worst an orphan in the archive, never a row without its file.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import django
import wagtail
from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

from documents import crypto

FORMAT = "ecabinet-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/sqlite3.db"
POSTGRES_MEMBER = "database/postgresql.dump"
PREFIXES = ("database/", "media/", "dossiers/")
# Folders restore() stages in, inside MEDIA_ROOT so that moving files is a rename
# even when MEDIA_ROOT is a mounted volume; never archived, never counted as content.
STAGING_PREFIX = ".restore-"
CHUNK = 1024 * 1024

logger = logging.getLogger(__name__)


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message says why."""


@dataclass
class BackupResult:
    path: Path
    vendor: str
    files: int
    size: int
    manifest: dict = field(repr=False)


@dataclass
class RestoreResult:
    vendor: str
    files: int
    pending_migrations: list[str]
    manifest: dict = field(repr=False)


# --- Shared ---------------------------------------------------------------------------


def _connection():
    return connections["default"]


def _vendor() -> str:
    vendor = _connection().vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(
            _("Backups support SQLite and PostgreSQL, not %(vendor)s.")
            % {"vendor": vendor}
        )
    return vendor


def media_roots() -> dict[str, Path]:
    """Archive prefix -> folder: MEDIA_ROOT, and the dossier folder if it is elsewhere."""
    media = Path(settings.MEDIA_ROOT).resolve()
    roots = {"media/": media}
    dossiers = Path(
        getattr(settings, "DOSSIER_FILES_ROOT", None) or media / "dossiers"
    ).resolve()
    if not dossiers.is_relative_to(media):
        roots["dossiers/"] = dossiers
    return roots


def _dossier_root() -> Path:
    media = Path(settings.MEDIA_ROOT).resolve()
    return Path(
        getattr(settings, "DOSSIER_FILES_ROOT", None) or media / "dossiers"
    ).resolve()


def _walk(root: Path) -> Iterator[Path]:
    """Regular files under ``root``, sorted, skipping restore staging folders."""
    if not root.is_dir():
        return
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(
            d for d in subdirectories if not d.startswith(STAGING_PREFIX)
        )
        for name in sorted(files):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _pg_env() -> dict[str, str]:
    """libpq variables for the default database; the password never goes in argv."""
    s = _connection().settings_dict
    env = dict(os.environ)
    env.update(
        PGDATABASE=s["NAME"],
        PGHOST=str(s.get("HOST") or "127.0.0.1"),
        PGPORT=str(s.get("PORT") or 5432),
    )
    if s.get("USER"):
        env["PGUSER"] = s["USER"]
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    if (s.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = s["OPTIONS"]["sslmode"]
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _(
                "%(tool)s is not installed. Install the PostgreSQL client tools of "
                "the server's version (Debian: postgresql-client)."
            )
            % {"tool": name}
        )
    return path


def _tool_major(tool: str) -> int:
    """``pg_dump (PostgreSQL) 15.20 (Debian ...)`` -> 15."""
    out = subprocess.run(
        [tool, "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"\)\s+(\d+)", out)
    if match is None:
        raise BackupError(
            _("Cannot read the version of %(tool)s: %(output)s")
            % {"tool": tool, "output": out.strip()}
        )
    return int(match.group(1))


def _run(args: list[str], *, env: dict[str, str], what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(
            _("%(what)s failed: %(error)s")
            % {"what": what, "error": (result.stderr or result.stdout).strip()[-2000:]}
        )


def key_check_value(key: bytes) -> str:
    """A fingerprint that tells whether two keys are the same without revealing either.

    HMAC-SHA256 of a fixed label under the key, truncated to 128 bits: finding the key
    from it is as hard as breaking HMAC, and a key configured under the right id but
    with other bytes (a dev laptop's generated key) is caught before any file is
    restored unreadable.
    """
    return hmac.new(key, b"e-Cabinet backup key check", hashlib.sha256).hexdigest()[:32]


def applied_migrations() -> dict[str, list[str]]:
    recorder = MigrationRecorder(_connection())
    if not recorder.has_table():
        return {}
    applied: dict[str, list[str]] = {}
    for app, name in sorted(recorder.applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


class _HashingReader(io.RawIOBase):
    """Reads a file once, hashing what tarfile copies, so hash and content agree."""

    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


# --- Backup ---------------------------------------------------------------------------


def _dump_database(directory: Path) -> tuple[str, Path, dict]:
    vendor = _vendor()
    connection = _connection()
    if vendor == "sqlite":
        name = connection.settings_dict["NAME"]
        if not name or str(name) == ":memory:" or "mode=memory" in str(name):
            raise BackupError(_("An in-memory SQLite database cannot be backed up."))
        target = directory / "sqlite3.db"
        source = sqlite3.connect(str(name), timeout=20)
        destination = sqlite3.connect(str(target))
        try:
            source.backup(destination)
            # One self-contained file: no -wal beside it in the archive.
            destination.execute("PRAGMA journal_mode=DELETE")
        finally:
            destination.close()
            source.close()
        info = {"tool": f"sqlite3 online backup API (SQLite {sqlite3.sqlite_version})"}
        return SQLITE_MEMBER, target, info

    pg_dump = _pg_tool("pg_dump")
    connection.ensure_connection()
    server_major = connection.pg_version // 10000
    tool_major = _tool_major(pg_dump)
    if tool_major < server_major:
        raise BackupError(
            _(
                "pg_dump %(tool)s cannot dump a PostgreSQL %(server)s server; install "
                "the client tools of version %(server)s or later."
            )
            % {"tool": tool_major, "server": server_major}
        )
    target = directory / "postgresql.dump"
    _run(
        [
            pg_dump,
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={target}",
        ],
        env=_pg_env(),
        what="pg_dump",
    )
    info = {
        "tool": f"pg_dump {tool_major}",
        "server_version": connection.pg_version,
    }
    return POSTGRES_MEMBER, target, info


def default_backup_path() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"ecabinet-{stamp}.tar.gz"


def backup_create(*, output: Path | str | None = None) -> BackupResult:
    """Write one archive: database dump, media files (still encrypted), manifest.

    The archive appears under its final name only once complete (written beside it,
    then renamed), and is readable by its owner only: it holds the whole database.
    """
    as_folder = isinstance(output, str) and output.endswith(("/", os.sep))
    output = Path(output) if output else default_backup_path()
    if as_folder or output.is_dir():
        output = output / default_backup_path().name
    if output.exists():
        raise BackupError(
            _("%(path)s already exists; choose another name.") % {"path": output}
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    dossier_root = _dossier_root()
    files: dict[str, dict] = {}
    key_ids_in_use: set[str] = set()

    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work:
        member, dump, database_info = _dump_database(Path(work))
        migrations = applied_migrations()
        partial = Path(work) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:

            def add(path: Path, name: str) -> None:
                with open(path, "rb") as handle:
                    info = tar.gettarinfo(arcname=name, fileobj=handle)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    reader = _HashingReader(handle)
                    tar.addfile(info, reader)
                files[name] = {"sha256": reader.digest.hexdigest(), "size": info.size}

            add(dump, member)
            for prefix, root in media_roots().items():
                for path in _walk(root):
                    name = prefix + path.relative_to(root).as_posix()
                    add(path, name)
                    if path.is_relative_to(dossier_root):
                        with open(path, "rb") as handle:
                            header = handle.read(crypto.MAX_HEADER_SIZE)
                        with contextlib.suppress(crypto.FileEncryptionError):
                            key_ids_in_use.add(crypto.key_id_of(header))

            manifest = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": {"vendor": _vendor(), "member": member, **database_info},
                "migrations": migrations,
                "settings": {
                    "ECABINET_ENVIRONMENT": settings.ECABINET_ENVIRONMENT,
                    "TIME_ZONE": settings.TIME_ZONE,
                    "LANGUAGE_CODE": settings.LANGUAGE_CODE,
                    "FILE_ENCRYPTION_CURRENT_KEY_ID": settings.FILE_ENCRYPTION_CURRENT_KEY_ID,
                    "FILE_ENCRYPTION_KEY_IDS": sorted(settings.FILE_ENCRYPTION_KEYS),
                    "file_key_ids_in_use": sorted(key_ids_in_use),
                    "file_key_check_values": {
                        key_id: key_check_value(settings.FILE_ENCRYPTION_KEYS[key_id])
                        for key_id in sorted(key_ids_in_use)
                        if key_id in settings.FILE_ENCRYPTION_KEYS
                    },
                },
                "software": {
                    "django": django.get_version(),
                    "wagtail": wagtail.__version__,
                },
                "files": files,
            }
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = (
                len(data),
                int(datetime.now().timestamp()),
                0o600,
            )
            tar.addfile(info, io.BytesIO(data))
        os.chmod(partial, 0o600)
        os.replace(partial, output)
    logger.warning(
        "backup written",
        extra={"archive": str(output), "files": len(files) - 1, "vendor": _vendor()},
    )
    return BackupResult(
        path=output,
        vendor=manifest["database"]["vendor"],
        files=len(files) - 1,
        size=output.stat().st_size,
        manifest=manifest,
    )


# --- Restore --------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            handle = tar.extractfile(MANIFEST)
            if handle is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(handle.read())
    except FileNotFoundError:
        raise BackupError(_("%(path)s does not exist.") % {"path": archive}) from None
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(
            _("%(path)s is not a readable e-Cabinet backup archive (%(error)s).")
            % {"path": archive, "error": exc}
        ) from None
    except KeyError:
        raise BackupError(
            _("%(path)s has no manifest: it is not an e-Cabinet backup archive.")
            % {"path": archive}
        ) from None
    except ValueError:
        raise BackupError(
            _("The manifest of %(path)s is not valid JSON.") % {"path": archive}
        ) from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("files"), dict)
    ):
        raise BackupError(
            _("%(path)s is not an e-Cabinet backup archive.") % {"path": archive}
        )
    if manifest.get("version") != FORMAT_VERSION:
        raise BackupError(
            _(
                "The archive has format version %(found)s; this version of e-Cabinet "
                "reads version %(expected)s."
            )
            % {"found": manifest.get("version"), "expected": FORMAT_VERSION}
        )
    return manifest


def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        name.startswith(PREFIXES)
        and not path.is_absolute()
        and ".." not in path.parts
        and "" not in name.split("/")
        and "\\" not in name
    )


def database_contents() -> tuple[int, int | None]:
    """(number of tables, number of user accounts or None) in the target database."""
    connection = _connection()
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        users = None
        if "auth_user" in tables:
            cursor.execute("SELECT COUNT(*) FROM auth_user")
            users = cursor.fetchone()[0]
    return len(tables), users


def _media_has_content() -> list[str]:
    return [prefix for prefix, root in media_roots().items() if next(_walk(root), None)]


def _check_before_restore(manifest: dict, *, force: bool) -> list[str]:
    """Every refusal that needs no extraction; returns the pending migrations."""
    database = manifest.get("database") or {}
    vendor = _vendor()
    if database.get("vendor") != vendor:
        raise BackupError(
            _(
                "The archive holds a %(archive)s database and this site runs on "
                "%(target)s; restore it onto %(archive)s."
            )
            % {"archive": database.get("vendor"), "target": vendor}
        )
    expected_member = SQLITE_MEMBER if vendor == "sqlite" else POSTGRES_MEMBER
    if (
        database.get("member") != expected_member
        or expected_member not in (manifest["files"])
    ):
        raise BackupError(_("The archive does not contain its database dump."))

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    archived = {
        (app, name)
        for app, names in (manifest.get("migrations") or {}).items()
        for name in names
    }
    unknown = sorted(archived - known)
    if unknown:
        raise BackupError(
            _(
                "The archive comes from a newer version of e-Cabinet: this code does "
                "not know the migrations %(migrations)s. Upgrade the code first."
            )
            % {"migrations": ", ".join(f"{a}.{n}" for a, n in unknown[:10])}
        )
    pending = sorted(f"{a}.{n}" for a, n in known - archived)

    needed = set((manifest.get("settings") or {}).get("file_key_ids_in_use") or [])
    missing = sorted(needed - set(settings.FILE_ENCRYPTION_KEYS))
    if missing:
        raise BackupError(
            _(
                "Files in the archive are encrypted with the key id(s) %(ids)s, which "
                "FILE_ENCRYPTION_KEYS does not hold. The archive never contains keys: "
                "configure them from your key store, then restore."
            )
            % {"ids": ", ".join(missing)}
        )

    check_values = (manifest.get("settings") or {}).get("file_key_check_values") or {}
    different = sorted(
        key_id
        for key_id in needed
        if key_id in check_values
        and key_check_value(settings.FILE_ENCRYPTION_KEYS[key_id])
        != check_values[key_id]
    )
    if different:
        raise BackupError(
            _(
                "The key configured as %(ids)s is not the key that encrypted the "
                "archive's files (its check value differs); the files would be "
                "unreadable. Configure the original key, then restore."
            )
            % {"ids": ", ".join(different)}
        )

    if not force:
        tables, users = database_contents()
        if tables:
            raise BackupError(
                _(
                    "The database is not empty (%(tables)s tables, %(users)s user "
                    "accounts). Restoring replaces all of it: run again with --force "
                    "if that is what you want."
                )
                % {"tables": tables, "users": users if users is not None else 0}
            )
        non_empty = _media_has_content()
        if non_empty:
            raise BackupError(
                _(
                    "The media folder %(folder)s already holds files. Restoring "
                    "replaces them: run again with --force if that is what you want."
                )
                % {"folder": media_roots()[non_empty[0]]}
            )
    return pending


def _extract_verified(archive: Path, manifest: dict, staging: Path) -> None:
    """Extract every member into ``staging``, checking names, sizes and checksums."""
    expected = manifest["files"]
    seen: set[str] = set()
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if member.name == MANIFEST:
                continue
            if member.isdir():
                continue
            if not member.isfile() or not _safe_member_name(member.name):
                raise BackupError(
                    _("The archive holds an unexpected entry %(name)s; refused.")
                    % {"name": member.name}
                )
            if member.name not in expected or member.name in seen:
                raise BackupError(
                    _("The archive holds %(name)s, which its manifest does not list.")
                    % {"name": member.name}
                )
            seen.add(member.name)
            target = staging / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            source = tar.extractfile(member)
            with open(target, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            entry = expected[member.name]
            if digest.hexdigest() != entry.get("sha256") or member.size != entry.get(
                "size"
            ):
                raise BackupError(
                    _(
                        "The checksum of %(name)s does not match the manifest: the "
                        "archive is damaged or was altered. Nothing was restored."
                    )
                    % {"name": member.name}
                )
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(
            _("The archive lacks %(names)s, which its manifest lists.")
            % {"names": ", ".join(missing[:10])}
        )


def _restore_sqlite(dump: Path) -> None:
    name = str(_connection().settings_dict["NAME"])
    connections.close_all()
    source = sqlite3.connect(str(dump))
    destination = sqlite3.connect(name, timeout=20)
    try:
        source.backup(destination)
        destination.execute("PRAGMA journal_mode=WAL")
    finally:
        destination.close()
        source.close()


def _restore_postgresql(dump: Path, *, replace: bool) -> None:
    pg_restore, psql = _pg_tool("pg_restore"), _pg_tool("psql")
    script = dump.with_suffix(".sql")
    env = _pg_env()
    _run(
        [pg_restore, "--no-owner", "--no-privileges", f"--file={script}", str(dump)],
        env=env,
        what="pg_restore",
    )
    connections.close_all()
    # Wait at most this long for the web and worker processes' locks, then fail
    # (stop them before restoring) instead of hanging.
    env["PGOPTIONS"] = "-c lock_timeout=30s"
    args = [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction"]
    if replace:
        args += ["-c", "DROP SCHEMA public CASCADE", "-c", "CREATE SCHEMA public"]
    _run([*args, "-f", str(script)], env=env, what="psql")


def _replace_media(staging: Path) -> None:
    """Swap each media folder's content for the staged one (renames, same volume)."""
    for prefix, root in media_roots().items():
        root.mkdir(parents=True, exist_ok=True)
        for entry in list(root.iterdir()):
            if entry.name.startswith(STAGING_PREFIX):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        source = staging / prefix.rstrip("/")
        if not source.is_dir():
            continue
        for entry in source.iterdir():
            destination = root / entry.name
            try:
                os.replace(entry, destination)
            except OSError:  # another volume: copy, then the staging folder goes
                if entry.is_dir():
                    shutil.copytree(entry, destination)
                else:
                    shutil.copy2(entry, destination)


def backup_restore(*, archive: Path, force: bool = False) -> RestoreResult:
    """Bring back the database and media of ``archive``; see the module invariants."""
    archive = Path(archive)
    manifest = read_manifest(archive)
    pending = _check_before_restore(manifest, force=force)
    replace = bool(database_contents()[0])

    media_root = Path(settings.MEDIA_ROOT).resolve()
    media_root.mkdir(parents=True, exist_ok=True)
    staging = media_root / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
    staging.mkdir(mode=0o700)
    try:
        _extract_verified(archive, manifest, staging)
        dump = staging / manifest["database"]["member"]
        if manifest["database"]["vendor"] == "sqlite":
            _restore_sqlite(dump)
        else:
            _restore_postgresql(dump, replace=replace)
        _replace_media(staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.warning(
        "database and media restored from an archive",
        extra={
            "archive": str(archive),
            "created_at": manifest.get("created_at"),
            "replaced_existing_data": replace,
        },
    )
    with contextlib.suppress(Exception):
        from django.core.cache import cache

        cache.clear()  # rate-limit counters and heartbeats of the old database
    return RestoreResult(
        vendor=manifest["database"]["vendor"],
        files=len(manifest["files"]) - 1,
        pending_migrations=pending,
        manifest=manifest,
    )
