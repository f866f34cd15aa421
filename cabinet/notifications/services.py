"""Notification writes: create and fan out, claim and send one delivery, resend, read.

Invariants:

- ``notify`` with a ``dedupe_key`` tells each recipient once, however often it runs
  (database constraint);
- a delivery is sent by one worker at a time: it is claimed under a row lock and a
  lease, a second claim (django-q2 redelivering the task, a second worker, the
  sweeper) finds it sent or leased and does nothing;
- a worker that dies after claiming leaves a lease that expires; the sweeper then
  queues the delivery again, so nothing is lost;
- a failing channel is retried with exponential back-off and finally marked failed;
  it never holds up the other channels, which are separate deliveries.
"""

from __future__ import annotations

import logging
import time as clock
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.tasks import async_task
from wagtail.users.models import UserProfile

from cabinet.models import (
    Channel,
    Delivery,
    Notification,
    NotificationPreference,
    Urgency,
)
from cabinet.notifications.kinds import render

logger = logging.getLogger(__name__)
User = get_user_model()

DELIVER_TASK = "cabinet.notifications.tasks.deliver_batch"


def _setting(name: str, default):
    return getattr(settings, name, default)


def preference_for(user) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    return preference


def _preferences(users) -> dict[int, NotificationPreference]:
    """Each user's preferences in one query; users who never chose get the defaults."""
    ids = [u.pk for u in users]
    found = {
        p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=ids)
    }
    return {pk: found.get(pk) or NotificationPreference(user_id=pk) for pk in ids}


def _languages(users) -> dict[int, str]:
    ids = [u.pk for u in users]
    chosen = dict(
        UserProfile.objects.filter(user_id__in=ids)
        .exclude(preferred_language="")
        .values_list("user_id", "preferred_language")
    )
    return {pk: chosen.get(pk) or settings.LANGUAGE_CODE for pk in ids}


def _quiet_until(preference: NotificationPreference, now: datetime) -> datetime | None:
    """The end of the quiet hours ``now`` falls in, or None outside them."""
    start, end = preference.quiet_from, preference.quiet_until
    if start is None or end is None or start == end:
        return None
    local = timezone.localtime(now)
    t = local.time()
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, end), local.tzinfo)


def _phone_of(user) -> str:
    person = getattr(user, "person", None)
    return person.phone if person is not None else ""


def notify(
    *,
    recipients: Iterable,
    kind: str,
    context: dict | None = None,
    urgency: str = Urgency.NORMAL,
    dedupe_key: str = "",
    link: str = "",
    copy_assistants: bool = True,
) -> list[Notification]:
    """Tell each recipient (users or user ids), on every channel they accept.

    Returns the notifications created (none for a recipient already told under
    ``dedupe_key``, or inactive). Sending happens in django-q2 after commit.
    """
    context = dict(context or {})
    ids = [getattr(r, "pk", r) for r in recipients]
    users = list(
        User.objects.filter(pk__in=ids, is_active=True).select_related("person")
    )
    assistants: dict[int, list] = {}
    if copy_assistants:
        for assistant in User.objects.filter(
            person__assists__in=users, is_active=True
        ).select_related("person"):
            assistants.setdefault(assistant.person.assists_id, []).append(assistant)
    everyone = users + [a for group in assistants.values() for a in group]
    preferences, languages = _preferences(everyone), _languages(everyone)

    def create(user, ctx, key, copy_of=None):
        notification = _create(
            user, kind, ctx, urgency, key, link, languages[user.pk], copy_of=copy_of
        )
        if notification is not None:
            created.append(notification)
            deliveries.extend(_deliveries_for(notification, user, preferences[user.pk]))
        return notification

    created: list[Notification] = []
    deliveries: list[Delivery] = []
    with transaction.atomic():
        for user in users:
            notification = create(user, context, dedupe_key)
            if notification is None or not preferences[user.pk].copy_assistants:
                continue
            for assistant in assistants.get(user.pk, []):
                create(
                    assistant,
                    {**context, "copy_for": user.get_full_name()},
                    f"{dedupe_key}:copy" if dedupe_key else "",
                    copy_of=notification,
                )
        Delivery.objects.bulk_create(deliveries)
        due = sorted(d.pk for d in deliveries if d.queued_at is not None)
        transaction.on_commit(lambda: deliveries_enqueue(due))
    return created


