"""Production: refuses to start without a secret key and allowed hosts; HTTPS only."""

from django.core.exceptions import ImproperlyConfigured

from ecabinet.logs import logging_config

from .base import *  # noqa: F403
from .base import (
    ALLOWED_HOSTS,
    DATABASE_URL,
    FILE_ENCRYPTION_CURRENT_KEY_ID,
    FILE_ENCRYPTION_KEYS,
    LOG_FORMAT,
    LOG_LEVEL,
    Q_LOG_LEVEL,
    REDIS_URL,
    SECRET_KEY,
    env_bool,
    env_int,
)

ECABINET_ENVIRONMENT = "production"
DEBUG = False

if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set: production refuses to start without its own secret key."
    )
# docker/.env.example's placeholders: a copied but unfilled file must not go live.
_PLACEHOLDER = "change-me"
_unfilled = [
    name
    for name, value in (
        ("SECRET_KEY", SECRET_KEY),
        ("DATABASE_URL", DATABASE_URL),
        ("REDIS_URL", REDIS_URL),
    )
    if _PLACEHOLDER in value
]
if _unfilled:
    raise ImproperlyConfigured(
        f"{', '.join(_unfilled)} still hold the example's '{_PLACEHOLDER}': set real "
        "values in docker/.env."
    )
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set: list the host names this site answers to, "
        "comma-separated."
    )

if (
    not FILE_ENCRYPTION_KEYS
    or FILE_ENCRYPTION_CURRENT_KEY_ID not in FILE_ENCRYPTION_KEYS
):
    raise ImproperlyConfigured(
        "FILE_ENCRYPTION_KEYS and FILE_ENCRYPTION_CURRENT_KEY_ID are not set: dossier "
        "files are stored encrypted and production refuses to start without a key."
    )

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# HTTPS only. The TLS proxy in front sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The API's per-address rate limits read the client from X-Forwarded-For, whose last
# hop is the address the one TLS proxy (docker/nginx) saw.
NINJA_NUM_PROXIES = 1
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# One JSON object per line for the log collector, unless LOG_FORMAT says otherwise.
LOGGING = logging_config(
    log_format=LOG_FORMAT or "json", level=LOG_LEVEL, q_level=Q_LOG_LEVEL
)
