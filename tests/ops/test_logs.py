"""Logs: every response and log line carries a request id; no secret reaches a log."""

import io
import json
import logging

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from ecabinet import urls as project_urls
from ecabinet.logs import (
    REDACTED,
    JsonFormatter,
    RedactingFilter,
    RequestIdFilter,
    redact_text,
)

PASSWORD = "Mật-khẩu-hunter2-Zq9"
OTP = "482913"
TOKEN = "tok_9f8e7d6c5b4a"
logger = logging.getLogger("ecabinet.tests.ops")


def crashing_view(request):
    logger.warning(
        "sign-in attempt password=%s otp_token=%s", request.POST.get("password"), OTP
    )
    raise RuntimeError(f"gateway refused api_token={TOKEN} for password: {PASSWORD}")


def fine_view(request):
    logger.info("hello from the view")
    return HttpResponse("ok")


urlpatterns = [
    path("crash/", crashing_view),
    path("fine/", fine_view),
    *project_urls.urlpatterns,
]


@pytest.fixture
def json_log():
    """The production handler (filters and JSON formatter) on the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]


def test_a_request_without_an_id_gets_a_new_one_in_the_response(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


def test_a_sane_incoming_request_id_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.2026:11/24+x="})
    assert response["X-Request-ID"] == "lb-7f3a.2026:11/24+x="


@pytest.mark.parametrize(
    "bad",
    ['abc"def', "a b", "x" * 129, "-starts-with-dash", "line\\nbreak", "ümlaut"],
)
def test_an_insane_incoming_request_id_is_replaced(client, bad):
    response = client.get("/healthz", headers={"X-Request-ID": bad})
    assert response["X-Request-ID"] != bad
    assert len(response["X-Request-ID"]) == 32


@override_settings(ROOT_URLCONF=__name__)
def test_log_lines_of_a_request_carry_its_id(client, json_log):
    response = client.get("/fine/", headers={"X-Request-ID": "req-123"})
    assert response.status_code == 200
    [entry] = [e for e in lines(json_log) if e["logger"] == logger.name]
    assert entry["message"] == "hello from the view"
    assert entry["request_id"] == "req-123"
    assert entry["level"] == "INFO"


@override_settings(ROOT_URLCONF=__name__)
def test_an_error_is_logged_with_context_and_without_secrets(client, json_log):
    client.raise_request_exception = False
    response = client.post(
        "/crash/?access_token=qs-secret-77&page=2",
        {
            "username": "tv01",
            "password": PASSWORD,
            "otp_token": OTP,
            "csrfmiddlewaretoken": "csrf-secret-value",
            "title": "Nghị quyết phiên họp thường kỳ",
        },
    )
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    output = json_log.getvalue()
    for secret in (PASSWORD, OTP, TOKEN, "qs-secret-77", "csrf-secret-value"):
        assert secret not in output
    entries = lines(json_log)
    warning = next(e for e in entries if e["logger"] == logger.name)
    assert warning["message"] == (
        f"sign-in attempt password={REDACTED} otp_token={REDACTED}"
    )
    error = next(e for e in entries if e["logger"] == "django.request")
    assert error["level"] == "ERROR"
    assert error["status"] == 500
    assert error["request_id"] == request_id == warning["request_id"]
    assert error["request"]["method"] == "POST"
    assert error["request"]["path"] == "/crash/"
    assert error["request"]["query"] == {"access_token": REDACTED, "page": "2"}
    assert error["request"]["form"] == {
        "username": "tv01",
        "password": REDACTED,
        "otp_token": REDACTED,
        "csrfmiddlewaretoken": REDACTED,
        "title": "Nghị quyết phiên họp thường kỳ",
    }
    assert "RuntimeError: gateway refused api_token=[REDACTED]" in error["exception"]
    assert 'File "' in error["exception"]  # the traceback is there, only redacted


def test_extra_fields_are_redacted_by_name(json_log):
    logger.error(
        "delivery failed",
        extra={"sms_gateway_token": "gw-secret", "delivery_id": 42, "attempt": 3},
    )
    [entry] = lines(json_log)
    assert entry["sms_gateway_token"] == REDACTED
    assert entry["delivery_id"] == 42 and entry["attempt"] == 3
    assert entry["request_id"] == "-"  # outside a request


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password=hunter2 user=tv01", f"password={REDACTED} user=tv01"),
        ('{"otp": "123456", "n": 1}', f'{{"otp": "{REDACTED}", "n": 1}}'),
        ("{'secret_key': 'abc'}", f"{{'secret_key': '{REDACTED}'}}"),
        ("Authorization: Bearer eyJhbGciOi.x.y", f"Authorization: {REDACTED}"),
        ("sent with Bearer eyJhbGciOi.x.y", f"sent with Bearer {REDACTED}"),
        (
            "connect postgres://ecab:S3cr3t@db:5432/ecabinet failed",
            f"connect postgres://ecab:{REDACTED}@db:5432/ecabinet failed",
        ),
        ("/reset/?token=abc&next=/admin/", f"/reset/?token={REDACTED}&next=/admin/"),
        ("FILE_ENCRYPTION_KEYS: k1:AAAA", f"FILE_ENCRYPTION_KEYS: {REDACTED}"),
        ("Phiên họp thường kỳ tháng 11", "Phiên họp thường kỳ tháng 11"),
    ],
)
def test_redact_text(text, expected):
    assert redact_text(text) == expected


def test_production_settings_log_json_and_dev_plain():
    from ecabinet.logs import logging_config

    assert logging_config(log_format="json", level="INFO", q_level="WARNING")[
        "handlers"
    ]["console"] == {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["request_id", "redact"],
    }
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT must be"):
        logging_config(log_format="xml", level="INFO", q_level="WARNING")


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_not_found_post_is_logged_with_its_form_redacted(client, json_log):
    response = client.post(
        "/khong-co/",
        "username=tv01&password=hunter2-secret&otp_token=123456",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 404
    [entry] = [e for e in lines(json_log) if e["logger"] == "django.request"]
    assert entry["status"] == 404
    assert entry["request_id"] == response["X-Request-ID"]
    assert entry["request"]["form"] == {
        "username": "tv01",
        "password": REDACTED,
        "otp_token": REDACTED,
    }
    assert "hunter2-secret" not in json_log.getvalue()