def _create(user, kind, context, urgency, dedupe_key, link, language, copy_of=None):
    rendered = render(kind, language=language, context=context, recipient=user)
    try:
        with transaction.atomic():
            return Notification.objects.create(
                recipient=user,
                kind=kind,
                context=context,
                urgency=urgency,
                dedupe_key=dedupe_key,
                copy_of=copy_of,
                language=language,
                subject=rendered.subject,
                body=rendered.body,
                short=rendered.short,
                link=link,
            )
    except IntegrityError:
        return None  # already told under this dedupe key


def _deliveries_for(
    notification: Notification, user, preference: NotificationPreference
) -> list[Delivery]:
    """The deliveries to create; those due now are marked queued (sent on commit)."""
    now = timezone.now()
    deliveries = []
    if preference.email and user.email:
        deliveries.append(
            Delivery(
                notification=notification,
                channel=Channel.EMAIL,
                address=user.email,
                queued_at=now,
            )
        )
    phone = _phone_of(user)
    if preference.sms and phone:
        quiet_end = None
        if notification.urgency != Urgency.URGENT:
            quiet_end = _quiet_until(preference, now)
        deliveries.append(
            Delivery(
                notification=notification,
                channel=Channel.SMS,
                address=phone,
                not_before=quiet_end or now,
                queued_at=None if quiet_end else now,
            )
        )
    return deliveries


def deliveries_enqueue(delivery_ids: Iterable[int]) -> int:
    """Queue the deliveries in tasks of up to NOTIFY_BATCH_SIZE, one channel per task
    (a slow channel does not hold up the other); returns the number of tasks.

    One task per delivery made the queue the bottleneck: each enqueue is a row in the
    ORM broker, each run a claim, a result and an acknowledgement.
    """
    ids = sorted(set(delivery_ids))
    if not ids:
        return 0
    size = max(1, _setting("NOTIFY_BATCH_SIZE", 50))
    by_channel: dict[str, list[int]] = {}
    for pk, channel in (
        Delivery.objects.filter(pk__in=ids).values_list("pk", "channel").order_by("pk")
    ):
        by_channel.setdefault(channel, []).append(pk)
    batches = [
        group[i : i + size]
        for _channel, group in sorted(by_channel.items())
        for i in range(0, len(group), size)
    ]
    broker = get_broker()

    def enqueue():
        for batch in batches:
            async_task(
                DELIVER_TASK,
                batch,
                broker=broker,
                task_name=f"deliver:{batch[0]}+{len(batch) - 1}",
            )

    if Conf.SYNC:  # each task runs right here: no transaction around the sends
        enqueue()
    else:
        # django-q2's ORM broker closes the connection before each enqueue outside a
        # transaction (close_old_connections); one transaction keeps it and commits
        # every task at once.
        with transaction.atomic(using=Conf.ORM or "default"):
            enqueue()
    return len(batches)


def deliveries_attempt(delivery_ids: list[int]) -> dict[str, int]:
    """One task's deliveries, in order; past NOTIFY_BATCH_SECONDS the rest goes back
    on the queue in a task of its own, so that a slow gateway cannot keep the task
    running into django-q2's timeout. Returns the count of each outcome."""
    budget = _setting("NOTIFY_BATCH_SECONDS", 30)
    started = clock.monotonic()
    outcomes: Counter = Counter()
    for index, delivery_id in enumerate(delivery_ids):
        if index and clock.monotonic() - started > budget:
            rest = delivery_ids[index:]
            Delivery.objects.filter(pk__in=rest, queued_at__isnull=False).update(
                queued_at=timezone.now()
            )
            deliveries_enqueue(rest)
            outcomes["requeued"] += len(rest)
            break
        outcomes[delivery_attempt(delivery_id)] += 1
    return dict(outcomes)


def _backoff(attempts: int) -> timedelta:
    base = _setting("NOTIFY_RETRY_BASE_SECONDS", 60)
    return timedelta(seconds=min(base * 2 ** (attempts - 1), 3600))


