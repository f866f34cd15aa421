"""The public portal's page cache: Django's cache, purged when a resolution is published.

Anonymous GET and HEAD requests of the resolutions index and pages are cached whole
(per path, query string and language) for ``RESOLUTION_CACHE_SECONDS``. Every key
carries a generation number; publishing (or unpublishing) bumps it, which retires
every cached page at once, in every process sharing the cache (file cache on a laptop,
Redis at scale). Signed-in visitors are never served from, or stored in, the cache.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

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


def _key(request) -> str:
    raw = f"{request.get_full_path()}|{translation.get_language()}"
    digest = hashlib.sha256(raw.encode()).hexdigest()
    return f"resolutions:public:{_generation()}:{digest}"


def cached_public_response(request, render):
    cacheable = request.method in ("GET", "HEAD") and not request.user.is_authenticated
    if not cacheable:
        response = render()
        response["Cache-Control"] = "private, no-cache"
        return response
    key = _key(request)
    stored = cache.get(key)
    if stored is not None:
        from django.http import HttpResponse

        response = HttpResponse(stored, content_type="text/html; charset=utf-8")
        response["X-Cache"] = "hit"
    else:
        response = render()
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if response.status_code == 200:
            cache.set(key, response.content, settings.RESOLUTION_CACHE_SECONDS)
        response["X-Cache"] = "miss"
    response["Cache-Control"] = (
        f"public, max-age={min(60, settings.RESOLUTION_CACHE_SECONDS)}"
    )
    return response


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
