"""seed_demo's ballots: one open and being answered, one closed and approved."""

import pytest

from cabinet.demo_ballots import demo_ballots_seed
from cabinet.models import BallotAnswer, BallotPage, Notification, ResolutionDraft

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_open_and_a_closed_ballot_and_seeding_twice_adds_nothing(
    demo,
):
    demo_ballots_seed()
    open_ballot = BallotPage.objects.get(slug="demo-nghi-dinh-dat-dai")
    closed = BallotPage.objects.get(slug="demo-de-an-chuyen-doi-so")
    assert open_ballot.status == "open" and open_ballot.member_count == 27
    assert 0 < open_ballot.answers.count() < 27
    assert closed.status == "closed" and closed.passed
    assert ResolutionDraft.objects.get(source_ballot=closed).title.startswith(
        "Nghị quyết về Đề án chuyển đổi số"
    )
    assert not Notification.objects.exists()  # nobody is messaged by a seed
    answers = BallotAnswer.objects.count()

    demo_ballots_seed()
    assert BallotPage.objects.count() == 2
    assert BallotAnswer.objects.count() == answers
