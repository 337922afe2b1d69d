"""Settings, all read from the environment (see README "Configuration")."""

import datetime
import json
import os
import re
import secrets
from pathlib import Path

import bootstrap_wrapper
import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from connectors_site import timeouts

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_number(name, default):
    """Return a whole number (0 or more: seconds, a count) from the environment; stop start-up on anything else."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number (0 or more), not {value!r}.")
    return int(value)


def dev_secrets(path=BASE_DIR / ".dev-secrets.json"):
    """Return the local development keys, generating them once into a git-ignored file."""
    if path.exists():
        return json.loads(path.read_text())
    values = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "CONNECTORS_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


DEBUG = env_flag("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
CONNECTORS_ENCRYPTION_KEYS = env_list("CONNECTORS_ENCRYPTION_KEYS")
if DEBUG and (not SECRET_KEY or not CONNECTORS_ENCRYPTION_KEYS):
    _dev = dev_secrets()
    SECRET_KEY = SECRET_KEY or _dev["DJANGO_SECRET_KEY"]
    CONNECTORS_ENCRYPTION_KEYS = CONNECTORS_ENCRYPTION_KEYS or _dev["CONNECTORS_ENCRYPTION_KEYS"].split(",")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. Set it in the environment (or DJANGO_DEBUG=1 for local development)."
    )
if not CONNECTORS_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "CONNECTORS_ENCRYPTION_KEYS is not set. Give one or more comma-separated Fernet keys "
        "(generate one with: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'); the first one encrypts."
    )
for _key in CONNECTORS_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            "CONNECTORS_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from None

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Outbound requests to 127.0.0.1 and plain http:// URLs: for local development and tests only.
CONNECTORS_ALLOW_PRIVATE_NETWORKS = env_flag("CONNECTORS_ALLOW_PRIVATE_NETWORKS")
CONNECTORS_ALLOW_INSECURE_HTTP = env_flag("CONNECTORS_ALLOW_INSECURE_HTTP")
# Seconds an outbound keep-alive pool (one per scheme, host, port and checked addresses) is used before
# its host is resolved and checked again (connectors_site/outbound_pools.py).
CONNECTORS_POOL_MAX_AGE = env_number("CONNECTORS_POOL_MAX_AGE", 30)
# Usage of successful calls (last used, activity) is written in batches at most this often (seconds;
# 0: at once), and activity lines of API calls are kept this many days, then counted per hour
# (connections/usage.py).
CONNECTORS_USAGE_FLUSH_SECONDS = env_number("CONNECTORS_USAGE_FLUSH_SECONDS", 1)
CONNECTORS_ACTIVITY_RETENTION_DAYS = env_number("CONNECTORS_ACTIVITY_RETENTION_DAYS", 30)

# Outbound timeouts, "CONNECT,READ" seconds (connectors_site/timeouts.py; gunicorn.conf.py reads the same).
try:
    CONNECTORS_TOKEN_TIMEOUT = timeouts.from_env("CONNECTORS_TOKEN_TIMEOUT", timeouts.TOKEN_DEFAULT)
except ValueError as _error:
    raise ImproperlyConfigured(f"CONNECTORS_TOKEN_TIMEOUT: {_error}") from None

# The API's proxy (README "API"): its timeouts, the most it streams back, the longest Retry-After it
# waits out itself when the caller asks it to retry.
try:
    CONNECTORS_PROXY_TIMEOUT = timeouts.from_env("CONNECTORS_PROXY_TIMEOUT", (5.0, 60.0))
except ValueError as _error:
    raise ImproperlyConfigured(f"CONNECTORS_PROXY_TIMEOUT: {_error}") from None
CONNECTORS_PROXY_MAX_BYTES = env_number("CONNECTORS_PROXY_MAX_BYTES", 100 * 1024 * 1024)
CONNECTORS_PROXY_RETRY_MAX_WAIT = env_number("CONNECTORS_PROXY_RETRY_MAX_WAIT", 10)
# API calls per token: "CALLS/SECONDS" (0/0: no limit), counted in Redis when REDIS_URL is set.
CONNECTORS_API_RATE_LIMIT = os.environ.get("CONNECTORS_API_RATE_LIMIT", "600/60").strip()
if not re.fullmatch(r"\d+/\d+", CONNECTORS_API_RATE_LIMIT):
    raise ImproperlyConfigured(
        f"CONNECTORS_API_RATE_LIMIT must be CALLS/SECONDS (600/60), not {CONNECTORS_API_RATE_LIMIT!r}.")
REDIS_URL = os.environ.get("REDIS_URL", "").strip()

INSTALLED_APPS = [
    "connectors_site.apps.AdminConfig",  # django.contrib.admin with the site's AdminSite (admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",  # its table's migrations only: accounts.Authenticator keeps the keys, encrypted
    # django-ninja's own templates and static files: the API docs served from here, never a CDN.
    "ninja",
    "accounts",
    "connectors_site",
    "auth_types",
    "builder",
    "connections",
    "api",
    "huey.contrib.djhuey",
    "jobs",
    "health",
    "notifications",
    "webhooks",
    "monitoring",
    "reconnect",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before the NUL refusal: an error answered to an /api/ address is a problem detail (api/middleware.py).
    "api.middleware.ApiProblemsMiddleware",
    "connectors_site.middleware.RefuseNulCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.sessions.SessionLifetimeMiddleware",
    "accounts.two_factor.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "connectors_site.middleware.CSPMiddleware",  # django-csp's, built once
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# The API's addresses go through a handler of their own (connectors_site/handlers.py) with only this middleware:
# a call with a token needs none of the pages' static files, sessions, CSRF, sign-in, messages, two-factor or
# lockouts. The security headers, the problem details, the NUL refusal and the CSP (the docs page) stay.
API_PATH_PREFIX = "/api/v1/"
API_MIDDLEWARE = [name for name in MIDDLEWARE if name in (
    "django.middleware.security.SecurityMiddleware",
    "api.middleware.ApiProblemsMiddleware",
    "connectors_site.middleware.RefuseNulCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "connectors_site.middleware.CSPMiddleware",  # django-csp's, built once
)]

# Served by the API's handler straight from their view, without URL resolving (connectors_site/handlers.py):
# (a regular expression over the path, with the named groups the view takes; the view).
API_DIRECT_ROUTES = [
    (r"^/api/v1/proxy/(?P<link_name>[^/]+)/(?P<path>.*)\Z", "api.endpoints.proxy.respond"),
]

ROOT_URLCONF = "connectors_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

WSGI_APPLICATION = "connectors_site.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Threads of a process write at once (gthread workers, the usage flusher): a transaction takes the write
    # lock when it begins and waits for it, rather than failing on a read lock it cannot upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
elif DATABASES["default"]["ENGINE"].endswith("postgresql") and env_flag("DATABASE_PREPARED_STATEMENTS", default=True):
    # PostgreSQL: parameters bound on the server, and a statement a connection has run 5 times prepared there
    # (psycopg's prepare_threshold), so PostgreSQL stops parsing and planning it on each run: the token read of
    # every API call took 1.06 ms without, 0.43 ms with (bench/api_proxy.py's database, one process). Django
    # leaves both off for the sake of connection poolers: set DATABASE_PREPARED_STATEMENTS=0 behind one that
    # cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The task queue (Huey; README "Background jobs"): Redis when REDIS_URL is set (production, several
# consumers or machines), otherwise a SQLite file beside the SQLite database (or in the project
# folder), so that `make run` needs no server. jobs.queue's classes stamp periodic tasks with their
# minute, which jobs.periodic uses to run each once however many consumers enqueue it.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
_sqlite_database = DATABASES["default"]["NAME"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else None
CONNECTORS_QUEUE_FILE = os.environ.get("CONNECTORS_QUEUE_FILE") or str(
    Path(_sqlite_database).with_name("huey.sqlite3") if _sqlite_database else BASE_DIR / "huey.sqlite3")
HUEY = {
    "name": os.environ.get("CONNECTORS_QUEUE_NAME", "connectors"),
    "huey_class": "jobs.queue.RedisHuey" if REDIS_URL else "jobs.queue.SqliteHuey",
    "connection": {"url": REDIS_URL} if REDIS_URL else {"filename": CONNECTORS_QUEUE_FILE},
    # Tasks run in a consumer (python manage.py run_huey), never inside a web request: also in debug.
    "immediate": env_flag("CONNECTORS_QUEUE_IMMEDIATE"),
    "results": True,
    "utc": True,
    # The SQLite queue is polled: an idle consumer looks again at least every 2 s (Redis wakes it at once).
    "consumer": {"workers": max(1, env_number("CONNECTORS_QUEUE_WORKERS", 4)), "worker_type": "thread",
                 "periodic": True, "max_delay": 2.0},
}
# Proactive refresh: tokens expiring within this many seconds are refreshed every minute; a refresh
# token not used for this many days is exercised (providers that rotate them let unused ones lapse; 0: never).
CONNECTORS_REFRESH_WINDOW = env_number("CONNECTORS_REFRESH_WINDOW", 600)
CONNECTORS_REFRESH_EXERCISE_DAYS = env_number("CONNECTORS_REFRESH_EXERCISE_DAYS", 7)
# Email (notifications): Django's SMTP backend with the SMTP_* settings below; in debug (make run) the
# console backend prints each message instead. EMAIL_BACKEND overrides either.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("SMTP_HOST", "localhost")
EMAIL_PORT = env_number("SMTP_PORT", 25)
EMAIL_HOST_USER = os.environ.get("SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_flag("SMTP_STARTTLS")
EMAIL_USE_SSL = env_flag("SMTP_SSL")
EMAIL_TIMEOUT = env_number("SMTP_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("CONNECTORS_EMAIL_FROM", "Custom Connectors <connectors@localhost>")
# The address links in emails start with (the site as its users reach it).
CONNECTORS_SITE_URL = os.environ.get("CONNECTORS_SITE_URL", "http://127.0.0.1:8000")
# An owner is told when a connection has been Degraded this many minutes.
CONNECTORS_NOTIFY_DEGRADED_AFTER = env_number("CONNECTORS_NOTIFY_DEGRADED_AFTER", 60)
# Webhook deliveries: (connect, read) seconds before an attempt is given up (then retried later).
try:
    CONNECTORS_WEBHOOK_TIMEOUT = timeouts.from_env("CONNECTORS_WEBHOOK_TIMEOUT", (5.0, 10.0))
except ValueError as _error:
    raise ImproperlyConfigured(f"CONNECTORS_WEBHOOK_TIMEOUT: {_error}") from None
# /metrics (Prometheus) is off unless this token is set; scrapers send it as a bearer token.
CONNECTORS_METRICS_TOKEN = os.environ.get("CONNECTORS_METRICS_TOKEN", "")
# Health checks: minutes between two checks of a connection, unless its connector says otherwise (0: off).
CONNECTORS_HEALTH_INTERVAL = env_number("CONNECTORS_HEALTH_INTERVAL", 60)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "builder:connector_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static", ("bootstrap", bootstrap_wrapper.get_bootstrap_dir())]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Uploads are refused past a few MB before they reach a form (the logo limit itself is 1 MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto: https, so that absolute URLs (the
# OAuth callback URL above all) say https.
BEHIND_TLS_PROXY = env_flag("DJANGO_BEHIND_TLS_PROXY")
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# HTTPS only, behind the TLS proxy: plain http is redirected, and browsers are told (HSTS) to use
# https for a year. Preload is a commitment to browsers' built-in lists (hard to undo): opt in.
SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", BEHIND_TLS_PROXY)
SECURE_REDIRECT_EXEMPT = env_list("DJANGO_SECURE_REDIRECT_EXEMPT")
SECURE_HSTS_SECONDS = env_number("DJANGO_SECURE_HSTS_SECONDS", 365 * 24 * 3600 if BEHIND_TLS_PROXY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_flag("DJANGO_SECURE_HSTS_PRELOAD")
# Without preload, check --deploy's reminder about it (security.W021) is a decision, not an oversight.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Sign-in protection (README "Sign-in protection"). Failed sign-ins on the login page and the
# admin's are counted per account and per client address (django-axes); past the limit, that
# account, or that address, waits out the cool-off (staff can clear it sooner).
AXES_FAILURE_LIMIT = max(1, env_number("CONNECTORS_SIGNIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = datetime.timedelta(seconds=env_number("CONNECTORS_SIGNIN_LOCKOUT_SECONDS", 15 * 60))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.signin.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.signin.client_ip"
# Sessions: signed out after an idle spell, and in any case after an absolute lifetime.
SESSION_IDLE_TIMEOUT = env_number("CONNECTORS_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_COOKIE_AGE = env_number("CONNECTORS_SESSION_MAX_SECONDS", 8 * 3600)
# Two-factor authentication (TOTP, django-otp): optional for everyone; with this on, staff and
# connector builders must set it up before they can use anything else.
CONNECTORS_REQUIRE_TWO_FACTOR = env_flag("CONNECTORS_REQUIRE_TWO_FACTOR")
OTP_TOTP_ISSUER = "Custom Connectors"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# A strict Content-Security-Policy (django-csp): scripts, styles and fonts from this origin only, so
# no inline <script>, no style= attribute, no inline event handler anywhere. Images may also be
# data: URIs, which Bootstrap's CSS uses for its icons (an image runs no script). form-action is
# left open on purpose: the OAuth Authorize form posts here and is redirected to the provider's
# pages, which a form-action list would block.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # urllib3 logs request lines at DEBUG, which may carry query-string API keys.
        "urllib3": {"level": "WARNING"},
        "requests_oauthlib": {"level": "WARNING"},
        "oauthlib": {"level": "WARNING"},
        "botocore": {"level": "WARNING"},
        # The queue consumer's log (run_huey adds no handler of its own when this one is set).
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
