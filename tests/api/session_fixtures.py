"""Fixtures of the sessions' API tests: the sessions' ``tree`` and its dossier."""

import pytest

from documents.services import document_upload, versions_approve
from tests.sessions.conftest import pdf_upload, tree, user

__all__ = ["dossier", "tree"]


@pytest.fixture
def dossier(tree):
    """An open draft and a confidential plan (named: tv01, tv12) on the Finance item."""
    officer = user("daumoi.btc")
    open_document = document_upload(
        user=officer,
        page=tree.btc_dossier,
        title="Dự thảo Nghị định về nợ công",
        upload=pdf_upload(name="Dự thảo nghị định.pdf"),
    )
    confidential = document_upload(
        user=officer,
        page=tree.btc_dossier,
        title="Phương án xử lý nợ (mật hạn chế)",
        upload=pdf_upload(name="phuong-an.pdf", lines=("Phương án xử lý khoản nợ X",)),
        classification="confidential",
        named_readers=[user("tv01"), user("tv12")],
    )
    versions_approve(page=tree.btc_dossier, user=user("chuyenvien"))
    return open_document, confidential
