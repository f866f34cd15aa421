"""Vietnamese matching: with or without marks, "đ" as "d", NFC and NFD alike, and
natural-language questions ranked by relevance rather than "all words must match"."""

import unicodedata

import pytest

from search.backends.database import word_pairs, word_pairs_text
from search.folding import WORD, FoldedChunks, fold, fold_aligned, folded_word_list
from search.highlight import mark, snippet
from search.query import SORT_DATE, SearchQuery
from search.scope import Scope
from search.services import archive_search
from tests.search.conftest import keys, record

pytestmark = pytest.mark.django_db


def find(text, **query):
    return archive_search(
        user=None,
        query=SearchQuery(text=text, **query),
        scope=Scope.administrator(),
    )


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nghị quyết", "nghi quyet"),
        ("NGHỊ QUYẾT", "nghi quyet"),
        ("phiên họp thường kỳ", "phien hop thuong ky"),
        ("Đồng ý", "dong y"),
        (unicodedata.normalize("NFD", "Nghị quyết Đà Nẵng"), "nghi quyet da nang"),
        ("Số: 68/NQ-CP", "so: 68/nq-cp"),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "Nghị quyết số 68/NQ-CP, ngày 24/6/2019: Đồng ý!",
        unicodedata.normalize("NFD", "Nghị quyết thường kỳ, Đà Nẵng"),
        "x\u0301y a \u0301b \u0323\u0301 c",  # marks with no letter, after spaces
        "İstanbul ΟΔΟΣ ΟΔΟΣ.ΑΒ ΑΣ'Β Σ",  # dotted capital I, final sigma
        "a\u00a0b\u2000c\u3000d\x1fe\tf\ng",  # spaces other than " "
        "snake_case __ - -- … “trích dẫn” ǅ ß ﬁ",
    ],
)
def test_folded_words_chunk_by_chunk_are_those_of_the_whole_text(text):
    """Indexing folds each distinct whitespace-separated chunk once; the words must
    be exactly those of folding the whole text, and the pairs those of word_pairs."""
    chunks = FoldedChunks()
    words = WORD.findall(fold(text))
    assert folded_word_list(text, chunks) == words
    assert folded_word_list(text, chunks) == words  # from the cache this time
    assert word_pairs_text(words) == " ".join(word_pairs(words))


def test_aligned_folding_keeps_every_offset():
    text = "Chính phủ ĐỒNG Ý thông qua Nghị quyết về phiên họp thường kỳ"
    folded = fold_aligned(text)
    assert len(folded) == len(text)
    assert folded == "chinh phu dong y thong qua nghi quyet ve phien hop thuong ky"


@pytest.fixture
def archive(index):
    return index(
        record(
            title="Nghị quyết phiên họp Chính phủ thường kỳ tháng 6 năm 2019",
            body="Chính phủ thống nhất đánh giá tình hình kinh tế - xã hội.",
        ),
        record(
            title="Tổng hợp ý kiến Thành viên Chính phủ",
            body="Đa số Thành viên Chính phủ đồng ý với dự thảo.",
            kind="ballot",
        ),
        record(title="Báo cáo về tình hình giải ngân vốn đầu tư công", kind="minutes"),
    )


@pytest.mark.parametrize(
    "question",
    [
        "Nghị quyết",
        "nghi quyet",
        "NGHI QUYET",
        unicodedata.normalize("NFD", "nghị quyết"),
        "thuong ky",
        "phien hop",
    ],
)
def test_resolution_found_with_or_without_marks(archive, question):
    results = find(question)
    assert keys(results)[:1] == [archive[0].key]


@pytest.mark.parametrize("question", ["dong y", "đồng ý", "Đồng Ý", "DONG Y"])
def test_d_with_stroke_matches_plain_d(archive, question):
    assert archive[1].key in keys(find(question))


def test_a_question_need_not_have_every_word_in_a_document(archive):
    # "giải ngân" and "vốn" appear in one document only; "nghị định" in none.
    results = find("Tình hình giải ngân vốn đầu tư công theo nghị định nào?")
    assert keys(results)[0] == archive[2].key
    # Best first; documents sharing only "tình hình" still come, further down.
    assert archive[0].key in keys(results)
    assert results.hits[0].score > results.hits[-1].score


def test_snippets_mark_the_original_accented_words(archive):
    hits = {hit.key: hit for hit in find("tinh hinh kinh te").hits}
    first = hits[archive[0].key]
    assert "<mark>kinh tế</mark>" in first.snippet_html
    assert "<mark>tình hình</mark>" in first.snippet_html


def test_highlight_escapes_html_and_marks_whole_words():
    html = mark("<b>Nghị quyết</b> nghiêm túc", ("nghi",))
    assert html == "&lt;b&gt;<mark>Nghị</mark> quyết&lt;/b&gt; nghiêm túc"


def test_snippet_is_the_window_with_the_most_terms():
    text = "Mở đầu. " + "Nội dung khác. " * 50 + "Quyết định về ngân sách nhà nước."
    html = snippet(text, ("ngan", "sach"))
    assert "<mark>ngân</mark> <mark>sách</mark>" in html
    assert html.startswith("… ")


def test_empty_question_lists_by_date_and_sort_by_date(index):
    import datetime

    old, new = index(
        record(title="Nghị quyết cũ", date=datetime.date(2019, 1, 1)),
        record(title="Nghị quyết mới", date=datetime.date(2024, 1, 1)),
    )
    assert keys(find(""))[:2] == [new.key, old.key]
    assert keys(find("nghi quyet", sort=SORT_DATE))[:2] == [new.key, old.key]


def test_filters_facets_and_pagination(index):
    import datetime

    index(
        *[
            record(
                title=f"Nghị quyết số {n}",
                kind="resolution" if n % 2 else "minutes",
                issuer="Chính phủ" if n % 3 else "Thủ tướng Chính phủ",
                date=datetime.date(2018 + n % 2, 1, 1),
                session_id=7 if n < 4 else None,
                session_title="Phiên họp thường kỳ tháng 6" if n < 4 else "",
            )
            for n in range(1, 26)
        ]
    )
    results = find("nghi quyet", per_page=10)
    assert results.total == 25 and len(results.hits) == 10 and results.pages == 3
    page3 = find("nghi quyet", per_page=10, page=3)
    assert len(page3.hits) == 5
    assert not {h.key for h in page3.hits} & {h.key for h in results.hits}
    facets = {
        name: {v.value: v.count for v in values}
        for name, values in results.facets.items()
    }
    assert facets["kind"] == {"resolution": 13, "minutes": 12}
    assert facets["year"] == {"2019": 13, "2018": 12}
    assert facets["issuer"] == {"Chính phủ": 17, "Thủ tướng Chính phủ": 8}
    assert facets["session"] == {"7": 3}
    assert results.facets["session"][0].label == "Phiên họp thường kỳ tháng 6"
    filtered = find("nghi quyet", kinds=("minutes",), years=(2018,))
    assert filtered.total == 12
    assert {h.kind for h in filtered.hits} == {"minutes"}
    assert find("nghi quyet", session_ids=(7,)).total == 3
