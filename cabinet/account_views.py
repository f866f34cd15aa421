"""Two-step verification in the admin account settings: enrol, backup codes, reset."""

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from cabinet.api.tokens import tokens_of
from cabinet.otp import (
    OTPError,
    Purpose,
    authenticator_confirm,
    authenticator_start,
    backup_codes_generate,
    backup_codes_remaining,
    otp_confirm,
    otp_devices_reset,
)

TEMPLATE = "cabinet/account/two_factor.html"
STEP_UP_ACTIONS = {"replace": Purpose.ENROL, "backup_codes": Purpose.BACKUP_CODES}


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("One-time code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
    )


def _qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


def _base32(device: TOTPDevice) -> str:
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@require_http_methods(["GET", "POST"])
def two_factor(request):
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    pending = (
        TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    )
    context = {
        "confirmed": confirmed,
        "pending": None,
        "form": CodeForm(),
        "codes": None,
    }
    action = request.POST.get("action") if request.method == "POST" else None
    form = (
        CodeForm(request.POST)
        if action in {"confirm", "replace", "backup_codes"}
        else None
    )

    try:
        if action == "start" and confirmed is None:
            pending = authenticator_start(user=user)
        elif action == "confirm" and form.is_valid():
            context["codes"] = authenticator_confirm(
                user=user, code=form.cleaned_data["code"], request=request
            )
            device = TOTPDevice.objects.get(user=user, confirmed=True)
            otp_login(request, device)
            messages.success(request, _("Your authenticator is set up."))
            confirmed, pending = device, None
        elif action in STEP_UP_ACTIONS and form.is_valid():
            # Changing the second factor itself needs the current one.
            otp_confirm(
                user=user,
                code=form.cleaned_data["code"],
                purpose=STEP_UP_ACTIONS[action],
                request=request,
            )
            if action == "replace":
                pending = authenticator_start(user=user)
            else:
                context["codes"] = backup_codes_generate(user=user, request=request)
    except OTPError as exc:
        form.add_error("code", exc.message)
        context["form"] = form

    if pending is not None and context["codes"] is None:
        context.update(
            pending=pending, qr_svg=_qr_svg(pending), secret=_base32(pending)
        )
    context["confirmed"] = confirmed
    context["backup_codes_remaining"] = backup_codes_remaining(user=user)
    context["devices"] = tokens_of(user)
    return TemplateResponse(request, TEMPLATE, context)


@require_http_methods(["GET", "POST"])
def two_factor_reset(request, user_id: int):
    if not request.user.has_perm("auth.change_user"):
        raise PermissionDenied
    target = get_object_or_404(get_user_model(), pk=user_id)
    if request.method == "POST":
        otp_devices_reset(actor=request.user, user=target, request=request)
        messages.success(
            request,
            _("%(name)s's authenticator and backup codes were removed.")
            % {"name": target.get_full_name() or target.get_username()},
        )
        return redirect("wagtailusers_users:index")
    return TemplateResponse(
        request, "cabinet/account/two_factor_reset.html", {"target": target}
    )
