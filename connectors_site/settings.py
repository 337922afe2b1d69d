"""Settings, all read from the environment (see README "Configuration")."""

import datetime
import json
import os
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

# Outbound timeouts, "CONNECT,READ" seconds (connectors_site/timeouts.py; gunicorn.conf.py reads the same).
try:
    CONNECTORS_TOKEN_TIMEOUT = timeouts.from_env("CONNECTORS_TOKEN_TIMEOUT", timeouts.TOKEN_DEFAULT)
except ValueError as _error:
    raise ImproperlyConfigured(f"CONNECTORS_TOKEN_TIMEOUT: {_error}") from None

INSTALLED_APPS = [
    "django.contrib.admin",
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
    "django_otp.plugins.otp_totp",
    "accounts",
    "connectors_site",
    "auth_types",
    "builder",
    "connections",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
    },
}
