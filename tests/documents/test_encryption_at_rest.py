"""Dossier files are encrypted at rest, authenticated on read and rotated to new keys."""

import base64
import io
import os
import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation
from django.views.debug import ExceptionReporter

from documents import crypto
from documents.crypto import TamperedFileError, UnknownKeyError
from documents.storage import TEMPORARY_PREFIX, EncryptedFileSystemStorage

K1 = bytes(range(32))
K2 = bytes([0xFB, 0xFF]) * 16  # base64 holds '+' and '/', so URL-safe differs
K3 = bytes(range(100, 132))

SECRET_PHRASE = "Tờ trình dự án Luật Đất đai (sửa đổi) — TUYỆT MẬT"
VIETNAMESE_TEXT = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\n"
    f"{SECRET_PHRASE}\nKính gửi: Thủ tướng Chính phủ.\n"
)
# A PDF-like binary: header, every byte value (NUL, high bytes), a UTF-8 text stream.
PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 9000 >>\nstream\n"
    + bytes(range(256)) * 300
    + VIETNAMESE_TEXT.encode("utf-8")
    + b"\nendstream\nendobj\n%%EOF\n"
)


@pytest.fixture
def root(settings, tmp_path) -> Path:
    settings.FILE_ENCRYPTION_KEYS = {"k1": K1}
    settings.FILE_ENCRYPTION_CURRENT_KEY_ID = "k1"
    settings.DOSSIER_FILES_ROOT = tmp_path / "dossiers"
    return settings.DOSSIER_FILES_ROOT


@pytest.fixture
def storage(root) -> EncryptedFileSystemStorage:
    return EncryptedFileSystemStorage(location=root)


def read(storage: EncryptedFileSystemStorage, name: str) -> bytes:
    with storage.open(name) as f:
        return f.read()


def on_disk(storage: EncryptedFileSystemStorage, name: str) -> bytes:
    return Path(storage.path(name)).read_bytes()


def rewrite(storage: EncryptedFileSystemStorage, name: str, blob: bytes) -> None:
    Path(storage.path(name)).write_bytes(blob)


def rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_file_key", *args, stdout=out, stderr=out)
    return out.getvalue()


def use_keys(settings, current: str, **keys: bytes) -> None:
    settings.FILE_ENCRYPTION_KEYS = keys
    settings.FILE_ENCRYPTION_CURRENT_KEY_ID = current


# --- Round trip and confidentiality --------------------------------------------------


def test_a_pdf_and_vietnamese_text_come_back_byte_for_byte(storage):
    pdf_name = storage.save("2025/phien-hop-01/to-trinh.pdf", ContentFile(PDF))
    text_name = storage.save(
        "2025/phien-hop-01/ghi-chu.txt", ContentFile(VIETNAMESE_TEXT)
    )

    assert read(storage, pdf_name) == PDF
    assert read(storage, text_name).decode("utf-8") == VIETNAMESE_TEXT
    # Content-Length for a download must match what open() returns.
    assert storage.size(pdf_name) == len(PDF)


def test_nothing_readable_reaches_the_disk(storage, root):
    storage.save("to-trinh.pdf", ContentFile(PDF))
    storage.save("ghi-chu.txt", ContentFile(VIETNAMESE_TEXT))

    for path in (p for p in root.rglob("*") if p.is_file()):
        stored = path.read_bytes()
        assert stored.startswith(crypto.MAGIC + b"\x02k1")
        assert SECRET_PHRASE.encode("utf-8") not in stored
        assert "TUYỆT MẬT".encode() not in stored
        assert b"%PDF" not in stored


def test_a_large_upload_spooled_to_a_temporary_file_is_encrypted_not_moved(storage):
    """Django moves big uploads into place; this storage must encrypt them instead."""
    upload = TemporaryUploadedFile("to-trinh.pdf", "application/pdf", len(PDF), None)
    upload.write(PDF)
    upload.seek(0)

    name = storage.save("to-trinh.pdf", upload)

    assert SECRET_PHRASE.encode("utf-8") not in on_disk(storage, name)
    assert read(storage, name) == PDF


