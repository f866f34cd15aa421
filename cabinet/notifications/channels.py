"""Sending one delivery on its channel. Each sender raises ``DeliveryError`` on failure.

Senders pass the delivery's stable ``reference`` to the provider (the mail's
Message-ID, the SMS gateway's idempotency key) so a provider that honours it drops a
resend of a message it already accepted: the queue guarantees at-least-once, the
reference makes it once.
"""

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from cabinet.models import Channel, Delivery


class DeliveryError(Exception):
    """The provider refused or could not be reached; the delivery may be retried."""


def send_email(delivery: Delivery) -> None:
    notification = delivery.notification
    message = EmailMessage(
        subject=notification.subject,
        body=notification.body,
        to=[delivery.address],
        headers={"Message-ID": f"<{delivery.reference}@ecabinet>"},
    )
    try:
        message.send(fail_silently=False)
    except OSError as exc:  # smtplib errors are OSErrors
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc


class FileSMSBackend:
    """Development: appends each SMS as a JSON line to ``SMS_FILE_PATH``/outbox.jsonl."""

    def send(self, *, to: str, text: str, reference: str) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"to": to, "text": text, "reference": reference}, ensure_ascii=False
        )
        with open(folder / "outbox.jsonl", "a", encoding="utf-8") as outbox:
            outbox.write(line + "\n")
            outbox.flush()
            os.fsync(outbox.fileno())


class HttpSMSBackend:
    """An HTTP gateway: POST JSON ``{to, text, sender, reference}`` with a bearer token.

    Any 2xx is accepted; anything else, or no answer within 10 s, is a failure.
    """

    def send(self, *, to: str, text: str, reference: str) -> None:
        body = json.dumps(
            {
                "to": to,
                "text": text,
                "sender": settings.SMS_SENDER,
                "reference": reference,
            },
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
                "Idempotency-Key": reference,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"gateway answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise DeliveryError(f"gateway unreachable: {exc}") from exc


SMS_BACKENDS = {"file": FileSMSBackend, "http": HttpSMSBackend}


def sms_backend():
    name = settings.SMS_BACKEND
    return (SMS_BACKENDS.get(name) or import_string(name))()


def send_sms(delivery: Delivery) -> None:
    sms_backend().send(
        to=delivery.address,
        text=delivery.notification.short,
        reference=delivery.reference,
    )


SENDERS = {Channel.EMAIL: send_email, Channel.SMS: send_sms}
