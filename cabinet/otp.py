"""The second factor: TOTP authenticators, backup codes, and step-up confirmation.

Every vote, ballot answer, approval and signature calls ``otp_confirm``. Its
invariants:

- a code confirms one action only: a TOTP step once accepted is never accepted again
  (django-otp's ``last_t``), a backup code is deleted when used;
- wrong codes are throttled (django-otp's exponential delay) and every refusal is
  audited, with the reason but never the code;
- a disabled account confirms nothing;
- the device row is locked while a code is checked, so two requests racing with the
  same code cannot both succeed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cabinet.audit import audit_log

BACKUP_DEVICE_NAME = "backup"
AUTHENTICATOR_NAME = "authenticator"
BACKUP_CODE_COUNT = 10


class Purpose:
    """What a code confirms; recorded in the audit trail."""

    LOGIN = "login"
    ENROL = "enrol"
    BACKUP_CODES = "backup_codes"
    VOTE = "vote"
    ANSWER = "answer"
    APPROVE = "approve"
    SIGN = "sign"


class OTPError(Exception):
    """A refused code, with a message for the user in their language."""

    MESSAGES = {
        "inactive": _("This account is disabled. Contact the system administrator."),
        "no_device": _(
            "You have no authenticator yet. Set one up under Account → Two-step "
            "verification first."
        ),
        "empty": _("Enter the 6-digit code from your authenticator app."),
        "throttled": _(
            "Too many wrong codes. Wait %(seconds)s seconds, then enter the current code."
        ),
        "replayed": _(
            "This code has already been used. Wait for the next code in your "
            "authenticator app (a new one appears every 30 seconds)."
        ),
        "invalid": _(
            "The code is not correct. Check that your phone's clock is right and "
            "enter the current 6-digit code, or one of your backup codes."
        ),
    }

    def __init__(self, reason: str, **params):
        self.reason = reason
        self.params = params
        super().__init__(reason)

    @property
    def message(self) -> str:
        return (
            str(self.MESSAGES[self.reason]) % self.params
            if self.params
            else str(self.MESSAGES[self.reason])
        )


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _normalise(code: str) -> str:
    return "".join((code or "").split()).lower()


def _used_step(device: TOTPDevice, code: str) -> bool:
    """Whether ``code`` is a valid code of a step already consumed (a replay)."""
    if not code.isdigit():
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = totp.t()  # counts the device's drift, as ``last_t`` does
    for offset in range(-device.tolerance, device.tolerance + 1):
        step = now + offset
        if step <= device.last_t:
            # the time whose (drifted) step is ``step``: the drift is counted once
            totp.time = ((step - device.drift) * device.step) + device.t0
            if totp.token() == int(code):
                return True
    return False


@dataclass(frozen=True)
class Confirmation:
    device: TOTPDevice | StaticDevice
    purpose: str


def otp_confirm(*, user, code: str, purpose: str, request=None) -> Confirmation:
    """Check a one-time code for ``user`` and ``purpose``; raise ``OTPError`` if refused.

    Call it before opening the transaction of the action it confirms: a refusal's
    audit entry and throttling must survive the exception, which would otherwise roll
    them back together with the caller's transaction.
    """
    code = _normalise(code)
    with transaction.atomic():
        confirmed_by, reason, params = _check_code(user, code)
    if confirmed_by is None:
        audit_log(
            action="ecabinet.otp_failed",
            instance=user,
            user=user,
            request=request,
            purpose=purpose,
            reason=reason,
        )
        raise OTPError(reason, **params)
    audit_log(
        action="ecabinet.otp_confirmed",
        instance=user,
        user=user,
        request=request,
        purpose=purpose,
        device=confirmed_by.name,
    )
    return Confirmation(device=confirmed_by, purpose=purpose)


def _check_code(user, code: str):
    """(device, None, {}) when the code is good, else (None, reason, params).

    Runs inside a transaction with the user's authenticator row locked.
    """
    if not user.is_active:
        return None, "inactive", {}
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=True)
        .order_by("-pk")
        .first()
    )
    if device is None:
        return None, "no_device", {}
    if not code:
        return None, "empty", {}
    allowed, info = device.verify_is_allowed()
    if not allowed:
        wait = (info["locked_until"] - timezone.now()).total_seconds()
        return None, "throttled", {"seconds": max(1, math.ceil(wait))}
    if device.verify_token(code):
        return device, None, {}
    replayed = _used_step(device, code)
    backups = StaticDevice.objects.select_for_update().filter(
        user=user, name=BACKUP_DEVICE_NAME, confirmed=True
    )
    backup = next((d for d in backups if d.verify_token(code)), None)
    if backup is None:
        return None, ("replayed" if replayed else "invalid"), {}
    device.throttle_reset()  # a good backup code ends the streak of failures
    return backup, None, {}


def authenticator_start(*, user) -> TOTPDevice:
    """A new, unconfirmed authenticator whose secret the user scans; replaces any
    earlier unconfirmed one. Confirmed devices stay until the new one is confirmed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(
        user=user, name=AUTHENTICATOR_NAME, confirmed=False
    )


def authenticator_confirm(*, user, code: str, request=None) -> list[str]:
    """Confirm the pending authenticator with its first code; return new backup codes.

    On success the pending device replaces every other authenticator of the user.
    """
    with transaction.atomic():
        pending = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-pk")
            .first()
        )
        allowed, info = pending.verify_is_allowed() if pending else (True, None)
        confirmed = (
            allowed and pending is not None and pending.verify_token(_normalise(code))
        )
        if confirmed:
            TOTPDevice.objects.filter(user=user).exclude(pk=pending.pk).delete()
            pending.confirmed = True
            pending.save(update_fields=["confirmed"])
    if pending is None:
        raise OTPError("no_device")
    if not allowed:
        wait = (info["locked_until"] - timezone.now()).total_seconds()
        raise OTPError("throttled", seconds=max(1, math.ceil(wait)))
    if not confirmed:
        audit_log(
            action="ecabinet.otp_failed",
            instance=user,
            user=user,
            request=request,
            purpose=Purpose.ENROL,
            reason="invalid",
        )
        raise OTPError("invalid")
    audit_log(action="ecabinet.otp_enrolled", instance=user, user=user, request=request)
    return backup_codes_generate(user=user, request=request)


@transaction.atomic
def backup_codes_generate(*, user, request=None) -> list[str]:
    """Replace the user's backup codes with ten new single-use ones (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    audit_log(
        action="ecabinet.otp_backup_codes", instance=user, user=user, request=request
    )
    return codes


def backup_codes_remaining(*, user) -> int:
    return StaticToken.objects.filter(
        device__user=user, device__name=BACKUP_DEVICE_NAME
    ).count()


@transaction.atomic
def otp_devices_reset(*, actor, user, request=None) -> int:
    """An administrator removes a user's authenticators and backup codes (lost phone).

    The user then signs in with the password only and must enrol again before the
    admin opens. Only someone who may change users may do this; it is audited.
    """
    from django.core.exceptions import PermissionDenied

    if not (actor.is_active and actor.has_perm("auth.change_user")):
        raise PermissionDenied(
            _("Only an administrator can reset another user's authenticator.")
        )
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    audit_log(action="ecabinet.otp_reset", instance=user, user=actor, request=request)
    return removed
