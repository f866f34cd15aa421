"""How the API knows who calls: an app's bearer token, or the browser's own session
once it has passed the second factor. Rate limits live here too."""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import AnonRateThrottle, SimpleRateThrottle

from cabinet.api.tokens import token_authenticate


class BearerToken(HttpBearer):
    """``Authorization: Bearer ecab_…`` from ``POST /api/v1/auth/token``."""

    openapi_description = "Token from POST /api/v1/auth/token (password + OTP)."

    def authenticate(self, request, token):
        user = token_authenticate(token)
        if user is None:
            return None
        request.user = user  # services, audit entries and throttles read request.user
        return user


class VerifiedSession(SessionAuth):
    """The signed-in browser session (the docs page), only after the second factor.
    Unsafe methods need the CSRF token, as in the rest of the site."""

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not user.is_verified():
            return None
        return user


AUTH = [BearerToken(), VerifiedSession()]


class SignInThrottle(AnonRateThrottle):
    """Token requests per address (the per-username lock-out is ``cabinet.ratelimit``)."""

    scope = "api-sign-in"

    def get_rate(self):
        return "20/m"


class OTPCallThrottle(SimpleRateThrottle):
    """Calls that carry a one-time code (vote, answer, sign), per user: a guessing
    limit on top of django-otp's own throttle of wrong codes."""

    scope = "api-otp"

    def get_rate(self):
        return "20/m"

    def get_cache_key(self, request):
        user = getattr(request, "auth", None) or getattr(request, "user", None)
        ident = user.pk if user is not None and user.is_authenticated else None
        ident = ident or self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ReadThrottle(SimpleRateThrottle):
    """Everything else, per user: generous, against a runaway app."""

    scope = "api-read"

    def get_rate(self):
        return "600/m"

    def get_cache_key(self, request):
        user = getattr(request, "auth", None)
        ident = user.pk if user is not None else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


OTP_THROTTLE = [OTPCallThrottle(), ReadThrottle()]
