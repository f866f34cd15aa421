"""Logs an operator can search and share: request ids, JSON lines, no secrets.

- :class:`RequestIdMiddleware` gives every request an id: the caller's ``X-Request-ID``
  when it is sane (the TLS proxy sets one), else a new one. The id is returned in the
  response's ``X-Request-ID`` header and stamped on every log record written while the
  request is handled, so one support ticket's id finds every line of its request in
  the proxy, web and error logs.
- :class:`JsonFormatter` writes one JSON object per line (production): time, level,
  logger, message, request id, exception and, for Django's request errors, the request
  (method, path, user, redacted query and form data).
- :class:`RedactingFilter` runs on the handler, before any formatter, and removes the
  values of password / OTP / token / secret / key fields from messages, exception
  texts, extra fields and request data. Invariant: no handler configured by
  :func:`logging_config` ever formats a record that has not been through it.

Nothing here imports Django settings: the settings modules import this one.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured

REDACTED = "[REDACTED]"
REQUEST_ID_HEADER = "X-Request-ID"

# The id of the request being handled in this thread or task, "-" outside requests.
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar(
    "request_id", default="-"
)

# Accepted from outside: what proxies and load balancers generate (hex, UUIDs, base64),
# never spaces, quotes or control characters that could forge a log line.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+/=-]{0,127}")

# A field whose name contains one of these holds a secret (``otp_token``,
# ``csrfmiddlewaretoken``, ``EMAIL_HOST_PASSWORD``, ``api_key``, ``code``...).
SENSITIVE_NAME = re.compile(
    r"pass(?:word|wd|phrase)?|otp|token|secret|key|code|authori[sz]ation|cookie"
    r"|session|signature|credential",
    re.IGNORECASE,
)
_NAME = r"[A-Za-z0-9_.\-]*"
_SENSITIVE_WORD = (
    r"(?:pass(?:word|wd|phrase)?|otp|token|secret|key|code|authori[sz]ation|cookie"
    r"|session|signature|credential)"
)
# name=value, name: value, "name": "value", 'name': 'value' in free text.
_ASSIGNMENT = re.compile(
    rf"""(?P<name>\b{_NAME}{_SENSITIVE_WORD}{_NAME})"""
    r"""(?P<sep>["']?\s*[:=]\s*)"""
    r"""(?P<quote>["']?)"""
    r"""(?P<value>(?:Bearer\s+|Basic\s+)?[^\s"'&,;}\]]+)""",
    re.IGNORECASE,
)
# Credentials inside URLs: scheme://user:password@host
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^:/@\s]*:)[^@\s/]+(?=@)")
_BEARER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=\-]+", re.IGNORECASE)


def redact_text(text: str) -> str:
    """``text`` with the values of sensitive assignments and URL passwords removed."""
    if not text:
        return text
    text = _URL_PASSWORD.sub(rf"\g<head>{REDACTED}", text)
    text = _ASSIGNMENT.sub(
        lambda m: f"{m['name']}{m['sep']}{m['quote']}{REDACTED}", text
    )
    return _BEARER.sub(rf"\1 {REDACTED}", text)


