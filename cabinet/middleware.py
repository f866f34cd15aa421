"""Vietnamese unless the visitor chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language, which would show
English to any member whose tablet is set to English. Here the language comes from the
language switch (a cookie) and otherwise is ``LANGUAGE_CODE`` (vi). The Wagtail admin
then applies each signed-in user's own preference on top.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class DefaultLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