def test_the_same_file_saved_twice_gives_different_ciphertexts(storage):
    first = storage.save("a.pdf", ContentFile(PDF))
    second = storage.save("b.pdf", ContentFile(PDF))

    assert on_disk(storage, first) != on_disk(storage, second)


def test_files_cannot_be_opened_for_writing_around_the_encryption(storage):
    name = storage.save("a.pdf", ContentFile(PDF))

    for mode in ("wb", "r+b", "ab", "r"):
        with pytest.raises(ValueError, match="'rb' only"):
            storage.open(name, mode)
    assert read(storage, name) == PDF


# --- Tampering ---------------------------------------------------------------------


def header_size(blob: bytes) -> int:
    return len(crypto.MAGIC) + 1 + blob[len(crypto.MAGIC)]


def flip(blob: bytes, index: int) -> bytes:
    return blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1 :]


@pytest.mark.parametrize(
    "alter",
    [
        pytest.param(lambda b: flip(b, len(b) // 2), id="ciphertext byte"),
        pytest.param(lambda b: flip(b, len(b) - 1), id="tag byte"),
        pytest.param(lambda b: flip(b, header_size(b)), id="nonce byte"),
        pytest.param(lambda b: flip(b, 0), id="magic byte"),
        pytest.param(lambda b: b[:-1], id="truncated"),
        pytest.param(lambda b: b[: header_size(b) + 5], id="cut inside the nonce"),
        pytest.param(lambda b: b + b"\x00", id="byte appended"),
        pytest.param(lambda b: PDF, id="plaintext put in its place"),
    ],
)
def test_an_altered_file_is_refused(storage, alter):
    name = storage.save("to-trinh.pdf", ContentFile(PDF))
    rewrite(storage, name, alter(on_disk(storage, name)))

    with pytest.raises(TamperedFileError) as excinfo:
        storage.open(name)
    with translation.override("en"):
        assert str(excinfo.value) == (
            "This file has been altered since it was stored and cannot be served."
        )
    with translation.override("vi"):
        assert str(excinfo.value).startswith("Tệp này đã bị thay đổi")


def test_the_key_id_in_the_header_is_authenticated(settings, storage):
    """Even naming another id for the very same key is detected."""
    use_keys(settings, "k1", k1=K1, k9=K1)
    name = storage.save("to-trinh.pdf", ContentFile(PDF))
    blob = on_disk(storage, name)
    rewrite(storage, name, blob.replace(b"\x02k1", b"\x02k9", 1))

    with pytest.raises(TamperedFileError):
        storage.open(name)


def test_a_key_id_swapped_for_another_configured_key_is_refused(settings, storage):
    use_keys(settings, "k1", k1=K1, k2=K2)
    name = storage.save("to-trinh.pdf", ContentFile(PDF))
    rewrite(storage, name, on_disk(storage, name).replace(b"\x02k1", b"\x02k2", 1))

    with pytest.raises(TamperedFileError):
        storage.open(name)


def test_a_key_id_swapped_for_an_unknown_one_is_refused(storage):
    name = storage.save("to-trinh.pdf", ContentFile(PDF))
    rewrite(storage, name, on_disk(storage, name).replace(b"\x02k1", b"\x02k7", 1))

    with pytest.raises(UnknownKeyError) as excinfo:
        storage.open(name)
    assert excinfo.value.key_id == "k7"
    assert "k7" not in str(excinfo.value)  # users see a plain sentence


def test_a_file_whose_key_was_removed_is_refused(settings, storage):
    name = storage.save("to-trinh.pdf", ContentFile(PDF))
    use_keys(settings, "k2", k2=K2)

    with pytest.raises(UnknownKeyError):
        storage.open(name)


# --- Rotation ----------------------------------------------------------------------

NAMES = ["2024/to-trinh.pdf", "2024/phu-luc/bang-so-lieu.pdf", "ghi-chu.txt"]


@pytest.fixture
def files_under_k1(storage) -> dict[str, bytes]:
    contents = [PDF, PDF[::-1], VIETNAMESE_TEXT.encode("utf-8")]
    return {
        storage.save(name, ContentFile(content)): content
        for name, content in zip(NAMES, contents, strict=True)
    }


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()
    }


def test_rotation_moves_every_file_to_the_new_key(
    settings, storage, root, files_under_k1
):
    use_keys(settings, "k2", k1=K1, k2=K2)

    output = rotate()

    assert "Scanned: 3" in output
    assert "Re-encrypted: 3" in output
    assert "Failed: 0" in output
    for name, content in files_under_k1.items():
        assert crypto.key_id_of(on_disk(storage, name)) == "k2"
        assert read(storage, name) == content
    assert not [p for p in root.rglob("*") if p.name.startswith(TEMPORARY_PREFIX)]

    # The old key can now go: everything still opens.
    use_keys(settings, "k2", k2=K2)
    for name, content in files_under_k1.items():
        assert read(storage, name) == content


def test_a_second_rotation_rewrites_nothing(settings, root, files_under_k1):
    use_keys(settings, "k2", k1=K1, k2=K2)
    rotate()
    before = snapshot(root)

    output = rotate()

    assert "Re-encrypted: 0" in output
    assert "Already current: 3" in output
    assert snapshot(root) == before


def test_a_dry_run_changes_nothing(settings, root, files_under_k1):
    before = snapshot(root)
    use_keys(settings, "k2", k1=K1, k2=K2)

    output = rotate("--dry-run")

    assert "Would re-encrypt: 3" in output
    assert snapshot(root) == before


def test_rotation_keeps_file_permissions(settings, storage, files_under_k1):
    name = NAMES[0]
    os.chmod(storage.path(name), 0o640)
    use_keys(settings, "k2", k1=K1, k2=K2)

    rotate()

    assert stat.S_IMODE(os.stat(storage.path(name)).st_mode) == 0o640


def test_a_tampered_file_fails_the_rotation_but_the_others_are_rotated(
    settings, storage, files_under_k1
):
    tampered = NAMES[1]
    blob = on_disk(storage, tampered)
    altered = flip(blob, len(blob) - 1)
    rewrite(storage, tampered, altered)
    use_keys(settings, "k2", k1=K1, k2=K2)
    out = io.StringIO()

    with translation.override("en"), pytest.raises(CommandError, match="1 file"):
        call_command("rotate_file_key", stdout=out, stderr=out)

    output = out.getvalue()
    assert "Re-encrypted: 2" in output
    assert "Failed: 1" in output
    assert f"{tampered}: This file has been altered" in output
    assert on_disk(storage, tampered) == altered  # left exactly as found
    for name in (NAMES[0], NAMES[2]):
        assert crypto.key_id_of(on_disk(storage, name)) == "k2"
        assert read(storage, name) == files_under_k1[name]


def test_a_file_under_a_key_no_longer_configured_is_reported(
    settings, storage, files_under_k1
):
    use_keys(settings, "k3", k3=K3)
    orphan = storage.save("mo-coi.pdf", ContentFile(PDF))
    use_keys(settings, "k2", k1=K1, k2=K2)
    out = io.StringIO()

    with pytest.raises(CommandError):
        call_command("rotate_file_key", stdout=out, stderr=out)

    assert f"{orphan}: unknown key id 'k3'" in out.getvalue()
    assert "Re-encrypted: 3" in out.getvalue()


def test_rotation_falls_back_to_media_root(settings, tmp_path):
    if hasattr(settings, "DOSSIER_FILES_ROOT"):
        del settings.DOSSIER_FILES_ROOT
    settings.MEDIA_ROOT = tmp_path / "media"
    use_keys(settings, "k1", k1=K1)
    storage = EncryptedFileSystemStorage(location=tmp_path / "media" / "dossiers")
    name = storage.save("to-trinh.pdf", ContentFile(PDF))
    use_keys(settings, "k2", k1=K1, k2=K2)

    assert "Re-encrypted: 1" in rotate()
    assert crypto.key_id_of(on_disk(storage, name)) == "k2"


# --- Configuration -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "current", "message"),
    [
        (
            {"k1": b"too short"},
            "k1",
            r"FILE_ENCRYPTION_KEYS\['k1'\] must be exactly 32",
        ),
        ({"k1": K1 + b"x"}, "k1", "must be exactly 32 bytes"),
        ({"k1": base64.b64encode(K1).decode()}, "k1", "must be bytes, not str"),
        ({"k1": K1}, "", "FILE_ENCRYPTION_CURRENT_KEY_ID must name"),
        ({"k1": K1}, "k2", "FILE_ENCRYPTION_CURRENT_KEY_ID is 'k2'.*only holds"),
        ({}, "k1", "FILE_ENCRYPTION_KEYS must be a non-empty dict"),
        ({"k 1": K1}, "k 1", "Invalid key id 'k 1'"),
    ],
)
def test_a_bad_key_configuration_is_refused_clearly(
    settings, storage, root, keys, current, message
):
    use_keys(settings, current, **keys)

    with pytest.raises(ImproperlyConfigured, match=message):
        crypto.keyring()
    with pytest.raises(ImproperlyConfigured):
        storage.save("to-trinh.pdf", ContentFile(PDF))
    assert not root.exists() or not any(root.rglob("*.pdf"))  # nothing written
    with pytest.raises(CommandError, match=message):
        rotate()


