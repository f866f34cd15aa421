"""Reminders before a deadline and warnings after it: django-q2 schedules that remind
only the members who still owe an answer, once each, and tell the staff who is late."""

import ast
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_q.models import Schedule
from django_q.scheduler import scheduler

from cabinet.models import Notification, Urgency
from cabinet.notifications.scheduling import deadline_cancel, deadline_schedule
from cabinet.notifications.tasks import deadline_remind, overdue_digest

User = get_user_model()


OUTSTANDING = "tests.notifications.test_deadlines.outstanding_members"
TASK = "cabinet.notifications.tasks.deadline_remind"
URL = "http://127.0.0.1:8000/admin/ballots/7/"

# What the ballot (not built yet) would answer: who still owes, what is overdue.
owing: dict[str, list[int]] = {}
overdue: list[dict] = []


def outstanding_members(key: str) -> list[int]:
    return list(owing.get(key, []))


def overdue_items() -> list[dict]:
    return list(overdue)


def ids(*usernames: str) -> list[int]:
    return list(
        User.objects.filter(username__in=usernames).values_list("pk", flat=True)
    )


def schedules_of(key: str) -> dict[str, Schedule]:
    stages = ("24h", "2h", "overdue")
    found = Schedule.objects.filter(name__in=[f"deadline:{key}:{s}" for s in stages])
    return {s.name.rsplit(":", 1)[1]: s for s in found}


def kwargs_of(schedule: Schedule) -> dict:
    return ast.literal_eval(schedule.kwargs)


def schedule_ballot(key: str = "ballot:7", *, deadline=None, staff=()):
    deadline = deadline or timezone.now() + timedelta(days=3)
    return deadline_schedule(
        key=key,
        deadline=deadline,
        title="Dự thảo Luật Đất đai (sửa đổi)",
        url=URL,
        outstanding=OUTSTANDING,
        staff=list(staff),
    )


@pytest.fixture(autouse=True)
def _nobody_owes():
    owing.clear()
    overdue.clear()
    yield
    owing.clear()
    overdue.clear()


def remind(capture, schedule: Schedule) -> int:
    """Run the task as the schedule would, and what it queues."""
    with capture(execute=True):
        return deadline_remind(**kwargs_of(schedule))


# --- schedules --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_deadline_gets_two_reminders_and_an_overdue_warning():
    deadline = timezone.now() + timedelta(days=3)
    created = schedule_ballot(deadline=deadline, staff=[1, 2])

    found = schedules_of("ballot:7")
    assert len(created) == 3
    assert sorted(found) == ["24h", "2h", "overdue"]
    assert found["24h"].next_run == deadline - timedelta(hours=24)
    assert found["2h"].next_run == deadline - timedelta(hours=2)
    assert found["overdue"].next_run == deadline + timedelta(minutes=1)
    for stage, schedule in found.items():
        assert schedule.func == TASK
        assert schedule.schedule_type == Schedule.ONCE
        assert schedule.repeats == 1
        assert kwargs_of(schedule) == {
            "key": "ballot:7",
            "stage": stage,
            "title": "Dự thảo Luật Đất đai (sửa đổi)",
            "deadline": deadline.isoformat(),
            "url": URL,
            "outstanding": OUTSTANDING,
            "staff": [1, 2],
        }


@pytest.mark.django_db
def test_reminders_whose_time_has_passed_are_not_scheduled():
    schedule_ballot("ballot:7", deadline=timezone.now() + timedelta(hours=5))
    schedule_ballot("ballot:8", deadline=timezone.now() + timedelta(seconds=30))
    schedule_ballot("ballot:9", deadline=timezone.now() - timedelta(hours=1))

    assert sorted(schedules_of("ballot:7")) == ["2h", "overdue"]
    assert sorted(schedules_of("ballot:8")) == ["overdue"]
    assert schedules_of("ballot:9") == {}


@pytest.mark.django_db
def test_moving_the_deadline_replaces_the_schedules():
    first = timezone.now() + timedelta(days=3)
    later = first + timedelta(days=2)
    schedule_ballot("ballot:7", deadline=first)
    schedule_ballot("ballot:17", deadline=first)

    schedule_ballot("ballot:7", deadline=later)

    found = schedules_of("ballot:7")
    assert sorted(found) == ["24h", "2h", "overdue"]
    assert found["overdue"].next_run == later + timedelta(minutes=1)
    assert {kwargs_of(s)["deadline"] for s in found.values()} == {later.isoformat()}
    # Another ballot's schedules are untouched.
    assert schedules_of("ballot:17")["overdue"].next_run == first + timedelta(minutes=1)


@pytest.mark.django_db
def test_cancelling_removes_only_that_deadlines_schedules():
    schedule_ballot("ballot:7")
    schedule_ballot("ballot:17")
    schedule_ballot("ballot:7:round-2")  # a key that starts like the first

    assert deadline_cancel(key="ballot:7") == 3

    assert schedules_of("ballot:7") == {}
    assert len(schedules_of("ballot:17")) == 3
    assert len(schedules_of("ballot:7:round-2")) == 3
    assert deadline_cancel(key="ballot:7") == 0


# --- reminders --------------------------------------------------------------------------


