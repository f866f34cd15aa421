"""My sessions, a session's programme with its dossiers, and my positions, through
the API as a member's app uses them."""

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import PageLogEntry

from cabinet.models import (
    ItemPosition,
    Participant,
    SessionPage,
    SessionRecord,
    SessionVisit,
)
from cabinet.sessions.services import session_composition_default
from documents.models import DocumentOpen
from documents.services import document_replace, document_upload, versions_approve
from tests.api.conftest import ApiClient, sign_in
from tests.sessions.conftest import docx_upload, pdf_upload, user

pytestmark = pytest.mark.django_db


def _past_session(tree, *, closed=True) -> SessionPage:
    session = SessionPage(
        title="Phiên họp tháng trước",
        slug="thang-truoc",
        starts_at=timezone.now() - timedelta(days=30),
        chair=user("tv01"),
    )
    tree.index.add_child(instance=session)
    session.save_revision().publish()
    session_composition_default(session=session)
    if closed:
        SessionRecord.objects.create(session=session, state="closed")
    return session


def test_a_member_lists_upcoming_and_past_sessions(tree):
    past = _past_session(tree)
    app = sign_in(user("tv05"))
    response = app.get("/sessions")
    assert response.status_code == 200
    (row,) = response.json()
    assert row["id"] == tree.session.pk
    assert row["title"] == "Phiên họp thường kỳ"
    assert row["state"] == "planned" and row["state_label"] == "Chưa khai mạc"
    assert (row["my_role"], row["attendance"], row["presence"], row["votes"]) == (
        "member",
        "attending",
        None,
        True,
    )
    assert row["counts"] == {"items": 2, "votes_expected": 2, "my_positions": 0}
    assert row["url"] == f"/api/v1/sessions/{tree.session.pk}"
    older = app.get("/sessions", {"past": "true"}).json()
    assert [s["id"] for s in older] == [past.pk]
    assert older[0]["state"] == "closed"
    # pages of the list
    assert app.get("/sessions", {"limit": 1, "offset": 1}).json() == []
    bad = app.get("/sessions", {"limit": 1000})
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "limit"


def test_an_open_session_stays_upcoming_after_its_start(tree):
    SessionPage.objects.filter(pk=tree.session.pk).update(
        starts_at=timezone.now() - timedelta(days=2)
    )
    app = sign_in(user("tv05"))
    assert app.get("/sessions").json() == []
    SessionRecord.objects.create(session=tree.session, state="open")
    assert [s["id"] for s in app.get("/sessions").json()] == [tree.session.pk]


def test_roles_an_assistant_a_deputy_and_someone_uninvited(tree):
    assistant = sign_in(user("troly")).get("/sessions").json()
    assert [(s["my_role"], s["votes"]) for s in assistant] == [(None, False)]
    # tv07 is absent with consent; a deputy minister attends in their place
    deputy = user("daumoi.btc")
    Participant.objects.filter(session=tree.session, user=user("tv07")).update(
        attendance="absent", consent_note="Đồng ý", deputy=deputy
    )
    (row,) = sign_in(deputy).get("/sessions").json()
    assert (row["my_role"], row["attendance"], row["votes"]) == ("deputy", None, False)
    # a focal officer not invited sees no session and cannot open one
    outsider = sign_in(user("daumoi.btp"))
    assert outsider.get("/sessions").json() == []
    refused = outsider.get(f"/sessions/{tree.session.pk}")
    assert refused.status_code == 404
    assert refused.json() == {
        "code": "not_found",
        "message": "Không tìm thấy, hoặc bạn không có quyền xem.",
        "fields": [],
    }