def redact_value(name: str, value: Any) -> Any:
    """``value`` of the field ``name``, with anything secret inside it removed."""
    if name and SENSITIVE_NAME.search(str(name)):
        return REDACTED
    if isinstance(value, Mapping):
        return {str(k): redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [redact_value("", v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_text(str(value))


def _query_dict(data) -> dict[str, Any]:
    """A ``QueryDict`` as a plain dict (lists only where a name repeats), redacted."""
    result: dict[str, Any] = {}
    for name in data:
        values = data.getlist(name)
        result[name] = redact_value(name, values[0] if len(values) == 1 else values)
    return result


# Bodies the error log parses itself; larger ones, and uploads, only if the view did.
_MAX_FORM_BYTES = 64 * 1024


def _form_is_cheap(request) -> bool:
    if hasattr(request, "_post"):  # already parsed by the view
        return True
    meta = getattr(request, "META", {})
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return (
        meta.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded")
        and length <= _MAX_FORM_BYTES
    )


def request_context(request) -> dict[str, Any]:
    """What an operator needs to reproduce a failed request, and nothing secret.

    Headers and cookies are left out entirely; query and form fields are redacted by
    name; uploaded files are listed by field name only.
    """
    context: dict[str, Any] = {
        "method": getattr(request, "method", None),
        "path": redact_text(getattr(request, "path", "") or ""),
    }
    try:
        if request.GET:
            context["query"] = _query_dict(request.GET)
        if request.method == "POST" and _form_is_cheap(request) and request.POST:
            context["form"] = _query_dict(request.POST)
        if getattr(request, "FILES", None):
            context["files"] = sorted(request.FILES)
    except Exception:  # a broken body must not break the error log
        context["form"] = "(unreadable)"
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        context["user_id"] = user.pk
    remote = getattr(request, "META", {}).get("REMOTE_ADDR")
    if remote:
        context["remote_addr"] = remote
    return context


# Attributes every LogRecord has; anything else came in through ``extra=``.
_STANDARD_ATTRIBUTES = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "request_context",
    "status_code",
    "request",
}


class RequestIdFilter(logging.Filter):
    """Stamp ``record.request_id`` with the id of the request being handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # Django logs a response's status after the middleware has returned, so
            # the id is taken from the request the record carries when it has one.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or (
                request_id_var.get()
            )
        return True


class RedactingFilter(logging.Filter):
    """Remove secrets from the record before any formatter sees it.

    The message is rendered once (``msg % args``) and redacted; the exception is
    rendered into ``exc_text`` and redacted (formatters reuse ``exc_text``); extra
    fields and Django's ``request`` become redacted values in place.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_ecabinet_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: log what we have, redacted
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, Mapping | str):
            record.request_context = request_context(request)
        for name, value in list(record.__dict__.items()):
            if name not in _STANDARD_ATTRIBUTES and not name.startswith("_"):
                setattr(record, name, redact_value(name, value))
        record._ecabinet_redacted = True
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; run :class:`RedactingFilter` before it."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
            "pid": record.process,
        }
        if getattr(record, "status_code", None) is not None:
            entry["status"] = record.status_code
        context = getattr(record, "request_context", None)
        if context:
            entry["request"] = context
        for name, value in record.__dict__.items():
            if name not in _STANDARD_ATTRIBUTES and not name.startswith("_"):
                entry[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """Human-readable lines for a laptop, with the request id."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        )


def logging_config(*, log_format: str, level: str, q_level: str) -> dict:
    """The ``LOGGING`` setting: one console handler, filtered, plain or JSON.

    Both filters sit on the handler, not on loggers, so records propagated from any
    logger (Django, Wagtail, django-q2, gunicorn's error log) pass through them.
    """
    if log_format not in {"json", "plain"}:
        raise ImproperlyConfigured(
            f"LOG_FORMAT must be 'json' or 'plain', not {log_format!r}."
        )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "ecabinet.logs.RequestIdFilter"},
            "redact": {"()": "ecabinet.logs.RedactingFilter"},
        },
        "formatters": {
            "plain": {"()": "ecabinet.logs.PlainFormatter"},
            "json": {"()": "ecabinet.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id", "redact"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "django-q": {"level": q_level},
        },
    }


def sane_request_id(value: str | None) -> str | None:
    """``value`` when it is safe to log and echo, else None."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return None


class RequestIdMiddleware:
    """Give each request an id, log with it, and return it in ``X-Request-ID``.

    First in ``MIDDLEWARE``, so redirects and errors raised by later middleware carry
    the id as well.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = sane_request_id(request.headers.get(REQUEST_ID_HEADER))
        request_id = request_id or uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            request_id_var.reset(token)
