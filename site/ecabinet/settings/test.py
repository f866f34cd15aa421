"""The test suite: fast hashing, tasks run inline, mail kept in memory.

The database comes from DATABASE_URL like everywhere else; `make test` runs the suite
once on SQLite and once on PostgreSQL.
"""

from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool

ECABINET_ENVIRONMENT = "test"
DEBUG = False
SECRET_KEY = "test-only-key-not-secret"  # noqa: S105 - the test settings are public
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

# A fixed, public key: test files are not secrets.
FILE_ENCRYPTION_KEYS = {"test": bytes(range(32))}
FILE_ENCRYPTION_CURRENT_KEY_ID = "test"
DOSSIER_FILES_ROOT = VAR_DIR / "test-media" / "dossiers"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Queued work runs inline. A test that needs a real worker starts `manage.py qcluster`
# with Q_SYNC=false: a cluster in sync mode keeps the parent's database connection
# across fork, and its processes then corrupt one PostgreSQL session between them.
Q_CLUSTER = {**Q_CLUSTER, "sync": env_bool("Q_SYNC", True)}  # noqa: F405
MEDIA_ROOT = VAR_DIR / "test-media"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "test-cache"),
    }
}
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A file, not SQLite's in-memory default: tests that start a worker or a server in a
# subprocess must see the same test database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-ecabinet.sqlite3")}  # noqa: F405

# Static files come straight from the finders; nothing is collected for tests.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# --- Archive search ---
# The demo fixture would import hundreds of legal documents into every test that uses
# it; tests of the demo archive point this at a file of their own.
ARCHIVE_DEMO_CORPUS = ""