def test_missing_settings_are_refused_clearly(settings):
    for name in ("FILE_ENCRYPTION_KEYS", "FILE_ENCRYPTION_CURRENT_KEY_ID"):
        if hasattr(settings, name):
            delattr(settings, name)

    with pytest.raises(ImproperlyConfigured, match="FILE_ENCRYPTION_KEYS"):
        crypto.encrypt(b"x")


def std(key: bytes) -> str:
    return base64.b64encode(key).decode()


def urlsafe_unpadded(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def test_parse_keys_reads_standard_and_urlsafe_base64():
    assert "+" in std(K2) and "-" in urlsafe_unpadded(K2)

    value = f" k2024:{std(K1)} , k2025:{urlsafe_unpadded(K2)},k2026:{std(K3)}"

    assert crypto.parse_keys(value) == {"k2024": K1, "k2025": K2, "k2026": K3}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "empty"),
        (" , ", "empty"),
        ("k1", r"#1 must look like 'key_id:BASE64'"),
        (f"k1:{std(K1)},k2:", r"#2 must look like 'key_id:BASE64'"),
        (f":{std(K1)}", "must look like"),
        (f"k1:{std(K1)},k1:{std(K2)}", "'k1' is given twice"),
        ("k1:not*base64", r"#1 \('k1'\) is not valid base64"),
        (f"k1:{std(K1[:16])}", r"decodes to 16 bytes; AES-256 needs exactly 32"),
        (f"k é:{std(K1)}", "Invalid key id"),
    ],
)
def test_parse_keys_explains_what_is_wrong(value, message):
    with pytest.raises(ImproperlyConfigured, match=message) as excinfo:
        crypto.parse_keys(value)
    # The key material never ends up in an error message (or a log).
    for key in (K1, K2, K1[:16]):
        assert std(key).rstrip("=") not in str(excinfo.value)


def test_keys_stay_out_of_error_reports(rf, settings, storage):
    """A 500 report (debug page, mail to ADMINS) shows locals, but never a key."""
    use_keys(settings, "k1", k1=K1, k9=K1)
    name = storage.save("to-trinh.pdf", ContentFile(PDF))
    rewrite(storage, name, on_disk(storage, name).replace(b"\x02k1", b"\x02k9", 1))
    with pytest.raises(TamperedFileError) as excinfo:
        storage.open(name)

    report = ExceptionReporter(
        rf.get("/"), excinfo.type, excinfo.value, excinfo.tb
    ).get_traceback_html()

    assert "<td>key</td>" in report  # decrypt's locals are listed ...
    assert repr(K1)[2:30] not in report  # ... but not their values
    assert repr(K1)[2:30] not in repr(crypto.keyring())
