"""Settings for TIP Tracker, read from environment variables.

Local use needs nothing set: without a SECRET_KEY in the environment the app runs in local mode
(DEBUG on, a development key, the embedded SQLite database). A deployment sets SECRET_KEY, which
turns DEBUG off unless DEBUG says otherwise; with DEBUG off the process refuses to start unless
SECRET_KEY and ALLOWED_HOSTS are real values.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    """Return the environment variable `name`, or `default` when unset or empty."""
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool = False) -> bool:
    """Return a boolean from `name`: 1/true/yes/on are true, 0/false/no/off false."""
    value = env_str(name).lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_int(name: str, default: int) -> int:
    """Return an integer from `name`."""
    value = env_str(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """Return a comma-separated list from `name`."""
    value = env_str(name)
    if not value:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


# A deployment is recognised by its secret key: setting one turns DEBUG off by default.
DEBUG = env_bool("DEBUG", not env_str("SECRET_KEY"))

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])

if not DEBUG:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random value of at least 32 characters when DEBUG is "
            "off. For local use, set DEBUG=1."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must list the host names this site serves when DEBUG is off "
            "(comma-separated). For local use, set DEBUG=1."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_filters",
    "template_partials",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Before django_tasks_db, so that its `db_worker` command (tracker/management/commands)
    # wraps the package's: it queues the daily reminders as the worker starts.
    "tracker",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "reports",
    "api",
    "public",
]

# Background tasks (the import of a whole report): django-tasks with its database backend, so
# no other server is needed. `manage.py db_worker` runs them; `make run` starts one beside the
# web server, and a deployment runs it as a second process (README, "Deploying").
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tiptracker.middleware.content_security_policy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tiptracker.middleware.private_cache",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tiptracker.middleware.user_language",
    "django_otp.middleware.OTPMiddleware",
    "tiptracker.middleware.two_factor",
    "tiptracker.middleware.request_size_limit",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "tiptracker.middleware.BrandedErrorPages",
]

ROOT_URLCONF = "tiptracker.urls"
WSGI_APPLICATION = "tiptracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tiptracker.context_processors.roles",
            ],
        },
    },
]

# E-mail: SMTP when EMAIL_HOST is set, else printed on the console (the local default).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "TIP Tracker <tip-tracker@localhost>")
# Where the links in e-mails point: the address users reach the app at.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Databases: SQLite by default, PostgreSQL (psycopg 3) when DATABASE_URL says so.
VAR_DIR = Path(env_str("TIPTRACKER_VAR_DIR", str(BASE_DIR / "var")))
# The URL carries the password, so it is parsed here and kept in no setting of its own: Django's
# error reports show every upper-case setting (DATABASES["default"]["PASSWORD"] they hide).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tiptracker.sqlite3'}"),
        conn_health_checks=True,
    )
}
# How long (seconds) a process keeps its database connection between requests. A new PostgreSQL
# connection is a new server process, authenticated and configured, and under gunicorn that cost
# more than the queries of a list page, so on PostgreSQL each worker keeps its connection for
# five minutes; before a request reuses it a health check (`SELECT 1`, one round trip) finds a
# connection the server or the network has dropped, and a new one is opened instead. Each sync
# worker holds one connection, so the server sees (app servers × workers) + the task worker:
# size `max_connections` for that. Sessions stay rows in the database, whoever's connection reads
# them, so several app servers share them as before. On SQLite opening the file is cheap and
# the app gathers the planner's statistics as a connection closes (`tiptracker.lib.sqlite`), so
# it closes at the end of each request. `CONN_MAX_AGE` sets it on either database (0: close).
DATABASES["default"]["CONN_MAX_AGE"] = env_int(
    "CONN_MAX_AGE",
    300 if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" else 0,
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "tiptracker.lib.sqlite"
    Path(DATABASES["default"]["NAME"]).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # WAL lets readers run beside a writer; IMMEDIATE transactions take the write lock up front,
    # so concurrent writers queue on the busy timeout instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA cache_size=-64000;"
        ),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL compiles a query to machine code (JIT) when its estimated cost is high, as for
    # the correlated status-on-a-date subqueries; for these short queries the compiling costs
    # far more than it saves (bench/RESULTS.md: the worklist's counts on PostgreSQL).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's model backend, loading with the user whether they have a two-factor device.
    "tracker.twofactor.UserBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in throttling: lock a username from an address after repeated failures, for a while.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_CLIENT_IP_CALLABLE = "tracker.audit.client_ip"

# Two-factor sign-in (TOTP): "reviewers" requires it of reviewers and administrators, "all" of
# everyone, "none" of nobody; it is always offered on the user's own page.
TWO_FACTOR_REQUIRED = env_str("TWO_FACTOR_REQUIRED", "none" if DEBUG else "reviewers")
if TWO_FACTOR_REQUIRED not in {"none", "reviewers", "all"}:
    raise ImproperlyConfigured("TWO_FACTOR_REQUIRED must be none, reviewers or all.")
OTP_TOTP_ISSUER = "TIP Tracker"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# After each wrong code the next attempt waits twice as long (1 s, 2 s, 4 s …).
OTP_TOTP_THROTTLE_FACTOR = 1

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# English is the source language; every page, e-mail and summary also reads in French, Spanish,
# Arabic (right to left) and Korean. The codes are the `?lang=` and `--language` values.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ar", "العربية"),
    ("ko", "한국어"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
# One date format everywhere ("1 April 2021", "1 April 2021, 14:05 UTC"): tiptracker/formats.
FORMAT_MODULE_PATH = ["tiptracker.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Uploaded evidence lives outside the static root and is never served by URL: a view checks
# access and streams it as a download.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "uploads")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Exports built by the background worker (reports.ExportJob) and the renderings of published
# summaries: private files, served only through views that check who asks.
EXPORTS_ROOT = Path(env_str("EXPORTS_ROOT", str(VAR_DIR / "exports")))
# Downloads of more rows than this, and every all-countries PDF, are built in the background.
EXPORT_BACKGROUND_ROWS = env_int("EXPORT_BACKGROUND_ROWS", 2000)
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24)
# The worker stops reading an uploaded file after this many seconds per narrative it holds and
# refuses the upload (tracker.tasks.parse_within_limit).
IMPORT_PARSE_SECONDS = env_int("IMPORT_PARSE_SECONDS", 5)
EVIDENCE_MAX_UPLOAD_BYTES = env_int("EVIDENCE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# Office files are zip packages: what they may unpack to, and how much more than they store.
OFFICE_MAX_UNCOMPRESSED_BYTES = env_int("OFFICE_MAX_UNCOMPRESSED_BYTES", 100 * 1024 * 1024)
OFFICE_MAX_COMPRESSION_RATIO = env_int("OFFICE_MAX_COMPRESSION_RATIO", 100)
# A real document has tens of parts (a long presentation a few hundred); thousands of small parts
# escape the ratio check of each, so their number is capped and their ratio checked together.
OFFICE_MAX_PARTS = env_int("OFFICE_MAX_PARTS", 1000)
# Bodies over these sizes are refused before they are read (tiptracker.middleware): signed-in
# users may send one evidence file and its form; anonymous requests only the sign-in form.
REQUEST_MAX_BODY_BYTES = env_int("REQUEST_MAX_BODY_BYTES", EVIDENCE_MAX_UPLOAD_BYTES + 1024 * 1024)
ANONYMOUS_MAX_BODY_BYTES = env_int("ANONYMOUS_MAX_BODY_BYTES", 64 * 1024)
# Past this many matches a list page on PostgreSQL shows the planner's estimate ("about N")
# instead of counting every row (tracker/pagination.py).
LIST_EXACT_COUNT_LIMIT = env_int("LIST_EXACT_COUNT_LIMIT", 10_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Evidence files and their folders are the service user's alone.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Security headers; HTTPS behaviour is set by the deployment.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# Preload only adds the token to the header; the site joins browsers' lists only once submitted.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Behind the TLS proxy (one trusted hop), the scheme and the client's address come from its
# X-Forwarded-Proto and X-Forwarded-For headers; without it both headers are ignored.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

DEFAULT_EXCEPTION_REPORTER_FILTER = "tiptracker.errors.ReporterFilter"

# The REST API (app `api`): tokens or session, the role's permissions, per-token and per-user
# rates, cursor pages, problem+json errors.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.RolePermission"],
    # Both rates are checked before anything is written (api/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateCheck"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_RATE_PER_TOKEN = env_str("API_RATE_PER_TOKEN", "600/minute")
API_RATE_PER_USER = env_str("API_RATE_PER_USER", "1200/minute")
# A token's use is recorded at most once a minute (enough for "last used"); the daily run of the
# worker removes records older than this many days.
API_TOKEN_USE_KEEP_DAYS = env_int("API_TOKEN_USE_KEEP_DAYS", 90)
# The API's request counters live in the database (a table that api/migrations/0002 creates),
# so every app server in front of the same database counts the same requests. The default
# cache stays in each process's memory: nothing else relies on it being shared.
THROTTLE_CACHE = "throttle"
# The public site's pages, kept until the next public publication (public/caching.py): in each
# process's memory by default; point it at a shared cache to share them between app servers.
PUBLIC_CACHE = "public"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    PUBLIC_CACHE: {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "public-pages",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
    THROTTLE_CACHE: {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "api_throttle_cache",
        # One row per token and one per user: room for every caller, culled when it is full.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}

# The public site (app `public`): anonymous visitors read what was published for the public
# audience, and nothing else. Off, they meet the sign-in page only, and no public URL answers.
PUBLIC_SITE = env_bool("PUBLIC_SITE", True)
# Who publishes: named on every public page, in the feeds and in the open data.
ORGANISATION_NAME = env_str("ORGANISATION_NAME", "TIP Tracker")
OPEN_DATA_LICENCE_NAME = env_str(
    "OPEN_DATA_LICENCE_NAME", "Creative Commons Attribution 4.0 International (CC BY 4.0)"
)
OPEN_DATA_LICENCE_URL = env_str(
    "OPEN_DATA_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/"
)
# How long browsers and shared caches may keep a public page before asking again (seconds).
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 300)
# Requests to the public API per client address.
PUBLIC_API_RATE = env_str("PUBLIC_API_RATE", "120/minute")
# Which sites may show the public charts in a frame (CSP frame-ancestors): any, by default.
PUBLIC_EMBED_ANCESTORS = env_str("PUBLIC_EMBED_ANCESTORS", "*")

SPECTACULAR_SETTINGS = {
    "TITLE": "TIP Tracker API",
    "DESCRIPTION": (
        "Recommendations of the Trafficking in Persons Report, their status history, evidence, "
        "assessments and annual progress summaries. Authenticate with a personal token "
        "(`Authorization: Bearer …`, created on your Tokens page) or the signed-in session. "
        'Lists are cursor pages: `{"results": […], "next": …, "previous": …}`. Errors are '
        "`application/problem+json`. Writes to an existing item need its ETag in `If-Match`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RecommendationStatus": "tracker.models.RecommendationStatus",
        "TierEnum": "tracker.models.Tier",
        "RatingEnum": "tracker.models.AssessmentRating",
        "Audience": "tracker.models.Audience",
    },
}

# Everything goes to standard error, for the service manager or log collector to keep. Django's
# own configuration writes the `django` loggers to the console only with DEBUG on and mails
# ADMINS (none here) with it off, so a 500 behind gunicorn would leave no trace: the `errors`
# handler writes every error of a request (a 500's traceback included) with DEBUG off, where
# Django's console handler is silent, so each error is written once either way.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"debug_off": {"()": "django.utils.log.RequireDebugFalse"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "errors": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "level": "ERROR",
            "filters": ["debug_off"],
        },
    },
    "loggers": {
        "tracker": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
        "axes": {"handlers": ["console"], "level": "WARNING"},
        "django.request": {"handlers": ["errors"]},
        "django.security": {"handlers": ["errors"]},
    },
}
