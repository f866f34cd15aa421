"""Telling people things: e-mail, SMS and in-app, with reminders and escalation.

``notify()`` is the one entry point. It renders the message in the recipient's
language, stores it (the in-app channel), creates one delivery per outside channel the
recipient accepts, and queues their sending after the transaction commits.
"""

from cabinet.notifications.services import (
    delivery_resend,
    notification_mark_read,
    notify,
    unread_count,
)

__all__ = ["delivery_resend", "notification_mark_read", "notify", "unread_count"]
