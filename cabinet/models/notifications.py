"""Notifications: what a user is told, and each attempt to tell them on each channel.

A ``Notification`` is the message itself and doubles as the in-app channel (it has a
read state). Each outside channel (e-mail, SMS) gets one ``Delivery`` row, which is
the unit of work of the queue: claimed under a lease, sent, marked. The database
constraints make the invariants hold even if the code is wrong: one delivery per
notification and channel, one notification per recipient and dedupe key.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Notification(models.Model):
    # Nothing here references pages or documents: keep Wagtail's reference index out.
    wagtail_reference_index_ignore = True

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.SlugField(_("kind"), max_length=64)
    context = models.JSONField(_("context"), default=dict, blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    # Set when the same event must never notify the same person twice (e.g.
    # "ballot:12:issued"); a second notify() with the key is a no-op.
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, blank=True)
    copy_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="copies",
        verbose_name=_("copy of"),
        help_text=_("For an assistant: the member's notification this copies."),
    )
    language = models.CharField(_("language"), max_length=8, default="vi")
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("message"))
    short = models.CharField(
        _("short text"), max_length=320, help_text=_("The SMS and the in-app line.")
    )
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_once_per_recipient_and_key",
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        RETRY = "retry", _("Will retry")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    wagtail_reference_index_ignore = True

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # One entry per attempt: {"attempt", "at", "outcome", "error"}.
    log = models.JSONField(_("attempt log"), default=list, blank=True)
    # When the delivery may next be tried: quiet hours and back-off push it later.
    not_before = models.DateTimeField(_("not before"), default=timezone.now)
    # A claimed delivery belongs to one worker until the lease expires; a worker that
    # died mid-send leaves a lease that the sweeper reclaims.
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    # When a task for this delivery was last put on the queue; cleared when a worker
    # claims it. The sweeper requeues only deliveries that are not on the queue (or
    # whose task has been lost for longer than NOTIFY_REQUEUE_SECONDS).
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="one_delivery_per_channel"
            )
        ]
        indexes = [models.Index(fields=["status", "not_before"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address}"

    @property
    def reference(self) -> str:
        """Stable across retries: the SMS gateway's idempotency key, the mail's
        Message-ID, so a provider can drop a resend of the same delivery."""
        return f"ecabinet-delivery-{self.pk}"


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    email = models.BooleanField(_("by e-mail"), default=True)
    sms = models.BooleanField(_("by SMS"), default=True)
    quiet_from = models.TimeField(
        _("no SMS from"),
        null=True,
        blank=True,
        help_text=_("Urgent messages arrive anyway."),
    )
    quiet_until = models.TimeField(_("no SMS until"), null=True, blank=True)
    copy_assistants = models.BooleanField(
        _("copy my assistants"),
        default=True,
        help_text=_("My assistants and secretaries receive a copy of what I am sent."),
    )

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)
