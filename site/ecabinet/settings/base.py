"""Settings shared by every environment.

This module is the only one that reads the environment. ``dev``, ``test`` and
``production`` switch things on or off; nothing exists only in production.

Defaults are the embedded ones, so that one command runs everything on a laptop:
SQLite in ``var/``, Wagtail's database search backend, django-q2 on the ORM broker and
a file cache shared by the web and worker processes. ``DATABASE_URL``,
``ELASTICSEARCH_URL`` and ``REDIS_URL`` move each part to its server.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from documents.crypto import parse_keys
from ecabinet.logs import logging_config

SITE_DIR = Path(__file__).resolve().parents[2]  # <repo>/site
BASE_DIR = SITE_DIR.parent  # <repo>
VAR_DIR = Path(os.environ.get("ECABINET_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name} must be an integer, not {value!r}."
        ) from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


# Which settings module is in force: "dev", "test" or "production". Set by each module.
ECABINET_ENVIRONMENT = "base"

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "cabinet",
    "documents",
    "search",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "wagtail_modeladmin",
    "modelcluster",
    "taggit",
    "django_q",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "ecabinet.logs.RequestIdMiddleware",  # first: every response and log line gets the id
    "django.middleware.security.SecurityMiddleware",
    "cabinet.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cabinet.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cabinet.middleware.AdminOTPRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "ecabinet.urls"
WSGI_APPLICATION = "ecabinet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.i18n",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cabinet.context_processors.interface_languages",
                "cabinet.context_processors.reading_room",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite under concurrent writers (web + django-q2 workers) needs WAL, IMMEDIATE
# transactions and a busy timeout, or tasks fail with "database is locked" and leave
# OrmQ rows locked for redelivery (TECH_NOTES §6).
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'ecabinet.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, shared by web and worker processes ------------------------------------------
# django-q2 keeps its cluster heartbeat in the cache, so /healthz can only see a worker
# through a cache that both processes share: Redis at scale, files on a laptop.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ecabinet",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Background work: django-q2 ---------------------------------------------------------
Q_CLUSTER = {
    "name": "ecabinet",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": 60,
    "retry": 120,  # must exceed timeout, or a slow task is redelivered while it runs
    "max_attempts": 3,
    "catch_up": False,
    "poll": 1,
    "save_limit": 1000,
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# Wagtail 8 runs its own background work (reference index, search index, file
# deletion) through django-tasks; this backend hands it to django-q2.
TASKS = {"default": {"BACKEND": "cabinet.q2_tasks_backend.DjangoQ2Backend"}}

# --- Authentication -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "wagtailadmin_login"
# Sessions end after this much inactivity (every request renews the cookie) and when
# the browser closes.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
WAGTAILADMIN_USER_LOGIN_FORM = "cabinet.forms.LoginForm"
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "e-Cabinet")

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LANGUAGE_COOKIE_NAME = "ecabinet_language"
# Our own strings first, then Vietnamese for the Wagtail admin, which Wagtail 8.0.1
# ships only about a fifth translated. The second folder is deliberately not named
# "locale": `makemessages` would write the project's strings into it.
LOCALE_PATHS = [BASE_DIR / "locale", SITE_DIR / "translations" / "wagtail"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# --- Static and media -----------------------------------------------------------------------
STATICFILES_DIRS = [SITE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "static_collected")
STATIC_URL = "/static/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Dossier files, encrypted at rest; background tasks (OCR) open them by this alias.
    "dossiers": {"BACKEND": "documents.storage.DossierStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Encryption at rest of dossier files (documents/crypto.py) --------------------------
# FILE_ENCRYPTION_KEYS="k2025:<base64 of 32 bytes>,k2026:<...>"; the current id encrypts,
# the others still decrypt until `manage.py rotate_file_key` has re-encrypted every file.
FILE_ENCRYPTION_KEYS = (
    parse_keys(env_str("FILE_ENCRYPTION_KEYS"))
    if env_str("FILE_ENCRYPTION_KEYS")
    else {}
)
FILE_ENCRYPTION_CURRENT_KEY_ID = env_str("FILE_ENCRYPTION_CURRENT_KEY_ID")
DOCUMENT_MAX_UPLOAD_BYTES = env_int("DOCUMENT_MAX_UPLOAD_MB", 50) * 1024 * 1024
DOSSIER_FILES_ROOT = Path(env_str("DOSSIER_FILES_ROOT") or MEDIA_ROOT / "dossiers")

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "e-Cabinet"
# Publish, then the page's own domain step (cabinet/workflows.py).
WAGTAIL_FINISH_WORKFLOW_ACTION = "cabinet.workflows.workflow_finish"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx"]
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAIL_I18N_ENABLED = False
# No calls out of the building: no Gravatar avatars, no "what's new" banner from wagtail.org.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAIL_ENABLE_UPDATE_CHECK = False

ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL")
if ELASTICSEARCH_URL:
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch8",
            "URLS": [ELASTICSEARCH_URL],
            "INDEX": env_str("ELASTICSEARCH_INDEX_PREFIX", "ecabinet"),
            "TIMEOUT": 5,
            "OPTIONS": {},
            "INDEX_SETTINGS": {},
        }
    }
else:
    WAGTAILSEARCH_BACKENDS = {
        "default": {"BACKEND": "wagtail.search.backends.database"},
    }

# --- Archive search (search/) ---------------------------------------------------------
# The embedded backend (SQLite FTS5 / PostgreSQL full text) unless ELASTICSEARCH_URL is
# set; then elasticsearch-dsl, in indices named ELASTICSEARCH_INDEX_PREFIX-archive-*.
ELASTICSEARCH_INDEX_PREFIX = env_str("ELASTICSEARCH_INDEX_PREFIX", "ecabinet")
# Real public material for the demo (../shared/data beside the checkout when present).
_SHARED_BESIDE = BASE_DIR.parent / "shared" / "data"
SHARED_DATA_DIR = Path(
    env_str("SHARED_DATA_DIR")
    or (_SHARED_BESIDE if _SHARED_BESIDE.is_dir() else "/work/shared/data")
)
# The legal documents `seed_demo` imports a few hundred of (skipped when absent).
ARCHIVE_DEMO_CORPUS = env_str(
    "ARCHIVE_DEMO_CORPUS", str(SHARED_DATA_DIR / "legal" / "corpus.jsonl.gz")
)

# --- Mail and SMS ---------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "e-Cabinet <no-reply@ecabinet.localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")

# The SMS gateway is pluggable: an HTTP gateway in production, a file outbox on a laptop.
SMS_BACKEND = env_str("SMS_BACKEND", "file")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL")
SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN")
SMS_SENDER = env_str("SMS_SENDER", "ECABINET")
SMS_FILE_PATH = str(VAR_DIR / "sms")

# --- Demo data ------------------------------------------------------------------------------
# The password given to every demo account by `manage.py seed_demo` (never in production).
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "ecabinet-demo-2019")

# --- Logs (ecabinet/logs.py): request ids, secrets redacted; JSON in production -------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
Q_LOG_LEVEL = env_str("Q_LOG_LEVEL", "WARNING")
# "json" or "plain"; empty: plain, and JSON in production.
LOG_FORMAT = env_str("LOG_FORMAT")
LOGGING = logging_config(
    log_format=LOG_FORMAT or "plain", level=LOG_LEVEL, q_level=Q_LOG_LEVEL
)

# --- Notifications (cabinet/notifications) ------------------------------------------------
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 5)
NOTIFY_RETRY_BASE_SECONDS = env_int("NOTIFY_RETRY_BASE_SECONDS", 60)
NOTIFY_LEASE_SECONDS = env_int("NOTIFY_LEASE_SECONDS", 120)
NOTIFY_REQUEUE_SECONDS = env_int("NOTIFY_REQUEUE_SECONDS", 900)
# Deliveries of one channel per queued task, and how long a task sends before it puts
# the rest back on the queue (well under the queue's timeout of 60 s).
NOTIFY_BATCH_SIZE = env_int("NOTIFY_BATCH_SIZE", 50)
NOTIFY_BATCH_SECONDS = env_int("NOTIFY_BATCH_SECONDS", 30)
# Functions listing what is overdue, for the daily staff digest (ballots add theirs).
NOTIFY_OVERDUE_PROVIDERS: list[str] = []

# --- Resolutions: signing, public portal, API (cabinet/resolutions, documents/signing) --
INSTALLED_APPS += [  # noqa: F405 - one block, easy to merge
    "wagtail.api.v2",
    "wagtail.contrib.sitemaps",
    "django.contrib.sitemaps",
    "rest_framework",
]
RESOLUTION_SIGNING_DEV_DIR = VAR_DIR / "pki"
# The Prime Minister's key: a PKCS#12 file ("{username}" picks the signer's file), or a
# PKCS#11 token/HSM (SIGNING_BACKEND=pkcs11). CHAIN is embedded; TRUST_ROOTS is what
# the verification page calls "trusted". SIGNING_TSA_URL turns B-B into B-T (and
# SIGNING_EMBED_REVOCATION_INFO=true into B-LT).
RESOLUTION_SIGNING = {
    "BACKEND": env_str("SIGNING_BACKEND", "pkcs12"),
    "PKCS12_PATH": env_str("SIGNING_PKCS12_PATH")
    or str(RESOLUTION_SIGNING_DEV_DIR / "{username}.p12"),
    "PKCS12_PASSPHRASE": env_str("SIGNING_PKCS12_PASSPHRASE", "ecabinet-dev-only"),
    "PKCS11_MODULE": env_str("SIGNING_PKCS11_MODULE"),
    "PKCS11_TOKEN_LABEL": env_str("SIGNING_PKCS11_TOKEN_LABEL"),
    "PKCS11_USER_PIN": env_str("SIGNING_PKCS11_USER_PIN"),
    "PKCS11_KEY_LABEL": env_str("SIGNING_PKCS11_KEY_LABEL", "{username}"),
    "PKCS11_CERT_LABEL": env_str("SIGNING_PKCS11_CERT_LABEL"),
    "CHAIN": env_list("SIGNING_CHAIN") or [str(RESOLUTION_SIGNING_DEV_DIR / "ca.pem")],
    "TRUST_ROOTS": env_list("SIGNING_TRUST_ROOTS")
    or [str(RESOLUTION_SIGNING_DEV_DIR / "ca.pem")],
    "TSA_URL": env_str("SIGNING_TSA_URL"),
    "EMBED_REVOCATION_INFO": env_bool("SIGNING_EMBED_REVOCATION_INFO"),
}
# Signed PDFs of published resolutions: public, stored in clear, served by a view that
# answers only for live resolutions.
RESOLUTION_FILES_ROOT = Path(
    env_str("RESOLUTION_FILES_ROOT") or VAR_DIR / "resolutions"
)
RESOLUTION_CACHE_SECONDS = env_int("RESOLUTION_CACHE_SECONDS", 600)
REST_FRAMEWORK = {"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]}
# Cached public resolution pages are answered before routing (cabinet/resolutions/cache).
MIDDLEWARE.insert(  # noqa: F405
    MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware") + 1,  # noqa: F405
    "cabinet.resolutions.cache.PublicCacheMiddleware",
)
# --- Opinion ballots (cabinet/ballots) -----------------------------------------------------
NOTIFY_OVERDUE_PROVIDERS += ["cabinet.ballots.selectors.overdue_ballots"]

# --- Members' apps: the JSON API /api/v1/ (cabinet/api, django-ninja) ------------------
INSTALLED_APPS += ["ninja"]  # noqa: F405 - serves the docs page's assets locally
# Days an app's access token lives; members sign the device in again afterwards.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 30)
