"""Settings of CDM. Everything that differs between machines comes from the environment.

- ``DATABASE_URL``: ``sqlite:////abs/path.sqlite3`` or ``postgres://user@host:port/db``;
  default: SQLite in WAL mode under ``var/``.
- ``CDM_SECRET_KEY``: required when ``CDM_DEBUG`` is off.
- ``CDM_DEBUG``: ``1`` for development (the demo sets it).
- ``CDM_ALLOWED_HOSTS``: the host names served, comma-separated.
- ``CDM_HTTPS``: served over HTTPS (default: on unless ``CDM_DEBUG``): redirect to HTTPS, HSTS, secure cookies.
- ``CDM_BEHIND_PROXY``: the TLS is ended by a reverse proxy that sets ``X-Forwarded-Proto`` and
  ``X-Forwarded-For`` (default: on with ``CDM_HTTPS``); ``CDM_HSTS_SECONDS`` (default one year).
- ``CDM_VAR_DIR``: where the embedded database and uploads live (default ``./var``).
- ``CDM_SMALL_COUNT_THRESHOLD``: the k below which published profile cells read "< k".
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("CDM_VAR_DIR", Path.cwd() / "var")).resolve()

DEBUG = env_bool("CDM_DEBUG", False)
SECRET_KEY = os.environ.get("CDM_SECRET_KEY", "")
# No environment variable but CDM_DEBUG gives a fixed key or extra hosts: the test suite's own settings
# (cdm.test_settings) set what it needs, and a production process never loads them.
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("CDM_SECRET_KEY is required when CDM_DEBUG is off")
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = [h for h in os.environ.get("CDM_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
if DEBUG:
    ALLOWED_HOSTS += ["testserver", "[::1]"]

INSTALLED_APPS = [
    "cdm.lib.admin_site.CdmAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_countries",
    "ninja",
    "csp",
    "axes",
    "cdm.accounts",
    "cdm.network",
    "cdm.activity",
    "cdm.audit",
    "cdm.governance",
    "cdm.stats",
    "cdm.exchange",
    "cdm.public",
    "cdm.desk",
    "cdm.programme",
    "cdm.api",
    "cdm.demo",
    "channels",
    "cdm.counselling",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before anything reads a body: an upload beyond the limit is refused unread (413).
    "cdm.exchange.middleware.UploadSizeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cdm.accounts.middleware.CiteScopeMiddleware",
    # A signed-in staff member's pages in the language they chose (User.language).
    "cdm.accounts.middleware.StaffLanguageMiddleware",
    # Last: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cdm.urls"
WSGI_APPLICATION = "cdm.wsgi.application"
ASGI_APPLICATION = "cdm.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "admin:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The report's stylesheet is a static file for the pages (CSP: no inline style) and inlined
        # into the PDF and the standalone report ({% include "stats/report.css" %}).
        "DIRS": [PACKAGE_DIR / "templates", PACKAGE_DIR / "stats" / "static"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cdm.public.context.site_context",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'cdm.sqlite3'}"
# Persistent connections: opening (and, for SQLite, checkpointing on close) costs more than a desk's visit.
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server: psycopg prepares the statements a request repeats (the token,
    # the visit's INSERT) after a few uses, so PostgreSQL stops planning them every time.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("CDM_TEST_SQLITE") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (django-axes): after 5 wrong passwords for one account from one address, that
# account is refused from that address for 15 minutes, even with the right password. Only staff sign
# in (the admin's login page); devices use tokens. Successful sign-ins are not logged.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "cdm.lib.admin_site.locked_out"
AXES_CLIENT_IP_CALLABLE = "cdm.lib.admin_site.client_ip"

LANGUAGE_CODE = "fr"
LANGUAGES = [
    ("fr", "Français"),
    ("en", "English"),
    ("nl", "Nederlands"),
    ("es", "Español"),
    ("ca", "Català"),
    ("pt", "Português"),
    ("it", "Italiano"),
]
# Languages whose catalogue is complete: the annual report exists in these.
COMPLETE_LANGUAGES = ["fr", "en", "nl", "es", "ca", "pt", "it"]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# The language a visitor chose (the switcher) or a staff member's own: a preference, not an identity.
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from here once collected
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
# Pages read the CSRF token from themselves ({% csrf_token %}, or the desk's json_script), never the cookie.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# HTTPS: on by default in production; CDM_HTTPS=0 only for a local server without TLS.
HTTPS = env_bool("CDM_HTTPS", not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("CDM_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CDM_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("CDM_HSTS_PRELOAD", True)
    if env_bool("CDM_BEHIND_PROXY", True):
        # The proxy ends the TLS and must set (not pass on) these two headers.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): no inline script or style, no eval, nothing from elsewhere.
# Data reaches scripts through json_script or data- attributes; every script is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Computed figures are cached until the data changes (see cdm.stats.cache), at most this long;
# a month's breakdowns (cdm.stats.months), keyed by that month's own data, are kept longer.
FIGURES_CACHE_SECONDS = 600
FIGURES_MONTH_SECONDS = 60 * 60 * 24 * 90
# Months computed at once by this many threads (each with its own database connection).
FIGURES_THREADS = env_int("CDM_FIGURES_THREADS", 2)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cdm"},
    # Shared by every process and every server: a figure computed once serves all of them. The
    # database's own table by default (nothing else to run); Redis in production (CDM_REDIS_URL).
    "figures": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cdm_figures_cache",
        # Months × Cités × kinds: far more than the default 300 entries.
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    },
}
# Several CDM instances (or test servers) on one Redis: each its own CDM_REDIS_PREFIX, or they would
# share their figures and their chat groups ("chat.conversation.1").
REDIS_PREFIX = os.environ.get("CDM_REDIS_PREFIX", "cdm")
if os.environ.get("CDM_REDIS_URL"):
    CACHES["figures"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["CDM_REDIS_URL"],
        "KEY_PREFIX": f"{REDIS_PREFIX}-figures",
    }

# Background jobs (an upload's import, the report's figures after it): django-tasks, stored in the
# database (SQLite or PostgreSQL alike), run by `cdm db_worker` (`make demo` starts it beside the server).
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Online counselling (cdm.counselling): Channels' in-memory layer by default (one process, as
# `make demo`; its expiry sweep once a second: cdm.counselling.layers), Redis when CDM_REDIS_URL is set
# (every server process shares the conversations).
CHANNEL_LAYERS = {"default": {"BACKEND": "cdm.counselling.layers.InMemoryChannelLayer"}}
if os.environ.get("CDM_REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8's defaults broke the layer under load: reads time out after 5 s, as long as
            # channels_redis's blocking receive (BZPOPMIN, 5 s: "Timeout reading"), and a pool holds
            # 100 connections at most ("Too many connections" with 200 sockets sending at once).
            "CONFIG": {
                "hosts": [
                    {"address": os.environ["CDM_REDIS_URL"], "socket_timeout": 15, "max_connections": 2000}
                ],
                "prefix": f"{REDIS_PREFIX}-chat",
            },
        }
    }
# E-mail (questions by e-mail, their answers): Django's SMTP backend, configured from the environment.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("CDM_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("CDM_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("CDM_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CDM_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("CDM_EMAIL_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("CDM_EMAIL_FROM", "conseil@cites-des-metiers.invalid")
# Where the visitors' replies land (a maildir that `cdm counselling_inbox` reads), if anywhere.
COUNSELLING_MAILDIR = os.environ.get("CDM_COUNSELLING_MAILDIR", "")

# The waiting room's screen shows the calls of the last hours.
NOW_CALLING_HOURS = 2

# Published breakdowns by profile hide cells below this count ("< k").
SMALL_COUNT_THRESHOLD = env_int("CDM_SMALL_COUNT_THRESHOLD", 5)

# Logs never carry a visitor: no request bodies, no query strings of the desk.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
