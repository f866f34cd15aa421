"""django-q2 entry points. Each takes ids or plain values and calls a service."""

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.module_loading import import_string

from cabinet.models import Urgency
from cabinet.notifications.services import (
    deliveries_attempt,
    deliveries_sweep,
    delivery_attempt,
    notify,
)


def deliver(delivery_id: int) -> str:
    """One delivery (tasks queued before deliveries were batched)."""
    return delivery_attempt(delivery_id)


def deliver_batch(delivery_ids: list[int]) -> dict[str, int]:
    return deliveries_attempt(delivery_ids)


def sweep() -> int:
    return deliveries_sweep()


def deadline_remind(*, key, stage, title, deadline, url, outstanding, staff) -> int:
    """Remind (stage 24h/2h) or warn (stage overdue) the members who still owe."""
    owing = list(import_string(outstanding)(key))
    context = {"title": title, "deadline": deadline, "url": url}
    if stage != "overdue":
        urgency = Urgency.URGENT if stage == "2h" else Urgency.NORMAL
        return len(
            notify(
                recipients=owing,
                kind="reminder",
                context=context,
                urgency=urgency,
                dedupe_key=f"{key}:{stage}",
                link=url,
            )
        )
    sent = notify(
        recipients=owing,
        kind="overdue",
        context=context,
        urgency=Urgency.URGENT,
        dedupe_key=f"{key}:overdue",
        link=url,
    )
    if owing:
        names = [
            u.get_full_name() or u.get_username()
            for u in get_user_model().objects.filter(pk__in=owing)
        ]
        sent += notify(
            recipients=staff,
            kind="overdue_staff",
            context={**context, "missing": sorted(names)},
            urgency=Urgency.URGENT,
            dedupe_key=f"{key}:overdue-staff",
            link=url,
            copy_assistants=False,
        )
    return len(sent)


def overdue_digest() -> int:
    """Once a day: each staff member gets one message listing everything overdue.

    ``NOTIFY_OVERDUE_PROVIDERS`` names functions returning the overdue items, each a
    dict with ``title``, ``deadline`` (ISO), ``missing`` (names) and ``staff`` (ids).
    """
    from django.conf import settings

    per_staff: dict[int, list[dict]] = {}
    for path in getattr(settings, "NOTIFY_OVERDUE_PROVIDERS", []):
        for item in import_string(path)():
            for staff_id in item["staff"]:
                per_staff.setdefault(staff_id, []).append(
                    {k: item[k] for k in ("title", "deadline", "missing")}
                )
    today = timezone.localdate().isoformat()
    sent = 0
    for staff_id, items in per_staff.items():
        sent += len(
            notify(
                recipients=[staff_id],
                kind="digest",
                context={"items": items},
                dedupe_key=f"digest:{today}",
                copy_assistants=False,
            )
        )
    return sent
