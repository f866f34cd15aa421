"""``seed_demo`` fills the archive with the Government's own decrees and resolutions,
once: a second run reads nothing and changes nothing."""

import gzip
import json

import pytest

from cabinet.demo import demo_seed
from search.models import ArchiveImport, LegalDocument
from search.query import SearchQuery
from search.scope import Scope
from search.services import archive_search

pytestmark = pytest.mark.django_db


def test_the_demo_archive(settings, tmp_path, monkeypatch):
    import search.demo

    monkeypatch.setattr(search.demo, "DEMO_SIZE", 3)
    rows = [
        {
            "id": "a",
            "title": "Quy định chi tiết Luật Thanh niên",
            "issuer": "Chính phủ",
            "doc_type": "Nghị định",
            "text": "Điều 1.",
        },
        {
            "id": "b",
            "title": "Thông tư hướng dẫn",
            "issuer": "Bộ Tài chính",
            "doc_type": "Thông tư",
            "text": "Điều 1.",
        },
        {
            "id": "c",
            "title": "Về phiên họp Chính phủ thường kỳ",
            "issuer": "Chính phủ",
            "doc_type": "Nghị quyết",
            "text": "Điều 1.",
        },
        {
            "id": "d",
            "title": "Luật Thanh niên",
            "issuer": "Quốc hội",
            "doc_type": "Luật",
            "text": "Điều 1.",
        },
        {
            "id": "e",
            "title": "Về ngân sách",
            "issuer": "Chính phủ",
            "doc_type": "Nghị định",
            "text": "Điều 1.",
        },
        {
            "id": "f",
            "title": "Về đầu tư công",
            "issuer": "Chính phủ",
            "doc_type": "Nghị định",
            "text": "Điều 1.",
        },
    ]
    corpus = tmp_path / "corpus.jsonl.gz"
    with gzip.open(corpus, "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    settings.ARCHIVE_DEMO_CORPUS = str(corpus)
    demo_seed(password="demo-password-for-tests")
    assert set(LegalDocument.objects.values_list("external_id", flat=True)) == {
        "a",
        "c",
        "e",
    }
    hits = archive_search(
        user=None,
        query=SearchQuery(text="phien hop thuong ky"),
        scope=Scope.administrator(),
    ).hits
    assert hits[0].external_id == "c"
    assert hits[0].title == "Nghị quyết Về phiên họp Chính phủ thường kỳ"
    imports = ArchiveImport.objects.count()
    demo_seed(password="demo-password-for-tests")
    assert LegalDocument.objects.count() == 3
    assert ArchiveImport.objects.count() == imports


def test_without_the_corpus_the_demo_has_no_legal_documents(settings):
    settings.ARCHIVE_DEMO_CORPUS = "/nonexistent/corpus.jsonl.gz"
    demo_seed(password="demo-password-for-tests")
    assert LegalDocument.objects.count() == 0
