"""Ballots through the API: my ballots, one ballot, my answer confirmed by a code."""

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import PageLogEntry

from cabinet.models import BallotAnswer, BallotAnswerVersion, BallotPage
from documents.classification import Classification
from documents.services import document_upload
from tests.api.conftest import backup_code, otp_for, sign_in
from tests.ballots.conftest import draft_ballot, issue, user
from tests.ballots.test_documents import pdf

pytestmark = pytest.mark.django_db


def choices_for(ballot, choice="agree"):
    return {str(q.pk): choice for q in ballot.questions.all()}


def nothing_recorded(ballot):
    return (
        not BallotAnswer.objects.filter(ballot=ballot).exists()
        and not BallotAnswerVersion.objects.filter(answer__ballot=ballot).exists()
    )


def wrong_code(member, step=1):
    return "000000" if otp_for(member, step=step) != "000000" else "111111"


@pytest.fixture
def ballot(demo):
    return issue(draft_ballot())


def test_my_ballots_list_open_ones_first_with_what_i_may_do(ballot, member):
    closed = issue(draft_ballot(title="Phiếu lấy ý kiến về Đề án đã hết hạn"))
    BallotPage.objects.filter(pk=closed.pk).update(
        deadline=timezone.now() - timedelta(hours=1)
    )
    draft_ballot(title="Phiếu chưa phát hành")  # never listed
    app = sign_in(member)
    data = app.get("/ballots").json()
    assert data["count"] == 2
    first, second = data["items"]
    assert (first["id"], first["state"]) == (ballot.pk, "open")
    assert first["ministry"] == "Bộ Tư pháp"
    assert first["answered"] is False and first["may_answer"] is True
    assert first["may_change"] is False
    assert 0 < first["seconds_left"] <= 3 * 24 * 3600
    assert "Bộ Tư pháp trình dự thảo Nghị định" in first["matter"]
    assert (second["id"], second["state"], second["seconds_left"]) == (
        closed.pk,
        "closed",
        None,
    )
    assert second["may_answer"] is False
    assert [
        b["id"] for b in app.get("/ballots", {"state": "open"}).json()["items"]
    ] == [ballot.pk]
    assert [
        b["id"] for b in app.get("/ballots", {"state": "closed"}).json()["items"]
    ] == [closed.pk]
    paged = app.get("/ballots", {"limit": 1, "offset": 1}).json()
    assert paged["count"] == 2 and [b["id"] for b in paged["items"]] == [closed.pk]
    bad = app.get("/ballots", {"state": "secret"})
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "state"


def test_a_ballot_shows_questions_choices_documents_by_classification_and_count(
    member, users
):
    ballot = draft_ballot(questions=("Câu hỏi thứ nhất?", "Câu hỏi thứ hai?"))
    drafter = user("chuyenvien")
    internal = document_upload(
        user=drafter, page=ballot, title="Dự thảo Nghị định", upload=pdf("dt.pdf")
    )
    document_upload(
        user=drafter,
        page=ballot,
        title="Báo cáo mật của Thủ tướng",
        upload=pdf("mat.pdf"),
        classification=Classification.CONFIDENTIAL,
        named_readers=[users["tv01"].pk],
    )
    ballot = issue(ballot)
    app = sign_in(member)
    data = app.get(f"/ballots/{ballot.pk}").json()
    assert [q["text"] for q in data["questions"]] == [
        "Câu hỏi thứ nhất?",
        "Câu hỏi thứ hai?",
    ]
    assert [c["value"] for c in data["questions"][0]["choices"]] == [
        "agree",
        "disagree",
        "other",
    ]
    assert data["questions"][0]["choices"][0]["label"] == "Đồng ý"
    (document,) = data["documents"]  # the confidential one is not listed for tv05
    version = internal.versions.get()
    assert document["id"] == internal.pk
    assert document["version"]["id"] == version.pk
    assert document["download_url"] == (
        f"/api/v1/documents/{internal.pk}/versions/{version.pk}/file"
    )
    assert data["refusal"] == "" and data["may_answer"] is True
    assert data["tally"]["member_count"] == 27
    assert data["tally"]["threshold"] == 14
    assert data["tally"]["answered"] == 0
    assert data["result"] is None
    prime_minister = sign_in(users["tv01"]).get(f"/ballots/{ballot.pk}").json()
    assert {d["title"] for d in prime_minister["documents"]} == {
        "Dự thảo Nghị định",
        "Báo cáo mật của Thủ tướng",
    }


