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
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
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

DELIVER_TASK = "cabinet.notifications.tasks.deliver"


def _setting(name: str, default):
    return getattr(settings, name, default)


def preference_for(user) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    return preference


def language_of(user) -> str:
    profile = UserProfile.objects.filter(user=user).first()
    return (profile and profile.preferred_language) or settings.LANGUAGE_CODE


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
    users = User.objects.filter(pk__in=ids, is_active=True).select_related("person")
    created: list[Notification] = []
    deliveries: list[Delivery] = []
    with transaction.atomic():
        for user in users:
            notification = _create(user, kind, context, urgency, dedupe_key, link)
            if notification is None:
                continue
            created.append(notification)
            deliveries += _deliveries_for(notification, user)
            preference = preference_for(user)
            if copy_assistants and preference.copy_assistants:
                for assistant in User.objects.filter(
                    person__assists=user, is_active=True
                ).select_related("person"):
                    copy = _create(
                        assistant,
                        kind,
                        {**context, "copy_for": user.get_full_name()},
                        urgency,
                        f"{dedupe_key}:copy" if dedupe_key else "",
                        link,
                        copy_of=notification,
                    )
                    if copy is not None:
                        created.append(copy)
                        deliveries += _deliveries_for(copy, assistant)
        Delivery.objects.bulk_create(deliveries)
        due = [
            d.pk
            for d in Delivery.objects.filter(
                notification__in=created, not_before__lte=timezone.now()
            ).only("pk")
        ]
        transaction.on_commit(lambda: deliveries_enqueue(due))
    return created


def _create(user, kind, context, urgency, dedupe_key, link, copy_of=None):
    language = language_of(user)
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


def _deliveries_for(notification: Notification, user) -> list[Delivery]:
    preference = preference_for(user)
    now = timezone.now()
    deliveries = []
    if preference.email and user.email:
        deliveries.append(
            Delivery(
                notification=notification, channel=Channel.EMAIL, address=user.email
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
            )
        )
    return deliveries


def deliveries_enqueue(delivery_ids: Iterable[int]) -> None:
    for delivery_id in delivery_ids:
        async_task(DELIVER_TASK, delivery_id, task_name=f"deliver:{delivery_id}")


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
        delivery.save(update_fields=["status", "lease_until", "attempts"])

    try:
        SENDERS[delivery.channel](delivery)
    except Exception as exc:  # every failure is recorded; programming errors are logged
        if not isinstance(exc, DeliveryError):
            logger.exception("delivery %s crashed", delivery.pk)
        return _delivery_failed(delivery, f"{exc}"[:2000])
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.SENT,
        sent_at=timezone.now(),
        lease_until=None,
        last_error="",
    )
    return "sent"


def _delivery_failed(delivery: Delivery, error: str) -> str:
    final = delivery.attempts >= _setting("NOTIFY_MAX_ATTEMPTS", 5)
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.FAILED if final else Delivery.Status.RETRY,
        not_before=timezone.now() + _backoff(delivery.attempts),
        lease_until=None,
        last_error=error,
    )
    return "failed" if final else "retry"


def deliveries_sweep(*, limit: int = 2000) -> int:
    """Queue what is due and not in flight: retries whose back-off has passed, SMS held
    over quiet hours, leases of workers that died, and pending rows whose task was lost."""
    now = timezone.now()
    stale = now - timedelta(seconds=_setting("NOTIFY_LEASE_SECONDS", 120))
    due = Delivery.objects.filter(not_before__lte=now).filter(
        Q(status=Delivery.Status.RETRY)
        | Q(status=Delivery.Status.PENDING, not_before__lte=stale)
        | Q(status=Delivery.Status.PENDING, created_at__lte=stale)
        | Q(status=Delivery.Status.SENDING, lease_until__lte=now)
    )
    ids = list(due.order_by("not_before").values_list("pk", flat=True)[:limit])
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
