"""``archive_import``: idempotent by external id, resumable, bad lines reported and
the rest kept; ``archive_reindex`` and ``archive_search --json`` for operations."""

import gzip
import io
import json
import unicodedata

import pytest
from django.core.management import CommandError, call_command

from search import services
from search.models import ArchiveImport, ArchiveRecord, LegalDocument
from search.services import ImportFileError, archive_import

pytestmark = pytest.mark.django_db

RECORDS = [
    {
        "id": "vbpl-142850",
        "number": "57/2020/QH14",
        "title": "Luật Thanh niên",
        "issuer": "Quốc hội",
        "issued_on": "2020-06-16",
        "doc_type": "Luật",
        "text": "Điều 1. Thanh niên\nThanh niên là công dân Việt Nam từ đủ 16 tuổi đến 30 tuổi.",
        "effective_on": "2021-01-01",
        "source_url": "https://vbpl.vn/",
        "n_articles": 1,
    },
    {
        "id": "vbpl-1",
        "number": "68/NQ-CP",
        "title": unicodedata.normalize(
            "NFD", "Nghị quyết phiên họp Chính phủ thường kỳ"
        ),
        "issuer": "Chính phủ",
        "issued_on": "2019-06-24",
        "doc_type": "Nghị quyết",
        "text": "Điều 1. Thông qua\nChính phủ thống nhất thông qua.",
    },
    {
        "id": "short-citation",
        "number": "",
        "title": "",
        "issuer": "",
        "issued_on": None,
        "doc_type": "",
        "text": "Điều 5. Giải thích từ ngữ\nVăn bản chỉ có trích dẫn ngắn.",
    },
]


def write(path, records, gz=False):
    lines = "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n"
        for r in records
    )
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as out:
            out.write(lines)
    else:
        path.write_text(lines, encoding="utf-8")
    return path


def search_json(query):
    out = io.StringIO()
    call_command("archive_search", query, "--limit", "10", "--json", stdout=out)
    return json.loads(out.getvalue())["hits"]


def test_import_keeps_ids_normalises_text_and_is_searchable(tmp_path):
    path = write(tmp_path / "corpus.jsonl.gz", RECORDS, gz=True)
    out, err = io.StringIO(), io.StringIO()
    call_command("archive_import", str(path), stdout=out, stderr=err)
    assert "3 mới, 0 cập nhật, 0 không đổi, 0 bị từ chối" in out.getvalue()
    assert "3/3" in err.getvalue()  # the progress bar
    doc = LegalDocument.objects.get(external_id="vbpl-1")
    assert doc.title == "Nghị quyết phiên họp Chính phủ thường kỳ"
    assert doc.title == unicodedata.normalize("NFC", doc.title)
    assert doc.issued_on.isoformat() == "2019-06-24"
    hits = search_json("nghi quyet thuong ky")
    assert hits[0]["external_id"] == "vbpl-1" and hits[0]["type"] == "legal"
    assert hits[0]["title"] == "Nghị quyết phiên họp Chính phủ thường kỳ"
    assert search_json("Thanh niên là công dân từ bao nhiêu tuổi?")[0][
        "external_id"
    ] == ("vbpl-142850")
    # A record without a title is found by its text and shown by its id.
    assert search_json("giai thich tu ngu")[0]["external_id"] == "short-citation"


def test_import_twice_changes_nothing_and_a_changed_record_is_updated(tmp_path):
    path = write(tmp_path / "a.jsonl", RECORDS)
    first = archive_import(path=path)
    assert (first.created, first.updated) == (3, 0)
    again = archive_import(path=path)
    assert again.already_done and LegalDocument.objects.count() == 3
    forced = archive_import(path=path, restart=True)
    assert (forced.created, forced.updated, forced.unchanged) == (0, 0, 3)
    changed = [dict(RECORDS[0], title="Luật Thanh niên (sửa đổi)"), *RECORDS[1:]]
    report = archive_import(path=write(tmp_path / "b.jsonl", changed))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert LegalDocument.objects.count() == 3
    assert ArchiveRecord.objects.filter(kind="legal").count() == 3
    assert search_json("sua doi")[0]["external_id"] == "vbpl-142850"