def test_a_reminder_goes_only_to_the_members_who_still_owe(
    demo, smtp_server, sms_outbox, django_capture_on_commit_callbacks
):
    owing["ballot:7"] = ids("tv03", "tv05")
    schedule_ballot(staff=ids("chuyenvien"))
    day_before = schedules_of("ballot:7")["24h"]

    assert remind(django_capture_on_commit_callbacks, day_before) == 2

    told = Notification.objects.filter(kind="reminder")
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "tv03",
        "tv05",
    ]
    assert set(told.values_list("urgency", flat=True)) == {Urgency.NORMAL}
    assert sorted(r for m in smtp_server.mails for r in m.recipients) == [
        "tv03@chinhphu.example",
        "tv05@chinhphu.example",
    ]
    assert all("Dự thảo Luật Đất đai (sửa đổi)" in m.subject for m in smtp_server.mails)
    assert len(sms_outbox.messages()) == 2

    # The schedule fires again (a redelivered task): nobody hears it twice.
    assert remind(django_capture_on_commit_callbacks, day_before) == 0
    assert len(smtp_server.mails) == 2


def test_a_member_who_answered_hears_nothing_more(
    demo, smtp_server, sms_outbox, django_capture_on_commit_callbacks
):
    owing["ballot:7"] = ids("tv03", "tv05")
    schedule_ballot()
    found = schedules_of("ballot:7")
    remind(django_capture_on_commit_callbacks, found["24h"])
    owing["ballot:7"] = ids("tv05")  # tv03 answered overnight

    assert remind(django_capture_on_commit_callbacks, found["2h"]) == 1

    last = Notification.objects.filter(dedupe_key="ballot:7:2h").get()
    assert last.recipient.username == "tv05"
    assert last.urgency == Urgency.URGENT  # two hours left: through quiet hours
    assert len(smtp_server.to("tv03@chinhphu.example")) == 1
    assert len(smtp_server.to("tv05@chinhphu.example")) == 2


def test_the_overdue_warning_names_the_late_members_to_the_staff(
    demo, smtp_server, sms_outbox, django_capture_on_commit_callbacks
):
    owing["ballot:7"] = ids("tv03", "tv05")
    schedule_ballot(staff=ids("chuyenvien", "lanhdaovu"))
    late = schedules_of("ballot:7")["overdue"]

    assert remind(django_capture_on_commit_callbacks, late) == 4

    assert sorted(
        Notification.objects.filter(kind="overdue").values_list(
            "recipient__username", flat=True
        )
    ) == ["tv03", "tv05"]
    names = [User.objects.get(username=u).get_full_name() for u in ("tv03", "tv05")]
    for staff in ("chuyenvien", "lanhdaovu"):
        (mail,) = smtp_server.to(f"{staff}@chinhphu.example")
        body = mail.message.get_content()
        assert all(name in body for name in names)
        assert "Dự thảo Luật Đất đai (sửa đổi)" in mail.subject
    assert remind(django_capture_on_commit_callbacks, late) == 0
    assert len(smtp_server.mails) == 4


def test_nobody_late_means_no_warning(
    demo, smtp_server, sms_outbox, django_capture_on_commit_callbacks
):
    schedule_ballot(staff=ids("chuyenvien"))

    late = schedules_of("ballot:7")["overdue"]
    assert remind(django_capture_on_commit_callbacks, late) == 0

    assert smtp_server.mails == []


def test_django_q2_runs_the_stored_schedule(
    demo, smtp_server, sms_outbox, django_capture_on_commit_callbacks
):
    """The kwargs stored in the schedule are what django-q2's scheduler understands."""
    owing["ballot:7"] = ids("tv05")
    schedule_ballot()
    day_before = schedules_of("ballot:7")["24h"]
    Schedule.objects.filter(pk=day_before.pk).update(
        next_run=timezone.now() - timedelta(seconds=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        scheduler()  # django-q2's scheduler loop, once; tasks run inline in tests

    assert [m.recipients for m in smtp_server.mails] == [["tv05@chinhphu.example"]]
    day_before.refresh_from_db()
    assert day_before.repeats == 0  # it never fires again
    with django_capture_on_commit_callbacks(execute=True):
        scheduler()
    assert len(smtp_server.mails) == 1


# --- the daily digest -------------------------------------------------------------------


def test_the_daily_digest_lists_each_staff_members_overdue_items_once(
    demo, smtp_server, sms_outbox, django_capture_on_commit_callbacks, settings
):
    settings.NOTIFY_OVERDUE_PROVIDERS = [
        "tests.notifications.test_deadlines.overdue_items"
    ]
    yesterday = (timezone.now() - timedelta(days=1)).isoformat()
    specialist, head = ids("chuyenvien"), ids("lanhdaovu")
    overdue.extend(
        [
            {
                "title": "Dự thảo Luật Đất đai",
                "deadline": yesterday,
                "missing": ["Nguyễn Văn A", "Trần Thị B"],
                "staff": specialist + head,
            },
            {
                "title": "Đề án chuyển đổi số",
                "deadline": yesterday,
                "missing": ["Lê Văn C"],
                "staff": specialist,
            },
        ]
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert overdue_digest() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert overdue_digest() == 0  # the schedule ran twice today

    (to_specialist,) = smtp_server.to("chuyenvien@chinhphu.example")
    (to_head,) = smtp_server.to("lanhdaovu@chinhphu.example")
    assert len(smtp_server.mails) == 2
    specialist_body = to_specialist.message.get_content()
    assert "Dự thảo Luật Đất đai" in specialist_body
    assert "Đề án chuyển đổi số" in specialist_body
    head_body = to_head.message.get_content()
    assert "Dự thảo Luật Đất đai" in head_body
    assert "Đề án chuyển đổi số" not in head_body
    assert Notification.objects.filter(kind="digest").count() == 2