def test_a_member_answers_with_a_code_gets_a_receipt_and_changes_it(ballot, member):
    app = sign_in(member)
    first = app.put(
        f"/ballots/{ballot.pk}/answer",
        {
            "choices": choices_for(ballot, "other"),
            "comment": "Đề nghị bổ sung điều khoản chuyển tiếp.",
            "otp": otp_for(member, step=1),
        },
    )
    assert first.status_code == 201, first.content
    body = first.json()
    answer = BallotAnswer.objects.get(ballot=ballot, member=member)
    assert body["receipt"] == answer.receipt and len(body["receipt"]) == 64
    assert body["version"] == 1 and body["history_count"] == 1
    assert body["choices"][0]["choice"] == "other"
    assert body["choices"][0]["label"] == "Ý kiến khác"
    assert body["comment"] == "Đề nghị bổ sung điều khoản chuyển tiếp."
    assert PageLogEntry.objects.filter(
        page=ballot, action="ecabinet.ballot_answered", user=member
    ).exists()

    mine = app.get(f"/ballots/{ballot.pk}/answer").json()
    assert mine["receipt"] == answer.receipt
    listed = app.get("/ballots").json()["items"][0]
    assert listed["answered"] and listed["may_change"]

    second = app.put(
        f"/ballots/{ballot.pk}/answer",
        {"choices": choices_for(ballot), "otp": backup_code(member)},
    )
    assert second.status_code == 200, second.content
    assert second.json()["version"] == 2 and second.json()["history_count"] == 2
    assert second.json()["history"][1]["receipt"] == body["receipt"]
    detail = app.get(f"/ballots/{ballot.pk}").json()
    assert detail["questions"][0]["my_choice"] == "agree"
    assert detail["tally"]["answered"] == 1
    assert detail["tally"]["questions"][0]["agree"] == 1


def test_a_wrong_code_an_empty_one_or_a_missing_one_records_nothing(ballot, member):
    app = sign_in(member)
    url = f"/ballots/{ballot.pk}/answer"
    wrong = app.put(url, {"choices": choices_for(ballot), "otp": wrong_code(member)})
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "otp_invalid"
    assert wrong.json()["fields"][0]["field"] == "otp"
    empty = app.put(url, {"choices": choices_for(ballot), "otp": ""})
    assert empty.status_code == 400 and empty.json()["code"] == "otp_empty"
    missing = app.put(url, {"choices": choices_for(ballot)})
    assert missing.status_code == 422
    assert missing.json()["fields"][0]["field"] == "otp"
    assert nothing_recorded(ballot)


def test_a_replayed_code_is_refused(ballot, member):
    app = sign_in(member)
    replayed = app.put(
        f"/ballots/{ballot.pk}/answer",
        {"choices": choices_for(ballot), "otp": otp_for(member)},  # the sign-in's
    )
    assert replayed.status_code == 400
    assert replayed.json()["code"] == "otp_replayed"
    assert nothing_recorded(ballot)


