"""A laptop: debug on, a secret key generated once into var/, mail and SMS to files."""

import secrets

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, SECRET_KEY, VAR_DIR

ECABINET_ENVIRONMENT = "dev"
DEBUG = True

VAR_DIR.mkdir(parents=True, exist_ok=True)
if not SECRET_KEY:
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()

ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]

# Static files come straight from the app folders; `collectstatic` is for production.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
