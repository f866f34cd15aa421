"""My notifications (the in-app channel): list, unread count, mark read.

Only the caller's own notifications exist here: every query is filtered by
recipient, so another person's id is a 404, as on the notification screens.
"""

from __future__ import annotations

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema

from cabinet.api.errors import responses
from cabinet.notification_views import own_notifications
from cabinet.notifications import notification_mark_read, unread_count

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    subject: str
    short: str = Field(..., description="The one-line text (also the SMS).")
    link: str = Field(..., description="Where it leads on the website, or empty.")
    urgency: str = Field(..., description="normal or urgent")
    created_at: datetime
    read: bool
    read_at: datetime | None


class NotificationListOut(Schema):
    count: int
    unread: int
    limit: int
    offset: int
    items: list[NotificationOut]


class NotificationUnreadOut(Schema):
    unread: int


class NotificationsMarkedOut(Schema):
    marked: int = Field(..., description="How many were unread and are now read.")
    unread: int


def _out(notification) -> dict:
    return {
        "id": notification.pk,
        "subject": notification.subject,
        "short": notification.short,
        "link": notification.link,
        "urgency": notification.urgency,
        "created_at": notification.created_at,
        "read": notification.read_at is not None,
        "read_at": notification.read_at,
    }


@router.get(
    "/notifications",
    response=responses({200: NotificationListOut}),
    summary="My notifications, newest first",
)
def notification_list(
    request,
    unread: bool = False,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=100_000),
):
    qs = own_notifications(request.auth)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return {
        "count": qs.count(),
        "unread": unread_count(request.auth),
        "limit": limit,
        "offset": offset,
        "items": [_out(n) for n in qs[offset : offset + limit]],
    }


@router.get(
    "/notifications/unread-count",
    response=responses({200: NotificationUnreadOut}),
    summary="How many of my notifications are unread",
)
def notification_unread_count(request):
    return {"unread": unread_count(request.auth)}


@router.post(
    "/notifications/read-all",
    response=responses({200: NotificationsMarkedOut}),
    summary="Mark all my notifications read",
)
def notification_read_all(request):
    marked = notification_mark_read(user=request.auth)
    return {"marked": marked, "unread": unread_count(request.auth)}


@router.post(
    "/notifications/{notification_id}/read",
    response=responses({200: NotificationOut}),
    summary="Mark one of my notifications read",
)
def notification_read(request, notification_id: int = Path(..., ge=1, le=2**31 - 1)):
    notification = get_object_or_404(
        own_notifications(request.auth), pk=notification_id
    )
    notification_mark_read(user=request.auth, ids=[notification.pk])
    notification.refresh_from_db(fields=["read_at"])
    return _out(notification)
