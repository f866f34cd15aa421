"""A notice reaches a real SMTP server and a real HTTP SMS gateway, in the recipient's
language; a failing channel is retried without holding up the other; each user's
preferences (channels, quiet hours, copies to assistants) are obeyed."""

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.users.models import UserProfile

from cabinet.models import (
    Channel,
    Delivery,
    Notification,
    NotificationPreference,
    Urgency,
)
from cabinet.notifications import notify
from cabinet.notifications.services import (
    deliveries_sweep,
    delivery_attempt,
    quiet_hours_set,
)
from tests.notifications.providers import (
    free_port,
    running_sms_gateway,
)

User = get_user_model()


@pytest.fixture
def sms_gateway(settings, monkeypatch):
    for proxy in ("http_proxy", "HTTP_PROXY"):  # 127.0.0.1 is never behind a proxy
        monkeypatch.delenv(proxy, raising=False)
    with running_sms_gateway(settings) as gateway:
        yield gateway


TITLE = "Dự thảo Nghị định về quản lý đầu tư công"
URL = "http://127.0.0.1:8000/admin/ballots/12/"
# 02:30 UTC is 09:30 in Hà Nội: the recipient reads local time.
DEADLINE = datetime(2030, 5, 20, 2, 30, tzinfo=UTC)
LOCAL_DEADLINE = "09:30 20/05/2030"


def ballot(title: str = TITLE) -> dict:
    return {"title": title, "deadline": DEADLINE.isoformat(), "url": URL}


def person(username: str):
    return User.objects.select_related("person").get(username=username)


def delivery_of(notification: Notification, channel: str) -> Delivery:
    return Delivery.objects.get(notification=notification, channel=channel)


def issue_ballot(capture, recipients, **options) -> list[Notification]:
    """Notify and run what the commit queues (django-q2 runs inline in the tests)."""
    with capture(execute=True):
        return notify(
            recipients=recipients,
            kind="ballot_issued",
            context=options.pop("context", ballot()),
            link=URL,
            **options,
        )


@pytest.fixture
def preferences():
    def set_for(username: str, **fields) -> NotificationPreference:
        preference, _ = NotificationPreference.objects.update_or_create(
            user=person(username), defaults=fields
        )
        return preference

    return set_for


# --- e-mail -----------------------------------------------------------------------------


def test_the_smtp_server_receives_the_ballot_notice(
    demo, smtp_server, sms_outbox, django_capture_on_commit_callbacks, settings
):
    minister = person("tv05")
    (notification,) = issue_ballot(django_capture_on_commit_callbacks, [minister])

    email = delivery_of(notification, Channel.EMAIL)
    assert email.status == Delivery.Status.SENT
    assert email.attempts == 1 and email.sent_at is not None
    (mail,) = smtp_server.mails
    assert mail.recipients == [minister.email]
    assert mail.message["To"] == minister.email
    assert settings.DEFAULT_FROM_EMAIL in str(mail.message["From"])
    assert mail.message["Message-ID"] == f"<ecabinet-delivery-{email.pk}@ecabinet>"
    # Vietnamese is the default language; the exact wording belongs to the catalogue.
    assert notification.language == "vi"
    assert TITLE in mail.subject and mail.subject.strip() != TITLE
    assert mail.subject == notification.subject
    body = mail.message.get_content()
    assert minister.get_full_name() in body
    assert LOCAL_DEADLINE in body
    assert URL in body


def test_a_member_who_reads_english_gets_english_mail(
    demo, smtp_server, sms_outbox, django_capture_on_commit_callbacks
):
    minister = person("tv05")
    profile = UserProfile.get_for_user(minister)
    profile.preferred_language = "en"
    profile.save()

    (notification,) = issue_ballot(django_capture_on_commit_callbacks, [minister])

    (mail,) = smtp_server.mails
    assert notification.language == "en"
    assert mail.subject == f"New opinion ballot: {TITLE}"
    assert f"Please answer by {LOCAL_DEADLINE}." in mail.message.get_content()
    (sms,) = sms_outbox.messages()
    assert sms["text"].startswith("e-Cabinet: new opinion ballot")


# --- SMS --------------------------------------------------------------------------------


def test_the_sms_gateway_receives_nfc_text_with_token_and_idempotency_key(
    demo, sms_gateway, django_capture_on_commit_callbacks
):
    minister = person("tv05")
    decomposed = unicodedata.normalize("NFD", TITLE)  # as some keyboards type it
    assert decomposed != TITLE
    (notification,) = issue_ballot(
        django_capture_on_commit_callbacks, [minister], context=ballot(decomposed)
    )

    sms = delivery_of(notification, Channel.SMS)
    assert sms.status == Delivery.Status.SENT
    (request,) = sms_gateway.requests
    assert request.path == "/v1/messages"
    assert request.headers["Authorization"] == f"Bearer {sms_gateway.token}"
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.json["to"] == minister.person.phone == sms.address
    assert request.json["reference"] == f"ecabinet-delivery-{sms.pk}"
    assert request.headers["Idempotency-Key"] == request.json["reference"]
    text = request.json["text"]
    assert text == notification.short
    assert unicodedata.is_normalized("NFC", text)
    assert TITLE in text  # the NFC form of what was typed
    assert "20/05" in text and len(text) <= 320


