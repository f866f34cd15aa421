"""Follow-up: reminders scheduled at issue and cancelled by answers, the staff's
board with its manual reminder, overdue warnings and the daily digest."""

import ast
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule
from wagtail.models import PageLogEntry

from cabinet.ballots.selectors import overdue_ballots
from cabinet.ballots.services import answer_record, ballot_answer
from cabinet.models import BallotPage, Notification
from cabinet.notifications.tasks import deadline_remind
from tests.ballots.conftest import code_for, members, user
from tests.utils import login_verified

pytestmark = pytest.mark.django_db


def reminder_schedules(ballot):
    return {
        s.name.rsplit(":", 1)[1]: s
        for s in Schedule.objects.filter(
            name__startswith=f"deadline:ballot:{ballot.pk}:"
        )
    }


def run(schedule):
    return deadline_remind(**ast.literal_eval(schedule.kwargs))


def test_reminders_are_scheduled_at_issue_and_spare_those_who_answered(issued_ballot):
    schedules = reminder_schedules(issued_ballot)
    assert set(schedules) == {"24h", "2h", "overdue"}
    deadline = issued_ballot.deadline
    assert schedules["24h"].next_run == deadline - timedelta(hours=24)
    assert schedules["2h"].next_run == deadline - timedelta(hours=2)

    answered = user("tv02")
    ballot_answer(
        user=answered,
        ballot=issued_ballot,
        choices={q.pk: "agree" for q in issued_ballot.questions.all()},
        code=code_for(answered),
    )
    run(schedules["24h"])
    reminded = Notification.objects.filter(kind="reminder", copy_of__isnull=True)
    assert reminded.count() == 26
    assert not reminded.filter(recipient=answered).exists()


def test_the_last_answer_cancels_the_reminders(issued_ballot):
    (question,) = issued_ballot.questions.all()
    for member in members():
        answer_record(user=member, ballot=issued_ballot, choices={question.pk: "agree"})
    assert reminder_schedules(issued_ballot) == {}


def test_the_board_shows_who_answered_and_sends_a_manual_reminder(
    issued_ballot, client
):
    (question,) = issued_ballot.questions.all()
    answer_record(
        user=user("tv04"),
        ballot=issued_ballot,
        choices={question.pk: "disagree"},
        comment="Chưa đủ cơ sở pháp lý.",
    )
    specialist = user("chuyenvien")
    login_verified(client, specialist)
    url = f"/admin/ballots/{issued_ballot.pk}/board/"
    board = client.get(url).content.decode()
    assert board.count('data-answered="yes"') == 1
    assert board.count('data-answered="no"') == 26
    assert "Chưa đủ cơ sở pháp lý." in board
    assert "1/14" not in board and "0/14" in board  # agreements against the threshold
    fragment = client.get(url + "?fragment=1").content.decode()
    assert "<html" not in fragment and "data-board-rows" in fragment

    response = client.post(f"/admin/ballots/{issued_ballot.pk}/remind/")
    assert response.status_code == 302
    reminded = Notification.objects.filter(kind="reminder", copy_of__isnull=True)
    assert reminded.count() == 26 and not reminded.filter(recipient__username="tv04")
    assert reminded.first().urgency == "urgent"
    assert PageLogEntry.objects.filter(
        page=issued_ballot, action="ecabinet.ballot_reminded", user=specialist
    ).exists()


def test_members_and_assistants_do_not_see_the_board(issued_ballot, client):
    for username in ("tv01", "troly", "daumoi.btc"):
        login_verified(client, user(username))
        response = client.get(f"/admin/ballots/{issued_ballot.pk}/board/")
        assert response.status_code == 302 and response["Location"] == "/admin/"
        assert (
            client.get(f"/admin/ballots/{issued_ballot.pk}/report.pdf").status_code
            == 302
        )


def test_overdue_members_are_flagged_warned_and_listed_for_the_digest(
    issued_ballot, client
):
    (question,) = issued_ballot.questions.all()
    answer_record(
        user=user("tv03"), ballot=issued_ballot, choices={question.pk: "agree"}
    )
    schedules = reminder_schedules(issued_ballot)
    BallotPage.objects.filter(pk=issued_ballot.pk).update(
        deadline=timezone.now() - timedelta(minutes=5)
    )
    run(schedules["overdue"])
    warned = Notification.objects.filter(kind="overdue", copy_of__isnull=True)
    assert warned.count() == 26
    staff = Notification.objects.filter(kind="overdue_staff")
    assert set(staff.values_list("recipient__username", flat=True)) == {
        "chuyenvien",
        "lanhdaovp",
    }

    (item,) = overdue_ballots()
    assert item["title"] == issued_ballot.title and len(item["missing"]) == 26

    login_verified(client, user("chuyenvien"))
    board = client.get(f"/admin/ballots/{issued_ballot.pk}/board/").content.decode()
    assert board.count("data-overdue ") + board.count("data-overdue>") >= 26
    assert 'data-overdue-count="26"' in board
