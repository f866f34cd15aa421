"""A confidential document exists only for the people named on it: not in the reading
room, not by its download or page URL, not in the dossier desk."""

import pytest

from cabinet.sessions.services import dossier_submit
from documents.models import ReviewStatus
from documents.permissions import readable_documents
from documents.services import document_upload, versions_approve
from tests.sessions.conftest import pdf_upload, user
from tests.utils import login_verified


@pytest.fixture
def confidential(tree):
    document = document_upload(
        user=user("daumoi.btc"),
        page=tree.btc_dossier,
        title="Phương án xử lý nợ (mật hạn chế)",
        upload=pdf_upload(lines=("Phương án xử lý khoản nợ X",)),
        classification="confidential",
        named_readers=[user("tv01"), user("tv12")],
    )
    open_document = document_upload(
        user=user("daumoi.btc"),
        page=tree.btc_dossier,
        title="Dự thảo Nghị định",
        upload=pdf_upload(name="nghi-dinh.pdf"),
    )
    versions_approve(page=tree.btc_dossier, user=user("chuyenvien"))
    return document, open_document


@pytest.mark.parametrize("username", ["tv01", "tv12", "troly", "troly2"])
def test_named_readers_and_the_assistant_of_a_named_member_see_it(
    client, tree, confidential, username
):
    document, _open = confidential
    reader = user(username)
    assert document in readable_documents(reader, [tree.btc_dossier])
    login_verified(client, reader)
    room = client.get(tree.session.url)
    assert room.status_code == 200
    assert document.title in room.content.decode()
    assert client.get(document.get_absolute_url()).status_code == 200
    download = client.get(document.versions.get().get_absolute_url())
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "username", ["tv05", "chuyenvien", "lanhdaovu", "admin", "lanhdaovp"]
)
def test_everyone_else_gets_nothing_not_even_a_title(
    client, tree, confidential, username
):
    document, open_document = confidential
    other = user(username)
    visible = list(readable_documents(other, [tree.btc_dossier]))
    assert document not in visible and open_document in visible
    login_verified(client, other)
    room = client.get(tree.session.url).content.decode()
    assert document.title not in room
    assert open_document.title in room
    assert client.get(document.get_absolute_url()).status_code == 404
    assert client.get(document.versions.get().get_absolute_url()).status_code == 404


def test_opening_a_confidential_file_is_audited(client, tree, confidential):
    from wagtail.models import ModelLogEntry

    document, _open = confidential
    login_verified(client, user("tv12"))
    client.get(document.versions.get().get_absolute_url())
    entry = ModelLogEntry.objects.filter(
        action="ecabinet.document_open_confidential", object_id=str(document.pk)
    ).get()
    assert entry.user == user("tv12")


def test_uninvited_focal_officer_of_another_ministry_sees_nothing(
    client, tree, confidential
):
    document, open_document = confidential
    officer = user("daumoi.btp")
    assert list(readable_documents(officer, [tree.btc_dossier])) == []
    login_verified(client, officer)
    assert client.get(tree.session.url).status_code == 404
    assert client.get(open_document.get_absolute_url()).status_code == 404
    desk = client.get("/admin/dossiers/").content.decode()
    assert document.title not in desk and open_document.title not in desk


def test_anonymous_visitors_are_sent_to_sign_in(client, tree, confidential):
    document, _open = confidential
    for url in (tree.session.url, document.get_absolute_url(), tree.index.url):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_pending_versions_are_hidden_from_members_until_the_review(client, tree):
    document = document_upload(
        user=user("daumoi.btc"),
        page=tree.btc_dossier,
        title="Bản chưa thẩm tra",
        upload=pdf_upload(),
    )
    assert document.versions.get().review_status == ReviewStatus.PENDING
    member = user("tv05")
    assert list(readable_documents(member, [tree.btc_dossier])) == []
    login_verified(client, member)
    assert client.get(document.get_absolute_url()).status_code == 404
    # The ministry that uploaded it sees it; the specialists review it.
    assert document in readable_documents(user("daumoi.btc"), [tree.btc_dossier])
    assert document in readable_documents(user("chuyenvien"), [tree.btc_dossier])
    dossier_submit(user=user("daumoi.btc"), dossier=tree.btc_dossier)
    versions_approve(page=tree.btc_dossier, user=user("chuyenvien"))
    assert document in readable_documents(member, [tree.btc_dossier])