def test_the_programme_lists_the_dossiers_i_may_read(tree, dossier):
    open_document, confidential = dossier
    app = sign_in(user("tv05"))
    response = app.get(f"/sessions/{tree.session.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["chair"] == "Phạm Quốc Thái"
    assert [i["title"] for i in data["items"]] == [
        "Nghị định về nợ công",
        "Luật Ban hành văn bản",
    ]
    finance = data["items"][0]
    assert finance["ministry"] == "Bộ Tài chính" and finance["vote_expected"]
    assert finance["position"] is None
    assert finance["position_url"] == f"/api/v1/items/{tree.btc_item.pk}/position"
    (document,) = finance["documents"]  # the confidential plan is not even listed
    assert document["title"] == "Dự thảo Nghị định về nợ công"
    version = open_document.versions.get()
    assert document["version"]["number"] == 1
    assert document["version"]["sha256"] == version.sha256
    assert document["version"]["pages"] == 1
    assert document["version"]["content_type"] == "application/pdf"
    assert confidential.title not in response.content.decode()
    # the named reader sees both
    named = sign_in(user("tv12")).get(f"/sessions/{tree.session.pk}").json()
    assert {d["title"] for d in named["items"][0]["documents"]} == {
        open_document.title,
        confidential.title,
    }
    # the download link works with the bearer token and records the open
    download = app.get(document["version"]["download_url"].removeprefix("/api/v1"))
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF")
    assert download["Cache-Control"] == "private, no-store"
    assert download["Content-Disposition"] == (
        'attachment; filename="D? th?o ngh? ??nh.pdf"; '
        "filename*=UTF-8''D%E1%BB%B1%20th%E1%BA%A3o%20ngh%E1%BB%8B%20%C4%91%E1%BB%8Bnh.pdf"
    )
    assert DocumentOpen.objects.filter(version=version, user=user("tv05")).exists()
    # without a token: 401, not the file
    assert ApiClient().get(f"/sessions/{tree.session.pk}").status_code == 401


def test_documents_new_since_my_last_visit_are_marked(tree, dossier):
    app = sign_in(user("tv05"))
    first = app.get(f"/sessions/{tree.session.pk}").json()
    assert first["previous_visit"] is None and first["news_count"] == 0
    SessionVisit.objects.filter(user=user("tv05")).update(
        last_visit_at=timezone.now() - timedelta(hours=2)
    )
    open_document, _confidential = dossier
    document_replace(
        user=user("daumoi.btc"),
        document=open_document,
        upload=pdf_upload(name="v2.pdf", lines=("Dự thảo Nghị định", "Điều 2.")),
    )
    document_upload(
        user=user("daumoi.btc"),
        page=tree.btc_dossier,
        title="Tờ trình",
        upload=docx_upload(["TỜ TRÌNH"]),
    )
    versions_approve(page=tree.btc_dossier, user=user("chuyenvien"))
    second = app.get(f"/sessions/{tree.session.pk}").json()
    assert second["previous_visit"] is not None and second["news_count"] == 2
    marks = {
        d["title"]: (d["is_new"], d["updated"], d["version"]["number"])
        for d in second["items"][0]["documents"]
    }
    assert marks == {
        "Dự thảo Nghị định về nợ công": (False, True, 2),
        "Tờ trình": (True, False, 1),
    }


def test_a_member_marks_positions_before_the_deadline(tree):
    app = sign_in(user("tv05"))
    url = f"/items/{tree.btc_item.pk}/position"
    positions = app.get(f"/sessions/{tree.session.pk}/positions").json()
    assert positions["can_mark"] is True
    assert [(p["item_id"], p["stance"]) for p in positions["items"]] == [
        (tree.btc_item.pk, None),
        (tree.btp_item.pk, None),
    ]
    # an objection needs a reason, said on the comment field
    refused = app.put(url, {"stance": "objection"})
    assert refused.status_code == 400
    assert refused.json()["code"] == "no_reason"
    assert refused.json()["fields"] == [
        {
            "field": "comment",
            "message": "Hãy nêu ngắn gọn nội dung phản đối để cơ quan trình chuẩn bị.",
            "code": "no_reason",
        }
    ]
    saved = app.put(url, {"stance": "objection", "comment": "Chưa rõ nguồn trả nợ"})
    assert saved.status_code == 200
    assert saved.json()["stance"] == "objection"
    assert saved.json()["stance_label"] == "Phản đối"
    changed = app.put(url, {"stance": "no_objection"})
    assert changed.json()["stance"] == "no_objection"
    position = ItemPosition.objects.get(item=tree.btc_item, member=user("tv05"))
    assert position.stance == "no_objection"
    listed = app.get(f"/sessions/{tree.session.pk}/positions").json()["items"]
    assert listed[0]["stance"] == "no_objection"
    detail = app.get(f"/sessions/{tree.session.pk}").json()
    assert detail["items"][0]["position"]["stance"] == "no_objection"
    assert detail["counts"]["my_positions"] == 1
    assert PageLogEntry.objects.filter(action="ecabinet.position_set").count() == 2
    # a stance that does not exist is named in the error
    wrong = app.put(url, {"stance": "agree"})
    assert wrong.status_code == 422
    assert wrong.json()["fields"][0]["field"] == "stance"


def test_positions_are_refused_after_the_deadline_to_assistants_and_on_hidden_items(
    tree,
):
    url = f"/items/{tree.btc_item.pk}/position"
    assistant = sign_in(user("troly"))
    refused = assistant.put(url, {"stance": "no_objection"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert (
        assistant.get(f"/sessions/{tree.session.pk}/positions").json()["can_mark"]
        is False
    )
    SessionPage.objects.filter(pk=tree.session.pk).update(
        positions_deadline=timezone.now() - timedelta(hours=1)
    )
    app = sign_in(user("tv05"))
    late = app.put(url, {"stance": "no_objection"})
    assert late.status_code == 409
    assert late.json()["code"] == "closed"
    assert late.json()["message"].startswith("Đã hết hạn cho ý kiến (")
    assert not ItemPosition.objects.exists()
    assert app.put("/items/999999/position", {"stance": "objection"}).status_code == 404
    huge = app.put(f"/items/{2**63}/position", {"stance": "objection"})
    assert huge.status_code == 422 and huge.json()["fields"][0]["field"] == "item_id"
    outsider = sign_in(user("daumoi.btp"))
    assert outsider.put(url, {"stance": "no_objection"}).status_code == 404


def test_no_two_schemas_of_the_api_share_a_name():
    """The OpenAPI components are keyed by class name, and django-ninja silently keeps
    one of two schemas with the same name: the other endpoint's documentation (and
    schemathesis' checks of it) would be wrong."""
    from ninja import Schema

    import cabinet.api  # noqa: F401 - mounts every router

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    modules: dict[str, set[str]] = {}
    for cls in subclasses(Schema):
        if cls.__module__.startswith(("cabinet.", "documents.")):
            modules.setdefault(cls.__name__, set()).add(cls.__module__)
    assert {name: found for name, found in modules.items() if len(found) > 1} == {}
