"""The members' apps' API, version 1: ``/api/v1/`` (django-ninja).

The OpenAPI 3 schema is served at ``/api/v1/openapi.json`` and the browsable docs at
``/api/v1/docs``. Public pages (published resolutions) stay on Wagtail's API v2 at
``/api/v2/``. Every endpoint needs a signed-in caller (``security.AUTH``) unless it
says ``auth=None``; every refusal is JSON (``errors``).
"""

from __future__ import annotations

from ninja import NinjaAPI

from cabinet.api import errors
from cabinet.api.security import AUTH, ReadThrottle

api = NinjaAPI(
    title="e-Cabinet API",
    version="1",
    description=(
        "The members' tablet and phone apps. Sign in with POST /api/v1/auth/token "
        "(username, password, one-time code, device name) and send the token as "
        "`Authorization: Bearer <token>`. Calls that vote, answer or sign take their "
        "own one-time code in the field `otp`. Errors are JSON: `code` (for programs), "
        "`message` (for people, in the language of `Accept-Language`: vi or en) and "
        "`fields` (which fields are wrong)."
    ),
    urls_namespace="api_v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=AUTH,
    throttle=[ReadThrottle()],
)
errors.install(api)


def _mount() -> None:
    from cabinet.api import (
        auth_routes,
        ballots,
        live,
        notifications,
        public,
        receipts,
        sessions,
    )
    from documents import api as documents_api

    api.add_router("/auth", auth_routes.router)
    api.add_router("/me", auth_routes.me_router)
    api.add_router("/", sessions.router)
    api.add_router("/", documents_api.router)
    api.add_router("/", live.router)
    api.add_router("/", ballots.router)
    api.add_router("/", notifications.router)
    api.add_router("/", receipts.router)
    api.add_router("/public", public.router)


_mount()
