"""Settings of the OAuth2 peer: a throwaway authorization server, never our app.

The launcher passes its choices through the environment (``OAUTH2_PEER_*``).
"""

import os
from pathlib import Path

from tests.peers.oauth2_server import runtime

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = os.environ.get("OAUTH2_PEER_DJANGO_SECRET", "oauth2-peer-key-for-tests-only-" + "x" * 32)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]

MIDDLEWARE = [
    "tests.peers.oauth2_server.runtime.count_requests",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "tests.peers.oauth2_server.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("OAUTH2_PEER_DB", str(BASE_DIR / "peer.sqlite3")),
        # Twenty concurrent token requests must queue for the write lock, not fail on it.
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# DOT hashes client secrets with the first hasher: PBKDF2 would cost ~0.5 s of CPU per
# token request and serialise the concurrency tests behind the GIL.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The browser shares cookies between all ports of 127.0.0.1: our app's session and CSRF
# cookies must not be overwritten by the peer's.
SESSION_COOKIE_NAME = "oauth2peer_sessionid"
CSRF_COOKIE_NAME = "oauth2peer_csrftoken"

LOGIN_URL = "/accounts/login/"
STATIC_URL = "/static/"
USE_TZ = True
TIME_ZONE = "UTC"

def _signing_key():
    """Return a fresh RSA key (PEM) for OpenID Connect: the peer's discovery document needs one."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


OAUTH2_PROVIDER = {
    # OpenID Connect discovery at /o/.well-known/openid-configuration; the issuer is pinned to
    # <base>/o once the port is known (__main__.serve), so iss and the discovery document agree.
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _signing_key(),
    # RFC 9207 iss in the authorization response (and authorization_response_iss_parameter_supported
    # in discovery): off by default, as at most providers; the tests switch it with configure.
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": False,
    "SCOPES": {"read": "Read your profile", "write": "Change your data"},
    "ROTATE_REFRESH_TOKEN": True,
    # A refresh token used twice answers invalid_grant at once.
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    # PKCE is checked whenever the client sent a code_challenge; "required" also rejects
    # clients that send none (the connector's "PKCE off" option must work by default).
    "PKCE_REQUIRED": os.environ.get("OAUTH2_PEER_PKCE", "optional") == "required",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    # The sandbox accepts every callback URL under a prefix (connectors get theirs as they are built).
    "OAUTH2_VALIDATOR_CLASS": "tests.peers.oauth2_server.validators.PeerValidator",
    # A callable, so the tests can shorten the lifetime while the server runs.
    "EXTRA_SERVER_KWARGS": {"token_expires_in": runtime.access_token_ttl},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
}
