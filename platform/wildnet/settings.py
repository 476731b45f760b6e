"""Settings, read from the environment with safe defaults for one machine.

Three profiles, chosen by ``DJANGO_ENV``:

* ``development`` (default): SQLite in ``var/``, the database search backend, a Celery broker on the local
  filesystem, GraphiQL on.
* ``test``: as development, with fast password hashing and quiet logging.
* ``production``: refuses to start without ``DJANGO_SECRET_KEY``; DEBUG, GraphiQL, introspection and field
  suggestions off; HTTPS-only cookies and HSTS so that ``wildnet check --deploy`` passes.

Every variable is documented in README.md ("Configuration").
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("WILDNET_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DJANGO_ENV = env("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development, production or test, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_ENV=production")
    SECRET_KEY = "wildnet-insecure-development-key-not-for-production-use-0123456789"  # noqa: S105

DEBUG = env_bool("DJANGO_DEBUG", DJANGO_ENV == "development")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "graphene_django",
    "guardian",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    # core
    "agencies",
    "officers",
    "mandates",
    "audit",
    "access",
    "outbox",
    "identity",
    "console",
    # features
    "cases",
    "sharing",
    "compliance",
    "search",
    "reports",
    "interop",
    # the project package last: its management commands (load_demo) see every app
    "wildnet",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "wildnet.middleware.CSPMiddleware",
    "wildnet.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "officers.sessions.SessionOfficerMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "officers.middleware.BearerTokenMiddleware",
    "officers.middleware.TimeZoneMiddleware",
    # every page asks for sign-in unless it says otherwise (``login_not_required``): the API answers 401 itself
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "console.middleware.IdleTimeoutMiddleware",
    "console.middleware.ConfirmationMiddleware",
    "officers.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "wildnet.urls"
WSGI_APPLICATION = "wildnet.wsgi.application"
ASGI_APPLICATION = "wildnet.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.context.shell",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'wildnet.sqlite3'}")
# Connections persist for DATABASE_CONN_MAX_AGE seconds in production (opening one costs PostgreSQL a process
# and an authentication per request otherwise); health checks test a persistent connection before a request
# reuses it, or after a database restart every request thread would fail once on its dead connection.
DATABASES = {"default": dj_database_url.parse(
    DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60 if DJANGO_ENV == "production" else 0),
    conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets the Celery worker read while the web server writes; the busy timeout absorbs short write locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # A file (not memory) so that a real Celery worker in the tests shares it; one per process so that two
    # test runs on one machine do not collide.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-wildnet-{os.getpid()}.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "wildnet.postgresql"  # Django's, with a faster timestamp reader
if DATABASES["default"]["ENGINE"] == "wildnet.postgresql" and not env_bool("DATABASE_JIT", False):
    # PostgreSQL's JIT compiles the policy-filtered queries (an OR of per-mandate branches looks expensive to the
    # planner) for longer than they run: 300 ms of JIT for a 70 ms query in tests/benchmarks/bench_policy.py.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "wildnet.postgresql" and env_bool("DATABASE_PREPARED_STATEMENTS", True):
    # psycopg prepares only the statements a cursor asks it to, never after a number of runs: Django's cursors bind
    # on the client and never prepare; the audit log's INSERT asks (``audit.actions``), and PostgreSQL then plans it
    # once per connection instead of once per event. Behind a pooler in transaction mode, prepared statements need
    # PgBouncer 1.21 or later with ``max_prepared_statements``; otherwise set DATABASE_PREPARED_STATEMENTS=false.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "officers.Officer"
AUTHENTICATION_BACKENDS = [
    "officers.throttle.ThrottledModelBackend",
    # single sign-on sessions (identity.actions.sign_in): reloads the officer, never checks a password
    "identity.backends.SingleSignOnBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous visitors see nothing
GUARDIAN_RAISE_403 = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if DJANGO_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- sign-in and sessions ---------------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
#: The address officers reach WildNet at, for the links in e-mails (invitations, password resets, notices).
WILDNET_PUBLIC_URL = env("WILDNET_PUBLIC_URL", "http://127.0.0.1:8000")
#: A session ends after this many seconds without a request (console.middleware renews it once a minute).
SESSION_ENGINE = "officers.sessions"  # Django's database sessions, read with their officer by a kept statement
SESSION_COOKIE_AGE = env_int("WILDNET_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
#: ... and this many seconds after the sign-in, however active (console.middleware).
SESSION_ABSOLUTE_SECONDS = env_int("WILDNET_SESSION_ABSOLUTE_SECONDS", 12 * 3600)
#: Sharing out, granting or changing a mandate and issuing an API token ask for the password again when it was
#: last typed longer ago than this (access.policy.require_recent_confirmation).
REAUTHENTICATION_SECONDS = env_int("WILDNET_REAUTHENTICATION_SECONDS", 15 * 60)
#: A second factor for every role that reads intelligence, grants access or administers: always in production;
#: elsewhere when asked (an agency may require it of all its officers: Agency.requires_second_factor).
SECOND_FACTOR_REQUIRED = PRODUCTION or env_bool("WILDNET_SECOND_FACTOR_REQUIRED", False)
OTP_TOTP_ISSUER = "WildNet"
#: Passkeys and security keys (WebAuthn) are bound to the host of WILDNET_PUBLIC_URL (the relying party) and
#: answer only to its origin. WebAuthn refuses an IP address as relying party: a development server at
#: 127.0.0.1 offers them at http://localhost (same port) instead. Officers sign in with the password first, always.
_PUBLIC = urlsplit(WILDNET_PUBLIC_URL)
_PUBLIC_HOST = "localhost" if _PUBLIC.hostname in {"127.0.0.1", "::1"} else (_PUBLIC.hostname or "localhost")
OTP_WEBAUTHN_RP_ID = _PUBLIC_HOST
OTP_WEBAUTHN_RP_NAME = "WildNet"
OTP_WEBAUTHN_ALLOWED_ORIGINS = [f"{_PUBLIC.scheme}://{_PUBLIC_HOST}" + (f":{_PUBLIC.port}" if _PUBLIC.port else "")]
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_HELPER_CLASS = "officers.passkeys.Ceremonies"
#: Failed sign-ins counted over this window lock an account (or an address) out until they age out of it.
SIGN_IN_WINDOW_SECONDS = env_int("WILDNET_SIGN_IN_WINDOW_SECONDS", 15 * 60)
SIGN_IN_ACCOUNT_LIMIT = env_int("WILDNET_SIGN_IN_ACCOUNT_LIMIT", 5)
#: Higher than an account's: the officers of an agency often share their office's address.
SIGN_IN_ADDRESS_LIMIT = env_int("WILDNET_SIGN_IN_ADDRESS_LIMIT", 50)
#: Invitation and password-reset links work for three days.
PASSWORD_RESET_TIMEOUT = 3 * 86_400

LANGUAGE_CODE = "en"
#: One catalogue for the whole product (pages, e-mails, labels, error messages), kept in the project package.
LOCALE_PATHS = [BASE_DIR / "platform" / "wildnet" / "locale"]
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(VAR_DIR / "static")))
# Browser assets fetched by deploy/vendor_assets.py (`make install`), served as static/vendor/…: no page loads
# anything from a CDN. Not under VAR_DIR, which holds run-time state (a volume in the image).
VENDOR_DIR = Path(env("WILDNET_VENDOR_DIR", str(BASE_DIR / "var" / "vendor")))
STATICFILES_DIRS = [("vendor", VENDOR_DIR)]
MEDIA_ROOT = Path(env("WILDNET_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # evidence is served only through the audited download view
STORAGES = {
    "default": {"BACKEND": env("WILDNET_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EVIDENCE_MAX_BYTES = env_int("WILDNET_EVIDENCE_MAX_BYTES", 50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Spotters' reports (reports app): a volunteer's upload and pace are capped well below an officer's.
REPORTS_PER_HOUR = env_int("WILDNET_REPORTS_PER_HOUR", 20)
REPORT_SCREENSHOT_MAX_BYTES = min(env_int("WILDNET_REPORT_SCREENSHOT_MAX_BYTES", 10 * 1024 * 1024), EVIDENCE_MAX_BYTES)
REPORT_SCREENSHOTS_MAX = env_int("WILDNET_REPORT_SCREENSHOTS_MAX", 5)

# --- GraphQL --------------------------------------------------------------------------------------------
GRAPHENE = {
    "SCHEMA": "wildnet.schema.schema",
    "RELAY_CONNECTION_MAX_LIMIT": 100,
    "RELAY_CONNECTION_ENFORCE_FIRST_OR_LAST": False,
    "ATOMIC_MUTATIONS": False,  # each mutation runs its own transaction (api.mutations)
}
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 12)
GRAPHQL_MAX_COST = env_int("GRAPHQL_MAX_COST", 50_000)
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 50)
GRAPHQL_MAX_PAGE = 100
GRAPHQL_MAX_QUERY_BYTES = env_int("GRAPHQL_MAX_QUERY_BYTES", 100_000)
GRAPHIQL_ENABLED = env_bool("WILDNET_GRAPHIQL", not PRODUCTION)
GRAPHQL_INTROSPECTION = env_bool("WILDNET_GRAPHQL_INTROSPECTION", not PRODUCTION)

# --- API tokens -------------------------------------------------------------------------------------------
API_TOKEN_DEFAULT_DAYS = env_int("WILDNET_API_TOKEN_DAYS", 90)
API_TOKEN_MAX_DAYS = env_int("WILDNET_API_TOKEN_MAX_DAYS", 365)
#: Paths where an API token may also come as the password of HTTP Basic (TAXII clients send it so).
API_TOKEN_BASIC_PATHS = ("/taxii2/",)
API_TOKEN_TOUCH_SECONDS = 60  # last_used_at and the token-use audit event are written at most once a minute

# --- audit -------------------------------------------------------------------------------------------------
# The chain is an HMAC: recomputing it after tampering needs this key, which is not in the database.
AUDIT_CHAIN_KEY = env("WILDNET_AUDIT_KEY", SECRET_KEY)
# Milliseconds between two sealing attempts a process makes after its commits. Sealing after every commit would
# cost every event a second transaction; what commits in between is sealed by the next attempt (of any process)
# or the periodic task (every 10 s). 0 seals after every commit, as the tests do.
AUDIT_SEAL_INTERVAL_MS = env_int("WILDNET_AUDIT_SEAL_INTERVAL_MS", 0 if DJANGO_ENV == "test" else 500)

# --- Celery -----------------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
#: The periodic drain bounds how long a message waits when its kick was lost (broker down or read-only).
OUTBOX_DRAIN_SECONDS = env_int("WILDNET_OUTBOX_DRAIN_SECONDS", 30)
CELERY_BEAT_SCHEDULE = {
    "outbox-drain": {"task": "outbox.tasks.drain_outbox", "schedule": timedelta(seconds=OUTBOX_DRAIN_SECONDS)},
    "audit-seal": {"task": "audit.tasks.seal_audit_chain", "schedule": timedelta(seconds=10)},
    "mandates-expire": {"task": "mandates.tasks.expire_mandates", "schedule": crontab(minute="*/15")},
    "shares-tidy": {"task": "sharing.tasks.tidy_expired_shares", "schedule": crontab(minute="*/15")},
    "notice-deadlines": {"task": "compliance.tasks.process_notice_deadlines", "schedule": crontab(minute="*/5")},
    "evidence-orphans": {"task": "cases.tasks.sweep_orphan_evidence", "schedule": crontab(minute=17, hour=3)},
}

# --- search -------------------------------------------------------------------------------------------------
SEARCH_BACKEND = env("SEARCH_BACKEND", "database")
if SEARCH_BACKEND not in {"database", "elasticsearch"}:
    raise ImproperlyConfigured("SEARCH_BACKEND must be 'database' or 'elasticsearch'")
ELASTICSEARCH_URL = env("ELASTICSEARCH_URL")
ELASTICSEARCH_USERNAME = env("ELASTICSEARCH_USERNAME")
ELASTICSEARCH_PASSWORD = env("ELASTICSEARCH_PASSWORD")
ELASTICSEARCH_CA_CERTS = env("ELASTICSEARCH_CA_CERTS")
ELASTICSEARCH_INDEX_PREFIX = env("ELASTICSEARCH_INDEX_PREFIX", "wildnet")
#: Bulk writes' ``refresh``: false in production (documents become searchable at the next refresh, about a
#: second later); the test suite makes each write searchable at once, as a test reads right after it writes.
ELASTICSEARCH_REFRESH = env_bool("ELASTICSEARCH_REFRESH", DJANGO_ENV == "test")
#: Replicas of each index: one in production (a node may fail), none elsewhere, where a single development
#: node could never allocate them and every index would stay yellow.
ELASTICSEARCH_REPLICAS = env_int("ELASTICSEARCH_REPLICAS", 1 if PRODUCTION else 0)
if SEARCH_BACKEND == "elasticsearch" and not ELASTICSEARCH_URL:
    raise ImproperlyConfigured("SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL")
# The most rows one /search/export.csv writes; the rows are gathered before the audit and the first byte.
EXPORT_MAX_ROWS = env_int("WILDNET_EXPORT_MAX_ROWS", 10_000)
# The largest STIX bundle or MISP event one import reads (bytes of JSON), and the most objects in it: an import
# is validated whole before one transaction writes it, so both bound its memory and its transaction.
INTEROP_MAX_IMPORT_BYTES = env_int("WILDNET_INTEROP_MAX_IMPORT_BYTES", 5 * 1024 * 1024)
INTEROP_MAX_IMPORT_OBJECTS = env_int("WILDNET_INTEROP_MAX_IMPORT_OBJECTS", 5_000)

# --- mail ---------------------------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "wildnet@localhost")

# --- security -----------------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- content security policy ---------------------------------------------------------------------------------
# Every response forbids inline script and style, eval, plug-ins, framing and foreign origins: an injected
# <script> or style attribute does nothing, and a page cannot call out of the closed network. Pages load their
# assets from static files (GraphiQL's too: deploy/vendor_assets.py) and pass data to scripts in JSON blocks.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# --- end of content security policy ---------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("WILDNET_LOG_LEVEL", "WARNING" if DJANGO_ENV == "test" else "INFO")},
}
