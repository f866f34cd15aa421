"""The result: more than half of ALL members polled, shown against the threshold;
the ballot closes itself and a passed ballot leads to a draft resolution."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from cabinet.ballots.selectors import QuestionResult, ballot_tally, majority_threshold
from cabinet.ballots.services import (
    LEGAL_BASIS,
    ballot_answer,
    ballot_close_due,
)
from cabinet.ballots.tasks import ballot_close_due as close_task
from cabinet.models import BallotPage, ResolutionDraft
from tests.ballots.conftest import code_for, draft_ballot, issue, members
from tests.utils import login_verified

pytestmark = pytest.mark.django_db


def answer_all(ballot, agreeing: int, disagreeing: int = 0, other: int = 0):
    (question,) = ballot.questions.all()
    polled = members()
    plan = ["agree"] * agreeing + ["disagree"] * disagreeing + ["other"] * other
    for member, choice in zip(polled[1:] + polled[:1], plan, strict=False):
        ballot_answer(
            user=member,
            ballot=ballot,
            choices={question.pk: choice},
            comment="Ý kiến khác: đề nghị chỉnh lý." if choice == "other" else "",
            code=code_for(member),
        )


def close_at_deadline(ballot):
    BallotPage.objects.filter(pk=ballot.pk).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )
    close_task(ballot.pk)
    return BallotPage.objects.get(pk=ballot.pk)


def test_the_threshold_is_more_than_half_of_all_members():
    assert majority_threshold(27) == 14
    assert majority_threshold(26) == 14
    assert majority_threshold(25) == 13


def test_13_of_27_agreeing_does_not_pass_even_if_nobody_disagrees(demo, client):
    ballot = issue(draft_ballot())
    answer_all(ballot, agreeing=13)
    tally = ballot_tally(ballot=ballot)
    (q,) = tally.questions
    assert (q.agree, q.threshold, q.member_count) == (13, 14, 27)
    assert not q.passed and not tally.passed  # 13/13 answered agree, still not passed

    from tests.ballots.conftest import user

    login_verified(client, user("chuyenvien"))
    board = client.get(f"/admin/ballots/{ballot.pk}/board/").content.decode()
    assert "13/14" in board

    ballot = close_at_deadline(ballot)
    assert ballot.status == "closed" and ballot.passed is False
    assert not ResolutionDraft.objects.filter(source_ballot=ballot).exists()


def test_14_of_27_agreeing_passes_and_leads_to_a_draft_resolution(demo):
    ballot = issue(draft_ballot())
    answer_all(ballot, agreeing=14, disagreeing=10, other=3)
    assert ballot_tally(ballot=ballot).passed
    ballot = close_at_deadline(ballot)
    assert ballot.passed is True and ballot.close_reason == "deadline"
    draft = ResolutionDraft.objects.get(source_ballot=ballot)
    assert draft.legal_basis == LEGAL_BASIS
    assert "Luật Đất đai" in draft.title
    assert not Schedule.objects.filter(name=f"ballot-close:{ballot.pk}").exists()


def test_a_tie_goes_the_way_the_prime_minister_answered():
    def result(pm):
        return QuestionResult(1, "", 13, 13, 0, 26, 0, pm, False)

    assert result("agree").passed
    assert not result("disagree").passed


def test_a_ballot_that_closes_when_decided_closes_at_the_14th_agreement(demo):
    ballot = issue(draft_ballot(allow_change=False, close_rule="decided"))
    answer_all(ballot, agreeing=13)
    assert BallotPage.objects.get(pk=ballot.pk).status == "open"
    answer_all_more = members()[14]  # the 14th agreeing member
    (question,) = ballot.questions.all()
    ballot_answer(
        user=answer_all_more,
        ballot=ballot,
        choices={question.pk: "agree"},
        code=code_for(answer_all_more),
    )
    ballot = BallotPage.objects.get(pk=ballot.pk)
    assert ballot.status == "closed" and ballot.close_reason == "decided"
    assert (
        ballot.passed and ResolutionDraft.objects.filter(source_ballot=ballot).exists()
    )


def test_a_ballot_that_cannot_pass_any_more_closes_early_as_not_passed(demo):
    ballot = issue(draft_ballot(allow_change=False, close_rule="decided"))
    answer_all(ballot, agreeing=0, disagreeing=14)
    ballot = BallotPage.objects.get(pk=ballot.pk)
    assert ballot.status == "closed" and ballot.passed is False


def test_a_ballot_allowing_changes_waits_for_the_deadline(demo):
    ballot = issue(draft_ballot(allow_change=True, close_rule="decided"))
    answer_all(ballot, agreeing=15)
    assert BallotPage.objects.get(pk=ballot.pk).status == "open"
    assert ballot_close_due(ballot_id=ballot.pk) == "open"


def test_the_scheduled_close_runs_at_the_deadline(demo):
    ballot = issue(draft_ballot())
    schedule = Schedule.objects.get(name=f"ballot-close:{ballot.pk}")
    assert schedule.func == "cabinet.ballots.tasks.ballot_close_due"
    assert abs((schedule.next_run - ballot.deadline).total_seconds()) < 1
    assert close_task(ballot.pk) == "open"  # too early: nothing happens
    assert close_at_deadline(ballot).status == "closed"


def test_a_passed_ballot_drafts_its_resolution_in_one_click(demo, client):
    """Workflow 5 starts from the ballot: the button fills the source and the result."""
    from cabinet.models import HomePage, ResolutionIndexPage, ResolutionPage

    home = HomePage.objects.get()
    home.add_child(instance=ResolutionIndexPage(title="Nghị quyết", slug="nghi-quyet"))
    ballot = issue(draft_ballot())
    answer_all(ballot, agreeing=20, disagreeing=7)
    ballot = close_at_deadline(ballot)
    login_verified(client, members()[0].__class__.objects.get(username="chuyenvien"))
    page = client.get(f"/admin/ballots/{ballot.pk}/").content.decode()
    assert "data-draft-resolution" in page
    assert "20/27 Thành viên Chính phủ đồng ý" in page
    response = client.post(
        "/admin/resolutions/draft-from-result/",
        {
            "source_page": ballot.pk,
            "source_kind": "ballot",
            "result_summary": "20/27 Thành viên Chính phủ đồng ý",
            "title": ResolutionDraft.objects.get(source_ballot=ballot).title,
        },
    )
    assert response.status_code == 302
    resolution = ResolutionPage.objects.get(source_page=ballot)
    assert resolution.source_kind == "ballot" and not resolution.live
    assert "Luật Đất đai" in resolution.title
    page = client.get(f"/admin/ballots/{ballot.pk}/").content.decode()
    assert "data-draft-resolution" not in page  # once only: now a link to it


def test_issued_ballots_are_in_the_members_archive_search(demo):
    from search.query import SearchQuery
    from search.services import archive_reindex, archive_search

    ballot = issue(draft_ballot())
    archive_reindex()
    User = members()[0].__class__

    def keys(username):
        results = archive_search(
            user=User.objects.get(username=username),
            query=SearchQuery(text="luat dat dai"),
        )
        return {hit.key for hit in results.hits}

    key = f"cabinet.ballotpage:{ballot.pk}"
    assert key in keys("tv05")
    assert key not in keys("daumoi.btc")
    assert (
        archive_search(
            user=None, query=SearchQuery(text="luat dat dai"), public=True
        ).total
        == 0
    )
