"""Issuing, authenticating and revoking the apps' access tokens.

A token is issued only after the password and a one-time code (``token_issue``); it
stands for a session that passed the second factor, so the user it authenticates is
marked verified. Every OTP-bearing call still takes its own code.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from cabinet.audit import audit_log
from cabinet.models import DeviceToken
from cabinet.text import nfc

TOKEN_PREFIX = "ecab_"
DEFAULT_LIFETIME_DAYS = 30
MAX_ACTIVE_PER_USER = 10
# last_used_at is written at most this often, so reads do not all become writes.
TOUCH_EVERY = timedelta(minutes=1)


def lifetime() -> timedelta:
    return timedelta(days=getattr(settings, "API_TOKEN_DAYS", DEFAULT_LIFETIME_DAYS))


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(*, user, device_name: str, request=None) -> tuple[DeviceToken, str]:
    """A new token for ``user``'s device; returns the row and the token (shown once).

    The caller has checked the password and the one-time code.
    """
    name = nfc((device_name or "").strip())
    if not name:
        raise ValidationError(
            {"device_name": _("Name the device (for example “iPad của tôi”).")},
            code="required",
        )
    if len(name) > 100:
        raise ValidationError(
            {"device_name": _("The device name is too long (100 characters at most).")},
            code="max_length",
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        active = list(
            DeviceToken.objects.select_for_update()
            .filter(user=user)
            .active(now)
            .order_by("created_at")
        )
        # The oldest device is signed out rather than refusing the new one.
        for old in active[: max(0, len(active) - MAX_ACTIVE_PER_USER + 1)]:
            _revoke(old, by=user, request=request, reason="replaced")
        token = DeviceToken.objects.create(
            user=user,
            device_name=name,
            digest=digest_of(raw),
            prefix=raw[: len(TOKEN_PREFIX) + 6],
            created_at=now,
            expires_at=now + lifetime(),
        )
        audit_log(
            action="ecabinet.api_token_issue",
            instance=user,
            user=user,
            request=request,
            token=token.pk,
            device=name,
        )
    return token, raw


def token_authenticate(raw: str):
    """The verified user a token stands for, or None (unknown, expired, revoked,
    disabled account, or no authenticator any more)."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = (
        DeviceToken.objects.active(now)
        .select_related("user")
        .filter(digest=digest_of(raw))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    device = TOTPDevice.objects.filter(user=token.user, confirmed=True).first()
    if device is None:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        DeviceToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user = token.user
    user.otp_device = device  # the token was issued after the second factor
    user.api_token = token
    return user


def tokens_of(user):
    return DeviceToken.objects.filter(user=user).active()


def token_revoke(*, user, token: DeviceToken, request=None) -> DeviceToken:
    """Revoke ``token``: its owner may, and so may an administrator."""
    if token.user_id != user.pk and not user.is_superuser:
        raise PermissionDenied(_("You may revoke only your own devices."))
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        _revoke(token, by=user, request=request, reason="revoked")
    return token


def _revoke(token: DeviceToken, *, by, request, reason: str) -> None:
    token.revoked_at = timezone.now()
    token.revoked_by = by
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit_log(
        action="ecabinet.api_token_revoke",
        instance=token.user,
        user=by,
        request=request,
        token=token.pk,
        device=token.device_name,
        reason=reason,
    )
