"""Test settings: the real settings with fixed test keys and loopback allowed."""

import os
import tempfile

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

# The suite's SQLite database is a file, not memory, so that a queue consumer started by a test
# (tests/jobs) works on the same database as the test.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(tempfile.gettempdir(),  # noqa: F405
                                                         f"connectors-test-{os.getpid()}.sqlite3")}

# Tasks run inline (Huey's immediate mode) unless a test starts a real consumer (tests/jobs/queue.py),
# which switches this process to the queue below. A queue name of its own per run: runs never mix.
HUEY = {  # noqa: F405
    **HUEY,  # noqa: F405
    "name": os.environ.get("CONNECTORS_QUEUE_NAME") or f"connectors-test-{os.getpid()}",
    "immediate": env_flag("CONNECTORS_QUEUE_IMMEDIATE", True),  # noqa: F405
}
if not REDIS_URL:  # noqa: F405
    HUEY["connection"] = {"filename": os.environ.get("CONNECTORS_QUEUE_FILE") or os.path.join(
        tempfile.gettempdir(), f"{HUEY['name']}.huey.sqlite3")}