def test_a_reimported_text_replaces_its_words_in_the_index(tmp_path):
    archive_import(path=write(tmp_path / "a.jsonl", RECORDS))
    assert search_json("thong nhat")[0]["external_id"] == "vbpl-1"
    changed = [
        RECORDS[0],
        dict(RECORDS[1], text="Điều 1. Ủy quyền\nChính phủ ủy quyền Bộ trưởng."),
        RECORDS[2],
        dict(RECORDS[0], id="vbpl-new", title="Luật Đất đai", text="Đường đồng ruộng."),
    ]
    report = archive_import(path=write(tmp_path / "b.jsonl", changed))
    assert (report.created, report.updated, report.unchanged) == (1, 1, 2)
    assert "vbpl-1" not in [hit["external_id"] for hit in search_json("thong nhat")]
    assert search_json("uy quyen bo truong")[0]["external_id"] == "vbpl-1"
    assert search_json("duong dong ruong")[0]["external_id"] == "vbpl-new"


def test_the_index_holds_folded_words_and_their_pairs(tmp_path):
    """What the SQLite FTS5 table stores: folded words, and neighbouring words
    joined by "_" within the title and within the body."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 table is SQLite's")
    text = unicodedata.normalize("NFD", "Điều 2. Đồng ý,  thông\u00a0qua!")
    record = dict(RECORDS[0], title="Luật Thanh niên", text=text)
    archive_import(path=write(tmp_path / "a.jsonl", [record]))
    pk = ArchiveRecord.objects.get(external_id="vbpl-142850").pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT title, number, body, pairs FROM search_archive_fts "
            "WHERE rowid = %s",
            [pk],
        )
        assert cursor.fetchall() == [
            (
                "luat thanh nien",
                "57 2020 qh14",
                "dieu 2 dong y thong qua",
                "luat_thanh thanh_nien dieu_2 2_dong dong_y y_thong thong_qua",
            )
        ]


def test_an_interrupted_import_resumes_where_it_stopped(tmp_path, monkeypatch):
    records = [
        dict(RECORDS[0], id=f"doc-{n}", title=f"Văn bản số {n}") for n in range(10)
    ]
    path = write(tmp_path / "big.jsonl", records)
    real = services._import_batch
    calls = []

    def crash_on_second_batch(run, batch, *args):
        calls.append(len(batch))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(run, batch, *args)

    monkeypatch.setattr(services, "_import_batch", crash_on_second_batch)
    with pytest.raises(KeyboardInterrupt):
        archive_import(path=path, batch_size=4)
    assert LegalDocument.objects.count() == 4
    assert ArchiveImport.objects.get().lines_done == 4
    monkeypatch.setattr(services, "_import_batch", real)
    report = archive_import(path=path, batch_size=4)
    assert report.resumed_from == 4 and report.created == 6
    assert LegalDocument.objects.count() == 10
    assert ArchiveImport.objects.get().finished_at is not None


def test_bad_lines_are_reported_and_the_others_imported(tmp_path):
    path = write(
        tmp_path / "bad.jsonl",
        [
            RECORDS[0],
            "{not json",
            {"title": "Không có id"},
            dict(RECORDS[1], issued_on="24/06/2019"),
            ["a", "list"],
            RECORDS[2],
        ],
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("archive_import", str(path), "--no-progress", stdout=out, stderr=err)
    assert "2 mới, 0 cập nhật, 0 không đổi, 4 bị từ chối" in out.getvalue()
    messages = err.getvalue()
    assert "dòng 2: không phải JSON" in messages
    assert "dòng 3: Bản ghi không có “id”." in messages
    assert "dòng 4: “issued_on” không phải là ngày (YYYY-MM-DD): 24/06/2019" in messages
    assert "dòng 5: Mỗi bản ghi phải là một đối tượng JSON." in messages
    assert set(LegalDocument.objects.values_list("external_id", flat=True)) == {
        "vbpl-142850",
        "short-citation",
    }


def test_a_missing_or_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Không có tệp"):
        call_command("archive_import", str(tmp_path / "none.jsonl"))
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(b"this is not gzip")
    with pytest.raises(ImportFileError, match="Không đọc được"):
        archive_import(path=broken)
    assert LegalDocument.objects.count() == 0


def test_reindex_command_rebuilds_from_the_documents(tmp_path):
    archive_import(path=write(tmp_path / "a.jsonl", RECORDS))
    ArchiveRecord.objects.all().delete()
    assert search_json("thanh nien") == []
    out, err = io.StringIO(), io.StringIO()
    call_command("archive_reindex", stdout=out, stderr=err)
    assert "3 bản ghi" in out.getvalue() and "3/3" in err.getvalue()
    assert search_json("thanh nien")[0]["external_id"] == "vbpl-142850"


def test_archive_search_ranks_best_first_with_scores(tmp_path):
    archive_import(path=write(tmp_path / "a.jsonl", RECORDS))
    hits = search_json("Chính phủ thông qua nghị quyết")
    assert hits[0]["external_id"] == "vbpl-1"
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert set(hits[0]) == {"external_id", "title", "type", "score"}