def test_a_failing_gateway_is_retried_later_and_mail_still_goes(
    demo, smtp_server, sms_gateway, django_capture_on_commit_callbacks
):
    sms_gateway.status = 500
    before = timezone.now()
    (notification,) = issue_ballot(django_capture_on_commit_callbacks, [person("tv05")])

    sms = delivery_of(notification, Channel.SMS)
    assert sms.status == Delivery.Status.RETRY
    assert sms.attempts == 1
    assert sms.not_before > before + timedelta(seconds=30)
    assert "500" in sms.last_error
    assert sms.lease_until is None
    # The other channel is its own delivery: the mail went out.
    assert delivery_of(notification, Channel.EMAIL).status == Delivery.Status.SENT
    assert len(smtp_server.mails) == 1

    # Before the back-off has passed neither a redelivered task nor the sweeper sends.
    assert delivery_attempt(sms.pk) == "not_due"
    assert deliveries_sweep() == 0
    assert len(sms_gateway.requests) == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Delivery.Status.RETRY, 1)


def test_a_gateway_that_keeps_failing_ends_in_failed(
    demo, sms_gateway, django_capture_on_commit_callbacks, settings
):
    settings.NOTIFY_RETRY_BASE_SECONDS = 0
    settings.NOTIFY_MAX_ATTEMPTS = 3
    sms_gateway.status = 500
    (notification,) = issue_ballot(django_capture_on_commit_callbacks, [person("tv05")])
    sms = delivery_of(notification, Channel.SMS)

    swept = [deliveries_sweep() for _ in range(3)]  # the minute schedule, sped up

    sms.refresh_from_db()
    assert swept == [1, 1, 0]
    assert sms.status == Delivery.Status.FAILED
    assert sms.attempts == 3
    assert "500" in sms.last_error
    assert len(sms_gateway.requests) == 3
    assert {r.headers["Idempotency-Key"] for r in sms_gateway.requests} == {
        sms.reference
    }
    assert delivery_attempt(sms.pk) == "done"
    assert len(sms_gateway.requests) == 3


def test_a_gateway_that_recovers_gets_the_message_on_the_retry(
    demo, sms_gateway, django_capture_on_commit_callbacks, settings
):
    settings.NOTIFY_RETRY_BASE_SECONDS = 0
    sms_gateway.failures = [503]
    (notification,) = issue_ballot(django_capture_on_commit_callbacks, [person("tv05")])
    sms = delivery_of(notification, Channel.SMS)
    assert sms.status == Delivery.Status.RETRY

    assert deliveries_sweep() == 1

    sms.refresh_from_db()
    assert sms.status == Delivery.Status.SENT
    assert sms.attempts == 2
    assert sms.last_error == ""
    first, second = sms_gateway.requests
    assert first.json == second.json
    assert second.headers["Idempotency-Key"] == sms.reference


def test_an_unreachable_gateway_is_a_retry(
    demo, sms_gateway, django_capture_on_commit_callbacks, settings
):
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{free_port()}/v1/messages"
    (notification,) = issue_ballot(django_capture_on_commit_callbacks, [person("tv05")])

    sms = delivery_of(notification, Channel.SMS)
    assert sms.status == Delivery.Status.RETRY
    assert "unreachable" in sms.last_error


