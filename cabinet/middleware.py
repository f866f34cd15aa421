"""Vietnamese unless the visitor chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language, which would show
English to any member whose tablet is set to English. Here the language comes from the
language switch (a cookie) and otherwise is ``LANGUAGE_CODE`` (vi). The Wagtail admin
then applies each signed-in user's own preference on top. The JSON API (/api/) is the
exception: apps have no cookie and say their language in Accept-Language.
"""

from django.conf import settings
from django.http import HttpResponseForbidden
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header


class DefaultLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if request.path_info.startswith("/api/"):
            # Apps say their language in Accept-Language (they have no cookie).
            language = self._accepted(request) or language
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        if request.path_info.startswith("/api/"):
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response

    def _accepted(self, request) -> str | None:
        header = request.headers.get("Accept-Language", "")
        for code, _quality in parse_accept_lang_header(header):
            code = code.lower().split("-")[0]
            if code in self.supported:
                return code
        return None


def _is_navigation(request) -> bool:
    """Whether the browser is loading a page (not a script fetching data)."""
    mode = request.headers.get("Sec-Fetch-Mode")
    if mode is not None:
        return mode == "navigate"
    return request.headers.get("X-Requested-With") != "XMLHttpRequest"


class AdminOTPRequiredMiddleware:
    """No admin page for a session that has not passed the second factor.

    A signed-in user without a confirmed authenticator may reach only the enrolment
    page (and sign out). A user who has one but whose session is not verified (signed
    in some other way) is signed out and sent to the login page.
    """

    OPEN_URL_NAMES = (
        "wagtailadmin_login",
        "wagtailadmin_logout",
        "wagtailadmin_password_reset",
        "ecabinet_two_factor",
        "wagtailadmin_javascript_catalog",
        "wagtailadmin_sprite",  # the icons every admin page fetches
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib.auth import logout
        from django.shortcuts import redirect
        from django.urls import NoReverseMatch, reverse

        from cabinet.otp import has_authenticator

        admin_prefix = reverse("wagtailadmin_home")
        user = request.user
        if (
            request.path_info.startswith(admin_prefix)
            and user.is_authenticated
            and not user.is_verified()
        ):
            open_paths = []
            for name in self.OPEN_URL_NAMES:
                try:
                    open_paths.append(reverse(name))
                except NoReverseMatch:
                    continue
            if not any(request.path_info.startswith(p) for p in open_paths):
                if not _is_navigation(request):
                    # A script's request: redirecting it would paste a whole page into
                    # whatever panel asked for a fragment.
                    return HttpResponseForbidden(
                        _("Two-step verification is required."),
                        content_type="text/plain",
                    )
                if has_authenticator(user):
                    logout(request)
                    return redirect(
                        f"{reverse('wagtailadmin_login')}?next={request.path}"
                    )
                return redirect("ecabinet_two_factor")
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content Security Policy and friends, on every response.

    The public pages run no inline code at all. The Wagtail admin still needs inline
    styles and scripts (Wagtail 8.0.1 is not nonce-ready), so it gets a policy that
    allows those but still loads nothing from other origins.
    """

    PUBLIC = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    ADMIN = (
        "default-src 'self'; img-src 'self' data: blob:; "
        "style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.urls import reverse

        response = self.get_response(request)
        admin = request.path_info.startswith(reverse("wagtailadmin_home"))
        response.headers.setdefault(
            "Content-Security-Policy", self.ADMIN if admin else self.PUBLIC
        )
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
