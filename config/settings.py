"""Foghorn settings: one module, driven by environment variables.

Every value has a default that works on a laptop with nothing installed but Python
(SQLite, a filesystem broker, console email). Set ``DATABASE_URL`` / ``REDIS_URL`` for
PostgreSQL and Redis; under pytest the defaults switch to the local PostgreSQL and
Redis servers and to Anymail's test email backend.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("FOGHORN_VAR_DIR", BASE_DIR / "var"))

# pytest (8.2+) sets PYTEST_VERSION for the whole session: the test defaults below.
TESTING = "PYTEST_VERSION" in os.environ


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
# Signs ack/invitation/password-reset links and sessions. Outside DEBUG (and tests) there is no
# fallback: a published development key would let anyone forge links. ``bin/run`` generates one
# into var/ for the demo.
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value, e.g. "
            "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for a development key on a laptop."
        )
    SECRET_KEY = "foghorn-insecure-development-key-change-me-in-production"  # noqa: S105 — DEBUG/tests only
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://localhost:8000,http://127.0.0.1:8000")
# The public base URL, used in links we send out (ack links, ingestion URLs, iCal feeds).
FOGHORN_BASE_URL = os.environ.get("FOGHORN_BASE_URL", "http://localhost:8000").rstrip("/")

# Foghorn's own apps, in layer order (an app imports only from those before it).
FOGHORN_APPS = ["tenancy", "oncall", "incidents", "incidents.ingestion", "comms", "comms.statuspage", "comms.chatops",
                "postmortems"]

INSTALLED_APPS = [
    # The admin theme must come before django.contrib.admin (its templates win).
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.import_export",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "anymail",
    "import_export",
    *FOGHORN_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
_default_database_url = (
    "postgres://postgres@127.0.0.1:5432/foghorn" if TESTING else f"sqlite:///{BASE_DIR / 'foghorn.sqlite3'}"
)
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_database_url), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker and beat read while one of them writes;
    # IMMEDIATE takes the write lock up front instead of failing half-way through.
    # https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-init-command
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tenancy.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    # Hashing passwords slowly only slows the suite down.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if TESTING:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

LOGIN_URL = "/admin/login/"

# --- Redis, Celery ----------------------------------------------------------------------
_default_redis_url = "redis://127.0.0.1:6379/0" if TESTING else ""
REDIS_URL = os.environ.get("REDIS_URL", _default_redis_url)

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Nothing we send is due later than a minute (the database is the schedule),
        # so a short visibility timeout only speeds up redelivery after a lost worker.
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "300")),
        # A hung Redis (SIGSTOP, a full network buffer) must not hang a request or a worker:
        # every socket to it gives up after these. https://docs.celeryq.dev/projects/kombu/en/stable/reference/kombu.transport.redis.html
        "socket_timeout": float(os.environ.get("REDIS_SOCKET_TIMEOUT", "1")),
        "socket_connect_timeout": float(os.environ.get("REDIS_CONNECT_TIMEOUT", "1")),
        "retry_on_timeout": False,
        "health_check_interval": 10,
    }
else:
    # No server needed: kombu's filesystem transport, shared by web, worker and beat.
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }

# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_RETRY_DELAY = 5
CELERY_TASK_ANNOTATIONS = {"*": {"max_retries": 5}}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TIMEZONE = "UTC"
# Beat's own state (last run times of its entries). config/celery.py makes sure its folder exists
# and falls back to the temp dir when VAR_DIR is not writable: beat starts wherever it is started.
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get("CELERY_BEAT_SCHEDULE_FILENAME", str(VAR_DIR / "celerybeat-schedule"))
# Unit tests run tasks in-process after commit; end-to-end tests start a real worker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING)
CELERY_TASK_EAGER_PROPAGATES = True

# --- Email (django-anymail) -------------------------------------------------------------
# ANYMAIL_ESP picks a provider in production, e.g. ANYMAIL_ESP=postmark and
# ANYMAIL_POSTMARK_SERVER_TOKEN=...; https://anymail.dev/en/stable/esps/
ANYMAIL_ESP = os.environ.get("ANYMAIL_ESP", "").strip().lower()
if "EMAIL_BACKEND" in os.environ:
    EMAIL_BACKEND = os.environ["EMAIL_BACKEND"]
elif TESTING:
    EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
elif ANYMAIL_ESP:
    EMAIL_BACKEND = f"anymail.backends.{ANYMAIL_ESP}.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_") and key != "ANYMAIL_ESP"
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Foghorn <foghorn@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenancy.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "tenancy.filters.StrictOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "tenancy.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "tenancy.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Foghorn API",
    "DESCRIPTION": "Incident management: on-call, paging, incidents, communications and post-mortems.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Choice sets used by fields of the same name in several apps get one stable name each.
    # https://drf-spectacular.readthedocs.io/en/latest/settings.html
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.enums.IncidentStatus",
        "PostMortemStatusEnum": "postmortems.enums.PostMortemStatus",
        "ActionItemStatusEnum": "postmortems.enums.ActionItemStatus",
        "DrillSettableStatusEnum": "postmortems.enums.DRILL_SETTABLE_STATUSES",
        "UpdateStatusEnum": "comms.enums.UpdateStatus",
        "MaintenanceStatusEnum": "comms.statuspage.enums.MaintenanceStatus",
    },
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# How long before an API token's "last used" time is written again (saves a write per request).
API_TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)

# --- Alert ingestion (incidents/ingestion/README.md) ------------------------------------------
# Opt-in: an alert joining an open incident commits without waiting for the WAL flush. Faster, but a
# database crash can lose the last ~0.6 s of such joins although they were answered 202.
INGESTION_ASYNC_COMMIT_JOINS = env_bool("INGESTION_ASYNC_COMMIT_JOINS", default=False)
# Off behind a transaction-mode pooler (PgBouncer < 1.21) that cannot keep prepared statements.
INGESTION_PREPARED_STATEMENTS = env_bool("INGESTION_PREPARED_STATEMENTS", default=True)
INGESTION_MAX_BODY_BYTES = int(os.environ.get("INGESTION_MAX_BODY_BYTES", str(1024 * 1024)))
# Alerts one request may carry (Alertmanager: set max_alerts in webhook_configs to stay below it).
INGESTION_MAX_ALERTS_PER_REQUEST = int(os.environ.get("INGESTION_MAX_ALERTS_PER_REQUEST", "1000"))
# Exact extra SNS signing-certificate URLs to trust besides https sns.<region>.amazonaws.com (tests,
# an on-premises SNS look-alike); comma-separated.
INGESTION_SNS_EXTRA_CERT_URLS = env_list("INGESTION_SNS_EXTRA_CERT_URLS", "")
# --- Outbound calls, comms delivery (issue 10) ------------------------------------------
# Development and tests send to local receivers; production refuses URLs whose host resolves to a
# loopback, private, link-local, multicast or reserved address (comms/netguard.py).
FOGHORN_ALLOW_PRIVATE_URLS = env_bool("FOGHORN_ALLOW_PRIVATE_URLS", default=DEBUG or TESTING)

# The broker publish path never holds a request: no publish retries (the outbox sweeper and the
# beat tickers re-drive what a failed nudge left), and a short connection timeout.
# https://docs.celeryq.dev/en/stable/userguide/configuration.html#broker-connection-timeout
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("REDIS_CONNECT_TIMEOUT", "1"))
# After a failed publish, nudges are skipped (left to the tickers) for this many seconds.
FOGHORN_BROKER_BACKOFF_SECONDS = float(os.environ.get("FOGHORN_BROKER_BACKOFF_SECONDS", "5"))
# Sends (chat, webhooks, email, SMS/voice) go to their own queue, consumed by a threaded worker
# (Procfile ``outbound``): a slow endpoint never takes the slots of paging, reminders and the outbox.
CELERY_TASK_DEFAULT_QUEUE = "celery"
OUTBOUND_QUEUE = "outbound"
CELERY_TASK_ROUTES = {
    "comms.deliver_notification": {"queue": OUTBOUND_QUEUE},
    "comms.deliver_webhook": {"queue": OUTBOUND_QUEUE},
}

COMMS_TICK_SECONDS = float(os.environ.get("COMMS_TICK_SECONDS", "2"))
COMMS_SECONDS_PER_DELAY_MINUTE = float(os.environ.get("COMMS_SECONDS_PER_DELAY_MINUTE", "60"))
COMMS_SEND_LEASE_SECONDS = int(os.environ.get("COMMS_SEND_LEASE_SECONDS", "45"))
COMMS_RENUDGE_SECONDS = int(os.environ.get("COMMS_RENUDGE_SECONDS", "5"))
# Outbound HTTP: connect within COMMS_HTTP_CONNECT_TIMEOUT, answer within COMMS_HTTP_TIMEOUT (seconds).
COMMS_HTTP_CONNECT_TIMEOUT = float(os.environ.get("COMMS_HTTP_CONNECT_TIMEOUT", "3"))
COMMS_HTTP_TIMEOUT = float(os.environ.get("COMMS_HTTP_TIMEOUT", "10"))
COMMS_MAX_ATTEMPTS = int(os.environ.get("COMMS_MAX_ATTEMPTS", "5"))
COMMS_RETRY_BASE_SECONDS = float(os.environ.get("COMMS_RETRY_BASE_SECONDS", "5"))
COMMS_ACK_LINK_MAX_AGE = int(os.environ.get("COMMS_ACK_LINK_MAX_AGE", str(24 * 3600)))
COMMS_WEBHOOK_RETRY_SCHEDULE = os.environ.get("COMMS_WEBHOOK_RETRY_SCHEDULE", "10,30,60,120,240,360,420")
# Circuit breaker per (organization, destination URL): after this many failures in a row, sends to it
# are skipped (and the timeline says so) for COMMS_CIRCUIT_OPEN_SECONDS, then tried again.
COMMS_CIRCUIT_FAILURES = int(os.environ.get("COMMS_CIRCUIT_FAILURES", "3"))
COMMS_CIRCUIT_OPEN_SECONDS = float(os.environ.get("COMMS_CIRCUIT_OPEN_SECONDS", "60"))
# Fairness: one organization holds at most this many sends in flight per outbound worker process.
COMMS_ORG_MAX_IN_FLIGHT = int(os.environ.get("COMMS_ORG_MAX_IN_FLIGHT", "6"))
# /healthz reports beat as stale when no paging tick has run for this long.
COMMS_BEAT_STALE_SECONDS = float(os.environ.get("COMMS_BEAT_STALE_SECONDS", "60"))
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER", "")
TWILIO_API_BASE = os.environ.get("TWILIO_API_BASE", "https://api.twilio.com")
# Old keys whose encrypted comms values must stay readable after a key rotation (comma separated).
COMMS_ENCRYPTION_KEYS = os.environ.get("COMMS_ENCRYPTION_KEYS", "")
# --- People: invitations, password resets, stored secrets --------------------------------
# How long an invitation link works (days); a resend starts a new period.
INVITATION_MAX_AGE = timedelta(days=int(os.environ.get("FOGHORN_INVITATION_DAYS", "7")))
# Django's own password-reset links: https://docs.djangoproject.com/en/5.2/ref/settings/#password-reset-timeout
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(3 * 24 * 3600)))
# The key that encrypts stored secrets (chat/webhook URLs, signing secrets), kept apart from SECRET_KEY:
# comma-separated, the first encrypts, the others still decrypt (rotation). Unset: derived from SECRET_KEY
# with HKDF under its own label (comms/crypto.py).
FOGHORN_ENCRYPTION_KEYS = env_list("FOGHORN_ENCRYPTION_KEY", "")
# --- Status updates, cadence reminders, affected-user email (comms, issue 12) ------------------
# Read through comms.conf (settings first, then the environment); listed here so they are declared.
COMMS_UPDATE_GRACE_SECONDS = int(os.environ.get("COMMS_UPDATE_GRACE_SECONDS", "300"))
COMMS_CADENCE_TICK_SECONDS = float(os.environ.get("COMMS_CADENCE_TICK_SECONDS", "15"))
COMMS_CAMPAIGN_BATCH_SIZE = int(os.environ.get("COMMS_CAMPAIGN_BATCH_SIZE", "0"))  # 0: the ESP's own limit
COMMS_CAMPAIGN_LEASE_SECONDS = int(os.environ.get("COMMS_CAMPAIGN_LEASE_SECONDS", "60"))
COMMS_AFFECTED_USERS_MAX = int(os.environ.get("COMMS_AFFECTED_USERS_MAX", "100000"))
COMMS_AFFECTED_USERS_MAX_UPLOAD_BYTES = int(os.environ.get("COMMS_AFFECTED_USERS_MAX_UPLOAD_BYTES",
                                                           str(20 * 1024 * 1024)))
# Bulk work (campaigns, subscriber mail) has its own queue and worker (Procfile "bulk"), so it never
# delays paging. https://docs.celeryq.dev/en/stable/userguide/routing.html
BULK_QUEUE = "bulk"
CELERY_TASK_ROUTES["comms.campaign_send"] = {"queue": BULK_QUEUE}

# --- Status page (comms/statuspage/README.md) -------------------------------------------
# Seconds a public JSON/feed answer is served from the cache (a herd of widgets costs one query set).
STATUSPAGE_CACHE_SECONDS = int(os.environ.get("STATUSPAGE_CACHE_SECONDS", "5"))
# Hours an unconfirmed subscription (and its confirmation link) lives.
STATUSPAGE_CONFIRM_HOURS = int(os.environ.get("STATUSPAGE_CONFIRM_HOURS", "48"))
# Sign-ups per hour from one IP address, and for one email address.
STATUSPAGE_SUBSCRIBE_PER_IP_HOUR = int(os.environ.get("STATUSPAGE_SUBSCRIBE_PER_IP_HOUR", "20"))
STATUSPAGE_SUBSCRIBE_PER_ADDRESS_HOUR = int(os.environ.get("STATUSPAGE_SUBSCRIBE_PER_ADDRESS_HOUR", "3"))
# Vendor feeds: seconds between polls, the longest back-off after errors, the HTTP timeout.
STATUSPAGE_VENDOR_POLL_SECONDS = int(os.environ.get("STATUSPAGE_VENDOR_POLL_SECONDS", "120"))
STATUSPAGE_VENDOR_MAX_BACKOFF_SECONDS = int(os.environ.get("STATUSPAGE_VENDOR_MAX_BACKOFF_SECONDS", "3600"))
STATUSPAGE_VENDOR_TIMEOUT = float(os.environ.get("STATUSPAGE_VENDOR_TIMEOUT", "10"))
# --- ChatOps: the Slack app and the war-room bridge (comms/chatops, docs/slack.md) ----------
# The app's own credentials (api.slack.com/apps → Basic Information); one app serves every org.
SLACK_CLIENT_ID = os.environ.get("SLACK_CLIENT_ID", "")
SLACK_CLIENT_SECRET = os.environ.get("SLACK_CLIENT_SECRET", "")
SLACK_SIGNING_SECRET = os.environ.get("SLACK_SIGNING_SECRET", "")
# Where the Web API and the OAuth consent page are; tests point them at a local stand-in.
SLACK_API_BASE = os.environ.get("SLACK_API_BASE", "https://slack.com/api/")
SLACK_AUTHORIZE_URL = os.environ.get("SLACK_AUTHORIZE_URL", "https://slack.com/oauth/v2/authorize")
# Zoom server-to-server OAuth app (marketplace.zoom.us → Develop → Server-to-Server OAuth).
ZOOM_ACCOUNT_ID = os.environ.get("ZOOM_ACCOUNT_ID", "")
ZOOM_CLIENT_ID = os.environ.get("ZOOM_CLIENT_ID", "")
ZOOM_CLIENT_SECRET = os.environ.get("ZOOM_CLIENT_SECRET", "")
ZOOM_API_BASE = os.environ.get("ZOOM_API_BASE", "https://api.zoom.us/v2")
ZOOM_OAUTH_BASE = os.environ.get("ZOOM_OAUTH_BASE", "https://zoom.us")
# --- The admin: leadership's console (django-unfold) -------------------------------------
# https://unfoldadmin.com/docs/configuration/settings/ — every asset is served by the app.
UNFOLD = {
    "SITE_TITLE": "Foghorn",
    "SITE_HEADER": "Foghorn",
    "SITE_SUBHEADER": "Incident response",
    "SITE_SYMBOL": "campaign",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "DASHBOARD_CALLBACK": "postmortems.dashboard.dashboard_callback",
    "STYLES": [lambda request: f"{STATIC_URL}console/console.css"],
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": "tenancy.console.sidebar_navigation",
    },
}
