"""Every refusal of the API as JSON: a machine code and a message in the request's
language, the fields at fault for validation errors; never a stack trace.

4xx are the caller's mistakes; a 5xx means a bug, is logged with the request id, and
says only that something went wrong.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from cabinet.otp import OTPError

logger = logging.getLogger("cabinet.api")


class FieldError(Schema):
    field: str
    message: str
    code: str


class ErrorOut(Schema):
    code: str
    message: str
    fields: list[FieldError] = []


# Statuses every operation may answer besides its success; see ``responses``.
ERROR_STATUSES = (400, 401, 403, 404, 409, 413, 422, 429)


def responses(success: dict) -> dict:
    """``success`` ({status: schema}) plus every documented error status."""
    return {**success, **dict.fromkeys(ERROR_STATUSES, ErrorOut)}


class ApiError(Exception):
    """A refusal raised by an endpoint: ``status``, ``code`` and a translated message."""

    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, str(message)
        super().__init__(code)


def error_response(status: int, code: str, message, fields=None, headers=None):
    response = JsonResponse(
        {"code": code, "message": str(message), "fields": fields or []},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# pydantic's error types, said for a person (pydantic's own messages are English only).
_PYDANTIC_MESSAGES = {
    "missing": lambda: _("This field is required."),
    "string_too_long": lambda: _("This text is too long."),
    "string_too_short": lambda: _("This text is too short."),
    "string_type": lambda: _("Enter text."),
    "int_parsing": lambda: _("Enter a whole number."),
    "int_type": lambda: _("Enter a whole number."),
    "bool_parsing": lambda: _("Enter true or false."),
    "bool_type": lambda: _("Enter true or false."),
    "literal_error": lambda: _("Choose one of the allowed values."),
    "enum": lambda: _("Choose one of the allowed values."),
    "datetime_parsing": lambda: _("Enter a date and time (ISO 8601)."),
    "datetime_from_date_parsing": lambda: _("Enter a date and time (ISO 8601)."),
    "json_invalid": lambda: _("The request body is not valid JSON."),
    "model_attributes_type": lambda: _("The request body must be a JSON object."),
    "dict_type": lambda: _("The request body must be a JSON object."),
    "list_type": lambda: _("Enter a list."),
}


def _field_name(loc) -> str:
    # ("body", "payload", "choice") → "choice"; ("query", "limit") → "limit"
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "form", "file", "header"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in ("payload", "data"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _ninja_validation(request, exc: NinjaValidationError):
    fields = []
    for error in exc.errors:
        kind = error.get("type", "invalid")
        said = _PYDANTIC_MESSAGES.get(kind)
        fields.append(
            {
                "field": _field_name(error.get("loc", ())),
                "message": said() if said else _("This value is not valid."),
                "code": kind,
            }
        )
    return error_response(
        422, "invalid", _("Some fields are not valid; see the fields."), fields
    )


def _django_validation(request, exc: DjangoValidationError):
    fields = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                fields.append(
                    {
                        "field": field if field != "__all__" else "body",
                        "message": " ".join(error.messages),
                        "code": error.code or "invalid",
                    }
                )
        message = " ".join(f["message"] for f in fields)
        code = fields[0]["code"] if len(fields) == 1 else "invalid"
    else:
        message = " ".join(exc.messages)
        code = getattr(exc, "code", None) or (
            exc.error_list[0].code if exc.error_list else None
        )
        code = code or "invalid"
    status = 409 if code in CONFLICT_CODES else 400
    return error_response(status, code, message, fields)


# Refusals because of the state of things rather than what the caller sent.
CONFLICT_CODES = {
    "already_voted",
    "already_answered",
    "poll_closed",
    "closed",
    "already_open",
    "not_open",
    # the live session (cabinet.api.live)
    "not_present",
    "in_room",
    "deputy_present",
    "state",
}


def _otp(request, exc: OTPError):
    status = {"throttled": 429, "inactive": 403, "no_device": 403}.get(exc.reason, 400)
    headers = {}
    if exc.reason == "throttled":
        headers["Retry-After"] = str(exc.params.get("seconds", 1))
    return error_response(
        status,
        f"otp_{exc.reason}",
        exc.message,
        [{"field": "otp", "message": exc.message, "code": exc.reason}],
        headers,
    )


def _forbidden(request, exc: PermissionDenied):
    message = str(exc) or _("You are not allowed to do this.")
    return error_response(403, "forbidden", message)


def _not_found(request, exc):
    return error_response(404, "not_found", _("Not found, or not visible to you."))


def _unauthenticated(request, exc):
    return error_response(
        401,
        "unauthenticated",
        _(
            "Sign in first: send “Authorization: Bearer <token>” with a token from "
            "POST /api/v1/auth/token."
        ),
        headers={"WWW-Authenticate": "Bearer"},
    )


def _throttled(request, exc: Throttled):
    wait = int(exc.wait or 1)
    return error_response(
        429,
        "throttled",
        _("Too many requests. Wait %(seconds)s seconds and try again.")
        % {"seconds": wait},
        headers={"Retry-After": str(wait)},
    )


def _too_big(request, exc: RequestDataTooBig):
    return error_response(
        413,
        "too_large",
        _("The request is too large (%(mb)s MB at most).")
        % {"mb": round(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20, 1)},
    )


def _api_error(request, exc: ApiError):
    return error_response(exc.status, exc.code, exc.message)


def _http_error(request, exc: HttpError):
    return error_response(exc.status_code, "error", str(exc))


def _server_error(request, exc: Exception):
    logger.exception("API error on %s %s", request.method, request.path)
    return error_response(
        500,
        "server_error",
        _(
            "Something went wrong on the server. The error was recorded; try again "
            "later or contact the Government Office's support desk."
        ),
    )


def install(api) -> None:
    handlers = [
        (Exception, _server_error),
        (HttpError, _http_error),
        (ApiError, _api_error),
        (Throttled, _throttled),
        (AuthenticationError, _unauthenticated),
        (Http404, _not_found),
        (ObjectDoesNotExist, _not_found),
        (PermissionDenied, _forbidden),
        (RequestDataTooBig, _too_big),
        (OTPError, _otp),
        (DjangoValidationError, _django_validation),
        (NinjaValidationError, _ninja_validation),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
