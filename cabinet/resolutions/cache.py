"""The public portal's page cache: Django's cache, purged when a resolution is published.

Anonymous GET and HEAD requests of the resolutions index and pages are cached whole
(per path, query string and language) for ``RESOLUTION_CACHE_SECONDS``. Every key
carries a generation number; publishing (or unpublishing) bumps it, which retires
every cached page at once, in every process sharing the cache (file cache on a laptop,
Redis at scale). Signed-in visitors are never served from, or stored in, the cache.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token

# Where public resolution pages live (the index's slug under the home page).
PUBLIC_PREFIXES = ("/nghi-quyet/",)

GENERATION_KEY = "resolutions:public:generation"


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, 1, None)
        generation = cache.get(GENERATION_KEY, 1)
    return generation


def public_cache_purge() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, None)


CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CSRF_PLACEHOLDER = rb"__ECABINET_CSRF__"


def _key(request) -> str:
    language = (
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or settings.LANGUAGE_CODE
    )
    raw = f"{request.get_full_path()}|{language}"
    digest = hashlib.sha256(raw.encode()).hexdigest()
    return f"resolutions:public:{_generation()}:{digest}"


def _anonymous_get(request) -> bool:
    """No session cookie: certainly anonymous, decided without touching the database."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def _from_cache(request, stored: bytes) -> HttpResponse:
    """A stored page, with this visitor's own CSRF token put back in its forms."""
    token = get_token(request).encode()
    response = HttpResponse(
        stored.replace(CSRF_PLACEHOLDER, token),
        content_type="text/html; charset=utf-8",
    )
    response["X-Cache"] = "hit"
    response["Cache-Control"] = _public_cache_control()
    return response


def _public_cache_control() -> str:
    return f"public, max-age={min(60, settings.RESOLUTION_CACHE_SECONDS)}"


def cached_public_response(request, render):
    cacheable = _anonymous_get(request) or (
        request.method in ("GET", "HEAD") and not request.user.is_authenticated
    )
    if not cacheable or request.user.is_authenticated:
        response = render()
        response["Cache-Control"] = "private, no-cache"
        return response
    key = _key(request)
    stored = cache.get(key)
    if stored is not None:
        return _from_cache(request, stored)
    response = render()
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    if response.status_code == 200:
        cache.set(
            key,
            CSRF_INPUT.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content),
            settings.RESOLUTION_CACHE_SECONDS,
        )
    response["X-Cache"] = "miss"
    response["Cache-Control"] = _public_cache_control()
    return response


class PublicCacheMiddleware:
    """Serve a cached public resolution page before URL routing and Wagtail's page
    lookup. Sits after CsrfViewMiddleware (so the visitor's CSRF cookie is set) and
    answers only visitors without a session cookie; everyone else goes through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _anonymous_get(request) and request.path.startswith(PUBLIC_PREFIXES):
            stored = cache.get(_key(request))
            if stored is not None:
                return _from_cache(request, stored)
        return self.get_response(request)


def _purge_on_commit(sender, **kwargs):
    from django.db import transaction

    transaction.on_commit(public_cache_purge)


def connect_purge_signals() -> None:
    """Any publish or unpublish of a resolution or of the index retires the cache."""
    from wagtail.signals import page_published, page_unpublished

    from cabinet.models import ResolutionIndexPage, ResolutionPage

    for model in (ResolutionPage, ResolutionIndexPage):
        page_published.connect(
            _purge_on_commit, sender=model, dispatch_uid=f"purge-{model.__name__}-p"
        )
        page_unpublished.connect(
            _purge_on_commit, sender=model, dispatch_uid=f"purge-{model.__name__}-u"
        )
