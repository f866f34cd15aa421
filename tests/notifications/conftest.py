"""Real peers for the notification tests: an SMTP server, an SMS outbox."""

import pytest

from tests.notifications.providers import running_smtp_server, sms_outbox_in


@pytest.fixture
def sms_outbox(settings, tmp_path):
    return sms_outbox_in(settings, tmp_path / "sms")


@pytest.fixture
def smtp_server(settings):
    with running_smtp_server(settings) as server:
        yield server
