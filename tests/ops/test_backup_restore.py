"""``manage.py backup`` / ``restore``: the round trip gives back the same database and
files, and every bad archive or unsafe target is refused before anything changes."""

import base64
import hashlib
import io
import json
import subprocess
import tarfile
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from cabinet.models import Ministry
from documents.storage import EncryptedFileSystemStorage
from tests.utils import MANAGE, REPO, subprocess_env
from tests.utils import test_database_url as database_url_of_tests

pytestmark = pytest.mark.slow

DOSSIER = "2026/11/to-trinh-phien-hop.pdf"
DOSSIER_TEXT = "Tờ trình về dự thảo Nghị quyết phiên họp thường kỳ".encode()
PICTURE = "original_images/quoc-huy.png"


@pytest.fixture
def media(settings, tmp_path):
    """A media folder with a Wagtail-style file and an encrypted dossier file."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOSSIER_FILES_ROOT = settings.MEDIA_ROOT / "dossiers"
    (settings.MEDIA_ROOT / "original_images").mkdir(parents=True)
    (settings.MEDIA_ROOT / PICTURE).write_bytes(b"\x89PNG fake image bytes")
    storage = EncryptedFileSystemStorage(location=settings.DOSSIER_FILES_ROOT)
    assert storage.save(DOSSIER, ContentFile(DOSSIER_TEXT)) == DOSSIER
    return settings.MEDIA_ROOT


@pytest.fixture
def government(demo_transactional, media):
    return media


def dumpdata() -> list:
    out = io.StringIO()
    call_command("dumpdata", "--all", stdout=out)
    return json.loads(out.getvalue())


def media_digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run_command(*args):
    """call_command in English, so messages are compared whatever the catalogue."""
    with translation.override("en"):
        out = io.StringIO()
        call_command(*args, stdout=out)
        return out.getvalue()


def make_backup(tmp_path) -> Path:
    output = run_command("backup", "--output", str(tmp_path / "backups") + "/")
    [archive] = (tmp_path / "backups").glob("ecabinet-*.tar.gz")
    assert f"Backup written to {archive}" in output
    return archive


def mutate_everything(media_root: Path) -> None:
    User.objects.filter(username="tv02").delete()
    Ministry.objects.filter(pk=Ministry.objects.order_by("pk").first().pk).update(
        name="Bộ đã bị đổi tên"
    )
    User.objects.create(username="intruder")
    (settings.DOSSIER_FILES_ROOT / DOSSIER).unlink()
    (media_root / "stray.txt").write_text("not in the backup")


def test_round_trip_in_place_gives_back_the_same_database_and_files(
    government, tmp_path
):
    before, files_before = dumpdata(), media_digests(government)
    archive = make_backup(tmp_path)
    mutate_everything(government)

    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("restore", str(archive))
    assert "The database is not empty" in str(refused.value)
    assert "--force" in str(refused.value)
    assert User.objects.filter(username="intruder").exists()  # nothing changed

    output = run_command("restore", str(archive), "--force")
    assert f"from {archive}" in output

    assert dumpdata() == before
    assert media_digests(government) == files_before
    assert not (government / "stray.txt").exists()
    storage = EncryptedFileSystemStorage(location=settings.DOSSIER_FILES_ROOT)
    assert storage.open(DOSSIER).read() == DOSSIER_TEXT
    assert (settings.DOSSIER_FILES_ROOT / DOSSIER).read_bytes() != DOSSIER_TEXT
    # Sequences came back too: a new row does not collide with a restored one.
    newcomer = User.objects.create(username="after-restore")
    assert newcomer.pk > max(u["pk"] for u in before if u["model"] == "auth.user")


@pytest.fixture
def empty_target(tmp_path):
    """The URL of a new, empty database of the vendor under test."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"ecab_ops_restore_{uuid.uuid4().hex[:8]}"
    admin_url = database_url_of_tests().rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url_of_tests().rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args, env):
    return subprocess.run(
        [*MANAGE, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=300
    )


def test_restore_onto_a_new_server_needs_no_force_and_matches(
    government, tmp_path, empty_target
):
    """Another process, another database, another var folder: a real new machine."""
    before, files_before = dumpdata(), media_digests(government)
    archive = make_backup(tmp_path)
    target_var = tmp_path / "new-server"
    env = subprocess_env(DATABASE_URL=empty_target, ECABINET_VAR_DIR=str(target_var))

    restored = manage("restore", str(archive), env=env)
    assert restored.returncode == 0, restored.stderr

    dumped = manage("dumpdata", "--all", env=env)
    assert dumped.returncode == 0, dumped.stderr
    assert json.loads(dumped.stdout) == before
    # The test settings put MEDIA_ROOT at <var>/test-media.
    assert media_digests(target_var / "test-media") == files_before

    again = manage("restore", str(archive), env=env)
    assert again.returncode != 0
    assert "--force" in again.stderr


def rewrite_archive(archive: Path, target: Path, change) -> Path:
    """Copy ``archive`` member by member, letting ``change(name, data)`` alter one."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as out:
        for member in source:
            data = source.extractfile(member).read()
            for name, new in change(member.name, data):
                info = tarfile.TarInfo(name)
                info.size = len(new)
                out.addfile(info, io.BytesIO(new))
    return target


def assert_refused_and_untouched(archive, media_root, message):
    marker = User.objects.create(username="still-here")
    files = media_digests(media_root)
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("restore", str(archive), "--force")
    assert message in str(refused.value)
    assert User.objects.filter(pk=marker.pk).exists()
    assert media_digests(media_root) == files


def test_an_altered_file_in_the_archive_is_refused(government, tmp_path):
    archive = make_backup(tmp_path)

    def flip_one_byte(name, data):
        if name == f"media/dossiers/{DOSSIER}":
            data = data[:-1] + bytes([data[-1] ^ 1])
        yield name, data

    damaged = rewrite_archive(archive, tmp_path / "damaged.tar.gz", flip_one_byte)
    assert_refused_and_untouched(
        damaged,
        government,
        f"The checksum of media/dossiers/{DOSSIER} does not match the manifest",
    )


def test_an_altered_database_dump_is_refused(government, tmp_path):
    archive = make_backup(tmp_path)

    def truncate_dump(name, data):
        yield name, data[: len(data) // 2] if name.startswith("database/") else data

    damaged = rewrite_archive(archive, tmp_path / "damaged.tar.gz", truncate_dump)
    assert_refused_and_untouched(damaged, government, "does not match the manifest")


@pytest.mark.parametrize(
    ("extra_name", "message"),
    [
        ("media/smuggled.txt", "which its manifest does not list"),
        ("media/../../escaped.txt", "unexpected entry"),
        ("/etc/cron.d/evil", "unexpected entry"),
    ],
)
def test_members_outside_the_manifest_are_refused(
    government, tmp_path, extra_name, message
):
    archive = make_backup(tmp_path)

    def smuggle(name, data):
        yield name, data
        if name.startswith("database/"):
            yield extra_name, b"surprise"

    damaged = rewrite_archive(archive, tmp_path / "smuggled.tar.gz", smuggle)
    assert_refused_and_untouched(damaged, government, message)
    assert not (tmp_path / "escaped.txt").exists()


def test_the_manifest_names_key_ids_and_never_holds_a_key(government, tmp_path):
    archive = make_backup(tmp_path)
    raw = Path(archive).read_bytes()
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        names = {m.name for m in tar if m.name != "manifest.json"}
        unpacked = b"".join(
            tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()
        )
    key = settings.FILE_ENCRYPTION_KEYS["test"]
    for encoded in (key, base64.b64encode(key), base64.urlsafe_b64encode(key)):
        assert encoded not in raw and encoded not in unpacked
    assert manifest["settings"]["FILE_ENCRYPTION_KEY_IDS"] == ["test"]
    assert manifest["settings"]["file_key_ids_in_use"] == ["test"]
    assert manifest["database"]["vendor"] == connection.vendor
    assert "0001_initial" in manifest["migrations"]["cabinet"]
    assert set(manifest["files"]) == names
    assert f"media/dossiers/{DOSSIER}" in names and f"media/{PICTURE}" in names
    assert Path(archive).stat().st_mode & 0o077 == 0  # the owner's eyes only


def test_files_under_a_key_that_is_not_configured_are_refused(
    government, tmp_path, settings
):
    archive = make_backup(tmp_path)
    settings.FILE_ENCRYPTION_KEYS = {"k2027": bytes(32)}
    settings.FILE_ENCRYPTION_CURRENT_KEY_ID = "k2027"
    assert_refused_and_untouched(
        archive, government, "encrypted with the key id(s) test, which"
    )


def test_a_different_key_under_the_same_id_is_refused(government, tmp_path, settings):
    archive = make_backup(tmp_path)
    settings.FILE_ENCRYPTION_KEYS = {"test": bytes(32)}
    assert_refused_and_untouched(
        archive, government, "is not the key that encrypted the archive's files"
    )


@pytest.mark.django_db
def test_not_an_archive(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"this is not gzip")
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("restore", str(junk))
    assert "is not a readable e-Cabinet backup archive" in str(refused.value)
    with translation.override("en"), pytest.raises(CommandError) as missing:
        call_command("restore", str(tmp_path / "nowhere.tar.gz"))
    assert "does not exist" in str(missing.value)
