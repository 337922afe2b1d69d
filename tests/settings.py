"""Test settings: the real settings with fixed test keys and loopback allowed."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 20)
os.environ.setdefault("CONNECTORS_ENCRYPTION_KEYS", "dGVzdC1rZXktb25lLTAxMjM0NTY3ODlhYmNkZWZnaGk=")
os.environ["CONNECTORS_ALLOW_PRIVATE_NETWORKS"] = "1"
os.environ["CONNECTORS_ALLOW_INSECURE_HTTP"] = "1"
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
# The suite checks what a call wrote right after it: usage at once (tests/connections/test_usage.py buffers).
os.environ.setdefault("CONNECTORS_USAGE_FLUSH_SECONDS", "0")

from connectors_site.settings import *  # noqa: E402,F401,F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_USE_FINDERS = True
