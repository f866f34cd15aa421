import logging

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

from cabinet.audit import audit_log, request_origin
from cabinet.otp import OTPError, Purpose, has_authenticator, otp_confirm
from cabinet.ratelimit import (
    LoginThrottled,
    login_failure_count,
    login_success_clear,
    login_throttle_check,
)

logger = logging.getLogger(__name__)


class LoginForm(WagtailLoginForm):
    """One-step sign-in: username, password and the one-time code together.

    A user who has not enrolled an authenticator yet signs in with the password alone
    and is sent to enrolment; nothing else in the admin opens until then
    (``AdminOTPRequiredMiddleware``). Wagtail 8.0.1 leaves the password without a
    label, so Django would show the bare field name "Password" in every language.
    """

    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"placeholder": _("Enter password")}),
        strip=False,
    )
    otp_token = forms.CharField(
        label=_("One-time code"),
        required=False,
        max_length=16,
        help_text=_(
            "6 digits from your authenticator app, or one of your backup codes."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "placeholder": "123456",
            }
        ),
    )

    def clean(self):
        username = self.cleaned_data.get("username", "")
        ip = request_origin(self.request).get("ip", "")
        try:
            login_throttle_check(username=username, ip=ip)
        except LoginThrottled as exc:
            raise ValidationError(exc.message, code="throttled") from exc
        try:
            cleaned = super().clean()
        except ValidationError:
            self._failed(username, ip, reason="password")
            raise
        user = self.get_user()
        if has_authenticator(user):
            try:
                confirmation = otp_confirm(
                    user=user,
                    code=self.cleaned_data.get("otp_token", ""),
                    purpose=Purpose.LOGIN,
                    request=self.request,
                )
            except OTPError as exc:
                login_failure_count(username=username, ip=ip)
                raise ValidationError(exc.message, code=exc.reason) from exc
            # django-otp's user_logged_in handler marks the session as verified.
            user.otp_device = confirmation.device
        login_success_clear(username=username, ip=ip)
        audit_log(
            action="ecabinet.login", instance=user, user=user, request=self.request
        )
        return cleaned

    def _failed(self, username: str, ip: str, *, reason: str) -> None:
        login_failure_count(username=username, ip=ip)
        user = get_user_model().objects.filter(username=username).first()
        if user is not None:
            audit_log(
                action="ecabinet.login_failed",
                instance=user,
                request=self.request,
                reason=reason,
            )
        else:
            logger.info("sign-in refused for unknown username from %s", ip)