def delivery_attempt(delivery_id: int) -> str:
    """Claim, send and mark one delivery; returns what happened (for logs and tests)."""
    from cabinet.notifications.channels import SENDERS, DeliveryError

    now = timezone.now()
    lease = timedelta(seconds=_setting("NOTIFY_LEASE_SECONDS", 120))
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("notification")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "gone"
        if delivery.status in {
            Delivery.Status.SENT,
            Delivery.Status.FAILED,
            Delivery.Status.SKIPPED,
        }:
            return "done"
        if delivery.status == Delivery.Status.SENDING and delivery.lease_until > now:
            return "leased"
        if delivery.not_before > now:
            return "not_due"
        delivery.status = Delivery.Status.SENDING
        delivery.lease_until = now + lease
        delivery.attempts += 1
        delivery.queued_at = None
        delivery.save(update_fields=["status", "lease_until", "attempts", "queued_at"])

    try:
        SENDERS[delivery.channel](delivery)
    except Exception as exc:  # every failure is recorded; programming errors are logged
        if not isinstance(exc, DeliveryError):
            logger.exception("delivery %s crashed", delivery.pk)
        return _delivery_failed(delivery, f"{exc}"[:2000])
    # Fenced by the attempt number: a worker whose lease ran out, and whose delivery
    # another worker has claimed since, does not overwrite that claim.
    Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.SENDING, attempts=delivery.attempts
    ).update(
        status=Delivery.Status.SENT,
        sent_at=timezone.now(),
        lease_until=None,
        last_error="",
        log=_logged(delivery, "sent"),
    )
    return "sent"


def _logged(delivery: Delivery, outcome: str, error: str = "") -> list[dict]:
    """The delivery's attempt log with this attempt's outcome appended."""
    entry = {
        "attempt": delivery.attempts,
        "at": timezone.now().isoformat(),
        "outcome": outcome,
    }
    if error:
        entry["error"] = error
    return [*delivery.log, entry]


def _delivery_failed(delivery: Delivery, error: str) -> str:
    final = delivery.attempts >= _setting("NOTIFY_MAX_ATTEMPTS", 5)
    outcome = "failed" if final else "retry"
    Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.SENDING, attempts=delivery.attempts
    ).update(
        status=Delivery.Status.FAILED if final else Delivery.Status.RETRY,
        not_before=timezone.now() + _backoff(delivery.attempts),
        lease_until=None,
        queued_at=None,
        last_error=error,
        log=_logged(delivery, outcome, error),
    )
    return outcome


def deliveries_sweep(*, limit: int = 2000) -> int:
    """Queue what is due and not on the queue: retries whose back-off has passed, SMS
    held over quiet hours, leases of workers that died, and deliveries whose task has
    been waiting longer than NOTIFY_REQUEUE_SECONDS (lost with a broker, say).

    A delivery already on the queue is left alone, so a long backlog is not multiplied
    by the sweeper running every minute.
    """
    now = timezone.now()
    lost = now - timedelta(seconds=_setting("NOTIFY_REQUEUE_SECONDS", 900))
    not_queued = Q(queued_at__isnull=True) | Q(queued_at__lte=lost)
    due = Delivery.objects.filter(not_queued).filter(
        Q(
            status__in=[Delivery.Status.PENDING, Delivery.Status.RETRY],
            not_before__lte=now,
        )
        | Q(status=Delivery.Status.SENDING, lease_until__lte=now)
    )
    with transaction.atomic():
        ids = list(
            due.order_by("not_before", "pk").values_list("pk", flat=True)[:limit]
        )
        Delivery.objects.filter(pk__in=ids).update(queued_at=now)
    deliveries_enqueue(ids)
    return len(ids)


def delivery_resend(*, delivery: Delivery, actor, request=None) -> None:
    """Staff send a failed delivery again (e.g. after fixing a phone number)."""
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    from cabinet.audit import audit_log

    if not (actor.is_active and actor.has_perm("cabinet.change_delivery")):
        raise PermissionDenied(
            _("Only the staff who follow up deliveries can resend them.")
        )
    with transaction.atomic():
        updated = Delivery.objects.filter(
            pk=delivery.pk, status=Delivery.Status.FAILED
        ).update(
            status=Delivery.Status.PENDING,
            not_before=timezone.now(),
            queued_at=timezone.now(),
            attempts=0,
            last_error="",
        )
        if updated:
            audit_log(
                action="ecabinet.delivery_resend",
                instance=delivery.notification,
                user=actor,
                request=request,
                channel=delivery.channel,
            )
            transaction.on_commit(lambda: deliveries_enqueue([delivery.pk]))


def notification_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all unread ones when ``ids`` is None)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def quiet_hours_set(*, user, quiet_from: time | None, quiet_until: time | None) -> None:
    preference = preference_for(user)
    preference.quiet_from, preference.quiet_until = quiet_from, quiet_until
    preference.save(update_fields=["quiet_from", "quiet_until"])
