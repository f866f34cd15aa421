"""Deliveries travel in batches: one queued task carries up to NOTIFY_BATCH_SIZE
deliveries of one channel, and a task that runs long puts the rest back on the queue.
Everyone still gets each message once."""

import math
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ

from cabinet.models import Channel, Delivery
from cabinet.notifications import notify
from cabinet.notifications.tasks import deliver_batch

User = get_user_model()
MEMBERS = [f"tv{n:02d}" for n in range(1, 28)]


def _queued_batches() -> list[list[int]]:
    return [task.args()[0] for task in OrmQ.objects.order_by("pk")]


def test_a_message_to_the_cabinet_is_queued_in_batches_of_one_channel(
    demo,
    smtp_server,
    sms_outbox,
    monkeypatch,
    settings,
    django_capture_on_commit_callbacks,
):
    monkeypatch.setattr(Conf, "SYNC", False)  # queue the tasks; this test runs them
    settings.NOTIFY_BATCH_SIZE = 10
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=User.objects.filter(username__in=MEMBERS),
            kind="test",
            context={"message": "Phiên họp Chính phủ thường kỳ tháng 5"},
            copy_assistants=False,
        )
    emails = list(Delivery.objects.filter(channel=Channel.EMAIL))
    sms = list(Delivery.objects.filter(channel=Channel.SMS))
    assert len(emails) == len(sms) == len(MEMBERS)

    batches = _queued_batches()
    assert len(batches) == 2 * math.ceil(len(MEMBERS) / 10)  # not one per delivery
    channel_of = dict(Delivery.objects.values_list("pk", "channel"))
    assert all(len({channel_of[pk] for pk in batch}) == 1 for batch in batches)
    assert all(len(batch) <= 10 for batch in batches)
    queued = [pk for batch in batches for pk in batch]
    assert sorted(queued) == sorted(channel_of)  # each delivery in exactly one task

    outcomes = [deliver_batch(batch) for batch in batches]
    assert sum(o.get("sent", 0) for o in outcomes) == 2 * len(MEMBERS)
    assert len(smtp_server.mails) == len(MEMBERS)
    assert sorted(sms_outbox.references()) == sorted(d.reference for d in sms)

    # django-q2 redelivering every task: nothing goes out twice.
    again = [deliver_batch(batch) for batch in batches]
    assert {k for o in again for k in o} == {"done"}
    assert len(smtp_server.mails) == len(MEMBERS)
    assert len(sms_outbox.references()) == len(MEMBERS)


def test_a_task_past_its_time_budget_queues_the_rest_and_loses_nothing(
    demo, sms_outbox, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """A slow gateway must not keep one task running into the queue's timeout (its
    deliveries would then wait for the sweeper): past NOTIFY_BATCH_SECONDS the task
    sends no more and queues the rest in a task of its own."""
    monkeypatch.setattr(Conf, "SYNC", False)
    members = list(User.objects.filter(username__in=MEMBERS[:3]))
    for member in members:  # SMS only
        member.email = ""
        member.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=members,
            kind="test",
            context={"message": "Họp trực tuyến"},
            copy_assistants=False,
        )
    (batch,) = _queued_batches()
    assert len(batch) == 3
    OrmQ.objects.all().delete()
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Delivery.objects.update(queued_at=an_hour_ago)

    settings.NOTIFY_BATCH_SECONDS = 0  # every delivery after the first is "too late"
    assert deliver_batch(batch) == {"sent": 1, "requeued": 2}
    assert _queued_batches() == [batch[1:]]
    rest = Delivery.objects.filter(pk__in=batch[1:])
    # queued again just now: the sweeper does not take them for lost
    assert all(d.queued_at > an_hour_ago for d in rest)
    assert set(rest.values_list("status", flat=True)) == {Delivery.Status.PENDING}

    OrmQ.objects.all().delete()
    assert deliver_batch(batch[1:]) == {"sent": 1, "requeued": 1}
    OrmQ.objects.all().delete()
    assert deliver_batch(batch[2:]) == {"sent": 1}
    assert sorted(sms_outbox.references()) == sorted(
        d.reference for d in Delivery.objects.all()
    )
