"""Signing an app in and out: ``/api/v1/auth/…`` and who am I, ``/api/v1/me``."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from cabinet.api.errors import ApiError, responses
from cabinet.api.security import SignInThrottle
from cabinet.api.tokens import token_issue, token_revoke, tokens_of
from cabinet.audit import audit_log, request_origin
from cabinet.models import DeviceToken
from cabinet.otp import OTPError, Purpose, has_authenticator, otp_confirm
from cabinet.ratelimit import (
    LoginThrottled,
    login_failure_count,
    login_success_clear,
    login_throttle_check,
)
from cabinet.roles import ROLES

router = Router(tags=["auth"])


class SignIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=256)
    otp: str = Field(
        ...,
        min_length=1,
        max_length=16,
        description="6 digits from the authenticator app, or a backup code.",
    )
    device_name: str = Field(
        ..., min_length=1, max_length=100, description="Shown in the device list."
    )


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    position: str
    ministry: str
    roles: list[str]
    is_member: bool
    is_prime_minister: bool
    language: str


class TokenOut(Schema):
    id: int
    device_name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    current: bool = False


class IssuedOut(Schema):
    token: str = Field(..., description="Shown once: keep it in the device's keychain.")
    token_type: str = "Bearer"
    device: TokenOut
    me: MeOut


def me_of(user, language: str) -> dict:
    person = getattr(user, "person", None)
    groups = set(user.groups.values_list("name", flat=True))
    roles = [role.key for role in ROLES if role.group_name in groups]
    return {
        "id": user.pk,
        "username": user.get_username(),
        "full_name": user.get_full_name() or user.get_username(),
        "position": getattr(person, "position", "") or "",
        "ministry": str(person.ministry) if person and person.ministry_id else "",
        "roles": roles,
        "is_member": "member" in roles,
        "is_prime_minister": "prime_minister" in roles,
        "language": language,
    }


def _token_out(token: DeviceToken, current: DeviceToken | None) -> dict:
    return {
        "id": token.pk,
        "device_name": token.device_name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "current": current is not None and current.pk == token.pk,
    }


@router.post(
    "/token",
    auth=None,
    throttle=[SignInThrottle()],
    response=responses({201: IssuedOut}),
    summary="Sign a device in (password + one-time code)",
)
def sign_in(request, payload: SignIn):
    ip = request_origin(request).get("ip", "")
    try:
        login_throttle_check(username=payload.username, ip=ip)
    except LoginThrottled as exc:
        raise ApiError(429, "throttled", exc.message) from exc
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        login_failure_count(username=payload.username, ip=ip)
        raise ApiError(
            401,
            "bad_credentials",
            _("The username or password is not correct."),
        )
    if not has_authenticator(user):
        raise ApiError(
            403,
            "otp_no_device",
            _(
                "Set up your authenticator on the website first (Account → Two-step "
                "verification); apps sign in only with a one-time code."
            ),
        )
    try:
        otp_confirm(user=user, code=payload.otp, purpose=Purpose.LOGIN, request=request)
    except OTPError:
        login_failure_count(username=payload.username, ip=ip)
        raise
    login_success_clear(username=payload.username, ip=ip)
    audit_log(action="ecabinet.login", instance=user, user=user, request=request)
    token, raw = token_issue(
        user=user, device_name=payload.device_name, request=request
    )
    return Status(
        201,
        {
            "token": raw,
            "device": _token_out(token, token),
            "me": me_of(user, request.LANGUAGE_CODE),
        },
    )


@router.get("/tokens", response=responses({200: list[TokenOut]}), summary="My devices")
def token_list(request):
    current = getattr(request.auth, "api_token", None)
    return [_token_out(token, current) for token in tokens_of(request.auth)]


@router.delete(
    "/tokens/{token_id}",
    response=responses({204: None}),
    summary="Sign a device out (revoke its token)",
)
def token_delete(request, token_id: int):
    token = get_object_or_404(DeviceToken, pk=token_id, user=request.auth)
    token_revoke(user=request.auth, token=token, request=request)
    return Status(204, None)


@router.post(
    "/logout",
    response=responses({204: None}),
    summary="Sign this device out",
)
def sign_out(request):
    token = getattr(request.auth, "api_token", None)
    if token is None:
        raise ApiError(
            400, "no_token", _("This call signs out an app; it was not sent a token.")
        )
    token_revoke(user=request.auth, token=token, request=request)
    return Status(204, None)


me_router = Router(tags=["me"])


@me_router.get("", response=responses({200: MeOut}), summary="Who I am")
def me(request):
    return me_of(request.auth, request.LANGUAGE_CODE)
