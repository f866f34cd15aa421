"""Sessions, items and dossier documents in archive search, with the reading room's
permissions: approved documents only, confidential ones for the named readers only."""

from documents.services import document_upload, versions_approve
from search.query import SearchQuery
from search.services import archive_reindex, archive_search
from tests.sessions.conftest import docx_upload, user


def titles(username, text):
    results = archive_search(
        user=user(username) if username else None, query=SearchQuery(text=text)
    )
    return {hit.title for hit in results.hits}, results


def test_approved_documents_are_found_without_diacritics(
    tree, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document_upload(
            user=user("daumoi.btc"),
            page=tree.btc_dossier,
            title="Tờ trình về quản lý nợ công",
            upload=docx_upload(["Thời hạn trả nợ tối đa của khoản vay ODA"]),
        )
    # Not approved yet: nobody finds it, not even its ministry through search.
    assert "Tờ trình về quản lý nợ công" not in titles("tv05", "no cong")[0]
    with django_capture_on_commit_callbacks(execute=True):
        versions_approve(page=tree.btc_dossier, user=user("chuyenvien"))
    found, _results = titles("tv05", "thoi han tra no khoan vay")
    assert "Tờ trình về quản lý nợ công" in found
    # The session and the item are found too (the fixture built them outside a
    # transaction's commit, so rebuild the index as `archive_reindex` would), by
    # members only.
    archive_reindex()
    found, _results = titles("tv05", "nghi dinh ve no cong")
    assert tree.btc_item.title in found
    assert titles(None, "no cong")[0] == set()


def test_confidential_documents_are_found_by_named_readers_only(
    tree, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document_upload(
            user=user("daumoi.btc"),
            page=tree.btc_dossier,
            title="Phương án tái cơ cấu nợ",
            upload=docx_upload(["Phương án tái cơ cấu khoản nợ với đối tác"]),
            classification="confidential",
            named_readers=[user("tv12")],
        )
        versions_approve(page=tree.btc_dossier, user=user("chuyenvien"))
    assert "Phương án tái cơ cấu nợ" in titles("tv12", "tai co cau")[0]
    assert "Phương án tái cơ cấu nợ" in titles("troly2", "tai co cau")[0]
    for outsider in ("tv05", "chuyenvien", "admin"):
        found, results = titles(outsider, "tai co cau")
        assert "Phương án tái cơ cấu nợ" not in found
        kinds = {f.value: f.count for f in results.facets.get("kind", [])}
        assert kinds.get("dossier_document", 0) == 0