def test_incomplete_answers_and_unknown_questions_are_refused(member):
    ballot = issue(draft_ballot(questions=("Câu 1?", "Câu 2?")))
    first, second = ballot.questions.all()
    app = sign_in(member)
    url = f"/ballots/{ballot.pk}/answer"
    code = otp_for(member, step=1)
    incomplete = app.put(url, {"choices": {str(first.pk): "agree"}, "otp": code})
    assert incomplete.status_code == 400
    assert incomplete.json()["code"] == "incomplete"
    assert "mọi câu hỏi" in incomplete.json()["message"]
    other = app.put(
        url,
        {"choices": {str(first.pk): "agree", str(second.pk): "other"}, "otp": code},
    )
    assert other.json()["code"] == "comment_required"
    unknown = app.put(
        url,
        {"choices": {**choices_for(ballot), "999999": "agree"}, "otp": code},
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_question"
    nul = app.put(
        url, {"choices": choices_for(ballot), "comment": "a\x00b", "otp": "12\x0034"}
    )
    assert nul.status_code == 422
    assert {f["field"] for f in nul.json()["fields"]} == {"comment", "otp"}
    bad_value = app.put(url, {"choices": {str(first.pk): "yes"}, "otp": code})
    assert bad_value.status_code == 422
    assert bad_value.json()["fields"][0]["field"].startswith("choices")
    assert nothing_recorded(ballot)


def test_no_second_answer_when_changes_are_not_allowed(member):
    ballot = issue(draft_ballot(allow_change=False))
    app = sign_in(member)
    url = f"/ballots/{ballot.pk}/answer"
    done = app.put(
        url, {"choices": choices_for(ballot), "otp": otp_for(member, step=1)}
    )
    assert done.status_code == 201
    again = app.put(
        url, {"choices": choices_for(ballot, "disagree"), "otp": backup_code(member)}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_answered"
    assert "không cho phép" in again.json()["message"]
    assert BallotAnswerVersion.objects.filter(answer__ballot=ballot).count() == 1
    detail = app.get(f"/ballots/{ballot.pk}").json()
    assert detail["may_answer"] is False and detail["refusal"]


def test_answers_after_the_deadline_or_the_withdrawal_are_refused(ballot, member):
    BallotPage.objects.filter(pk=ballot.pk).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )
    app = sign_in(member)
    late = app.put(
        f"/ballots/{ballot.pk}/answer",
        {"choices": choices_for(ballot), "otp": otp_for(member, step=1)},
    )
    assert late.status_code == 409
    assert late.json()["code"] == "closed"
    assert nothing_recorded(ballot)
    detail = app.get(f"/ballots/{ballot.pk}").json()
    assert detail["state"] == "closed" and detail["result"] == "not_approved"
    assert detail["closed_at"]  # closed on sight, as the screen does
    withdrawn = issue(draft_ballot(title="Phiếu bị thu hồi"))
    BallotPage.objects.filter(pk=withdrawn.pk).update(
        withdrawn_at=timezone.now(), withdraw_reason="Trình lại"
    )
    refused = app.put(
        f"/ballots/{withdrawn.pk}/answer",
        {"choices": choices_for(withdrawn), "otp": backup_code(member)},
    )
    assert refused.status_code == 409 and refused.json()["code"] == "closed"
    assert app.get(f"/ballots/{withdrawn.pk}").json()["state"] == "withdrawn"


def test_the_assistant_reads_the_members_ballot_but_never_answers(ballot, users):
    assistant = users["troly"]
    app = sign_in(assistant)
    listed = app.get("/ballots").json()
    assert [b["id"] for b in listed["items"]] == [ballot.pk]
    assert listed["items"][0]["may_answer"] is False
    refused = app.put(
        f"/ballots/{ballot.pk}/answer",
        {"choices": choices_for(ballot), "otp": otp_for(assistant, step=1)},
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert (
        "Trợ lý" in refused.json()["message"]
        or "Thành viên" in (refused.json()["message"])
    )
    assert nothing_recorded(ballot)
    assert app.get(f"/ballots/{ballot.pk}/answer").status_code == 404


def test_a_ballot_not_addressed_to_me_or_not_issued_is_404(ballot, users):
    draft = draft_ballot(title="Phiếu đang soạn")
    focal = sign_in(users["daumoi.btc"])
    assert focal.get("/ballots").json()["count"] == 0
    assert focal.get(f"/ballots/{ballot.pk}").status_code == 404
    refused = focal.put(
        f"/ballots/{ballot.pk}/answer",
        {"choices": choices_for(ballot), "otp": otp_for(users["daumoi.btc"], step=1)},
    )
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    member = sign_in(users["tv05"])
    assert member.get(f"/ballots/{draft.pk}").status_code == 404
    assert member.get("/ballots/2147483647").status_code == 404
    assert member.get("/ballots/99999999999999999999").status_code == 422
    assert member.get(f"/ballots/{ballot.pk}/answer").json()["code"] == "not_answered"
    assert nothing_recorded(ballot)


def test_unauthenticated_calls_are_401(ballot):
    from tests.api.conftest import ApiClient

    assert ApiClient().get("/ballots").status_code == 401
    assert ApiClient().put(f"/ballots/{ballot.pk}/answer", {}).status_code == 401


def test_files_attached_to_an_answer_in_base64(ballot, member):
    import base64

    app = sign_in(member)
    url = f"/ballots/{ballot.pk}/answer"

    def encoded(data: bytes) -> str:
        return base64.b64encode(data).decode()

    bad = app.put(
        url,
        {
            "choices": choices_for(ballot),
            "attachments": [{"name": "y-kien.pdf", "content_base64": "không phải"}],
            "otp": otp_for(member, step=1),
        },
    )
    assert bad.status_code == 400 and bad.json()["code"] == "bad_base64"
    not_a_document = app.put(
        url,
        {
            "choices": choices_for(ballot),
            "attachments": [
                {"name": "y-kien.pdf", "content_base64": encoded(b"MZ\x90\x00 exe")}
            ],
            "otp": otp_for(member, step=1),
        },
    )
    assert not_a_document.status_code == 400
    assert nothing_recorded(ballot)
    done = app.put(
        url,
        {
            "choices": choices_for(ballot),
            "attachments": [
                {"name": "y-kien.pdf", "content_base64": encoded(pdf("a.pdf").read())}
            ],
            "otp": otp_for(member, step=1),
        },
    )
    assert done.status_code == 201, done.content
    (attachment,) = done.json()["attachments"]
    assert attachment["title"] == "y-kien.pdf"
    assert attachment["classification"] == "confidential"
    assert attachment["download_url"].startswith(
        f"/api/v1/documents/{attachment['id']}/"
    )
    too_big = app.put(
        url,
        {
            "choices": choices_for(ballot),
            "attachments": [{"name": "lon.pdf", "content_base64": "A" * 3_000_000}],
            "otp": backup_code(member),
        },
    )
    assert too_big.status_code == 413 and too_big.json()["code"] == "too_large"
    assert BallotAnswerVersion.objects.filter(answer__ballot=ballot).count() == 1
