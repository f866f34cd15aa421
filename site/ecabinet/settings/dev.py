"""A laptop: debug on, a secret key generated once into var/, mail and SMS to files."""

import base64
import os
import secrets

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, FILE_ENCRYPTION_KEYS, SECRET_KEY, VAR_DIR

ECABINET_ENVIRONMENT = "dev"
DEBUG = True

VAR_DIR.mkdir(parents=True, exist_ok=True)
if not SECRET_KEY:
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()

if not FILE_ENCRYPTION_KEYS:
    _file_key = VAR_DIR / "file_key"
    if not _file_key.exists():
        _file_key.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode())
        _file_key.chmod(0o600)
    FILE_ENCRYPTION_KEYS = {
        "dev": base64.urlsafe_b64decode(_file_key.read_text().strip())
    }
    FILE_ENCRYPTION_CURRENT_KEY_ID = "dev"

ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]

# Static files come straight from the app folders; `collectstatic` is for production.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
