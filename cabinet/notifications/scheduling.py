"""Reminders before a deadline and warnings after it, as django-q2 schedules.

Whatever has a deadline (a ballot, an invitation) calls ``deadline_schedule`` when it
is issued and ``deadline_cancel`` when it is answered by all or withdrawn. When a
schedule fires, ``outstanding`` (a dotted path to a function taking the key and
returning the ids of the members who still owe an answer) decides who is reminded,
so someone who answered in the meantime hears nothing more.
"""

from datetime import datetime, timedelta

from django.utils import timezone
from django_q.models import Schedule

REMINDER_OFFSETS = {"24h": timedelta(hours=24), "2h": timedelta(hours=2)}
STAGES = (*REMINDER_OFFSETS, "overdue")
TASK = "cabinet.notifications.tasks.deadline_remind"


def _name(key: str, stage: str) -> str:
    return f"deadline:{key}:{stage}"


def deadline_schedule(
    *,
    key: str,
    deadline: datetime,
    title: str,
    url: str,
    outstanding: str,
    staff: list[int],
) -> list[Schedule]:
    """(Re)create the reminders and the overdue warning of ``key``; idempotent."""
    deadline_cancel(key=key)
    now = timezone.now()
    stages = {stage: deadline - offset for stage, offset in REMINDER_OFFSETS.items()}
    stages["overdue"] = deadline + timedelta(minutes=1)
    payload = {
        "key": key,
        "title": title,
        "deadline": deadline.isoformat(),
        "url": url,
        "outstanding": outstanding,
        "staff": list(staff),
    }
    schedules = []
    for stage, when in stages.items():
        if when <= now:
            continue  # a reminder whose time has passed is not sent late
        schedules.append(
            Schedule.objects.create(
                name=_name(key, stage),
                func=TASK,
                kwargs=repr({**payload, "stage": stage}),
                schedule_type=Schedule.ONCE,
                next_run=when,
                repeats=1,
            )
        )
    return schedules


def deadline_cancel(*, key: str) -> int:
    # Exact names, not a prefix: cancelling "ballot:7" must not touch "ballot:7:round-2".
    names = [_name(key, stage) for stage in STAGES]
    return Schedule.objects.filter(name__in=names).delete()[0]