def test_an_unreachable_smtp_server_is_a_retry(
    demo, sms_outbox, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    (notification,) = issue_ballot(django_capture_on_commit_callbacks, [person("tv05")])

    email = delivery_of(notification, Channel.EMAIL)
    assert email.status == Delivery.Status.RETRY
    assert "ConnectionRefusedError" in email.last_error
    assert delivery_of(notification, Channel.SMS).status == Delivery.Status.SENT


# --- preferences ------------------------------------------------------------------------


def test_sms_turned_off_means_mail_and_in_app_only(
    demo, smtp_server, sms_gateway, preferences, django_capture_on_commit_callbacks
):
    preferences("tv05", sms=False)
    (notification,) = issue_ballot(django_capture_on_commit_callbacks, [person("tv05")])

    assert [d.channel for d in notification.deliveries.all()] == [Channel.EMAIL]
    assert sms_gateway.requests == []
    assert len(smtp_server.mails) == 1
    assert notification.read_at is None  # the in-app notice is there, unread


def test_quiet_hours_hold_the_sms_until_they_end(
    demo, smtp_server, sms_gateway, django_capture_on_commit_callbacks
):
    now = timezone.localtime()
    start = (now - timedelta(hours=1)).replace(second=0, microsecond=0)
    end = (now + timedelta(hours=1)).replace(second=0, microsecond=0)
    quiet_hours_set(
        user=person("tv05"), quiet_from=start.time(), quiet_until=end.time()
    )

    (notification,) = issue_ballot(django_capture_on_commit_callbacks, [person("tv05")])

    sms = delivery_of(notification, Channel.SMS)
    assert sms.status == Delivery.Status.PENDING
    assert sms.not_before == end
    assert sms_gateway.requests == []
    assert delivery_attempt(sms.pk) == "not_due"
    assert delivery_of(notification, Channel.EMAIL).status == Delivery.Status.SENT

    # The quiet hours end: the minute sweep sends the held SMS.
    passed = timedelta(hours=2)
    Delivery.objects.filter(pk=sms.pk).update(
        not_before=sms.not_before - passed, created_at=sms.created_at - passed
    )
    assert deliveries_sweep() == 1
    sms.refresh_from_db()
    assert sms.status == Delivery.Status.SENT
    assert len(sms_gateway.requests) == 1


def test_urgent_messages_ignore_quiet_hours(
    demo, sms_gateway, django_capture_on_commit_callbacks
):
    now = timezone.localtime()
    quiet_hours_set(
        user=person("tv05"),
        quiet_from=(now - timedelta(hours=1)).time(),
        quiet_until=(now + timedelta(hours=1)).time(),
    )
    (notification,) = issue_ballot(
        django_capture_on_commit_callbacks, [person("tv05")], urgency=Urgency.URGENT
    )

    assert delivery_of(notification, Channel.SMS).status == Delivery.Status.SENT
    assert len(sms_gateway.requests) == 1


def test_the_assistant_gets_a_copy_marked_as_such(
    demo, smtp_server, sms_outbox, django_capture_on_commit_callbacks
):
    prime_minister, secretary = person("tv01"), person("troly")
    created = issue_ballot(django_capture_on_commit_callbacks, [prime_minister])

    original, copy = sorted(created, key=lambda n: n.copy_of_id is not None)
    assert original.recipient == prime_minister
    assert (copy.recipient, copy.copy_of) == (secretary, original)
    (to_pm,) = smtp_server.to(prime_minister.email)
    (to_secretary,) = smtp_server.to(secretary.email)
    assert to_pm.subject == original.subject
    assert to_secretary.subject == copy.subject != original.subject
    assert prime_minister.get_full_name() in to_secretary.subject
    assert TITLE in to_secretary.subject
    assert sorted(m["to"] for m in sms_outbox.messages()) == sorted(
        [prime_minister.person.phone, secretary.person.phone]
    )


def test_no_copy_when_the_member_turned_copies_off(
    demo, smtp_server, preferences, sms_outbox, django_capture_on_commit_callbacks
):
    preferences("tv01", copy_assistants=False)
    (notification,) = issue_ballot(django_capture_on_commit_callbacks, [person("tv01")])

    assert notification.recipient.username == "tv01"
    assert not Notification.objects.filter(recipient__username="troly").exists()
    assert [m.recipients for m in smtp_server.mails] == [["tv01@chinhphu.example"]]


def test_a_dedupe_key_tells_each_recipient_once(
    demo, smtp_server, sms_gateway, django_capture_on_commit_callbacks
):
    recipients = [person("tv01"), person("tv05")]
    first = issue_ballot(
        django_capture_on_commit_callbacks, recipients, dedupe_key="ballot:12:issued"
    )
    again = issue_ballot(
        django_capture_on_commit_callbacks, recipients, dedupe_key="ballot:12:issued"
    )

    assert len(first) == 3  # the two members and the Prime Minister's secretary
    assert again == []
    for username in ("tv01", "tv05", "troly"):
        assert Notification.objects.filter(recipient__username=username).count() == 1
    assert len(smtp_server.mails) == 3
    assert len(sms_gateway.requests) == 3


def test_inactive_users_get_nothing(
    demo, smtp_server, sms_gateway, django_capture_on_commit_callbacks
):
    User.objects.filter(username__in=["tv05", "troly"]).update(is_active=False)

    created = issue_ballot(
        django_capture_on_commit_callbacks, [person("tv05"), person("tv01")]
    )

    # tv05 left the Government; the Prime Minister's secretary's account is disabled.
    assert [n.recipient.username for n in created] == ["tv01"]
    assert not Notification.objects.filter(
        recipient__username__in=["tv05", "troly"]
    ).exists()
    assert [m.recipients for m in smtp_server.mails] == [["tv01@chinhphu.example"]]
    assert len(sms_gateway.requests) == 1
