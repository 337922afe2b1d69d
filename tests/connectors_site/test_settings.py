"""Start-up refuses to run in production without its keys, with a message that says what to set."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY = "dGVzdC1rZXktb25lLTAxMjM0NTY3ODlhYmNkZWZnaGk="


def start(**env):
    clean = {name: value for name, value in os.environ.items()
             if not name.startswith(("DJANGO_", "CONNECTORS_")) and name != "DATABASE_URL"}
    clean.update(DJANGO_SETTINGS_MODULE="connectors_site.settings", **env)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=clean, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("env, message", [
    ({"CONNECTORS_ENCRYPTION_KEYS": KEY}, "DJANGO_SECRET_KEY is not set"),
    ({"DJANGO_SECRET_KEY": "s" * 50}, "CONNECTORS_ENCRYPTION_KEYS is not set"),
    ({"DJANGO_SECRET_KEY": "s" * 50, "CONNECTORS_ENCRYPTION_KEYS": "not-a-key"}, "not a Fernet key"),
])
def test_debug_off_without_keys_stops_with_a_clear_message(env, message):
    result = start(DJANGO_DEBUG="0", **env)
    assert result.returncode != 0 and message in result.stderr


def test_debug_off_with_keys_starts():
    result = start(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="s" * 50, CONNECTORS_ENCRYPTION_KEYS=KEY,
                   DJANGO_ALLOWED_HOSTS="example.com")
    assert result.returncode == 0, result.stderr


def database_options(**env):
    """The default database's OPTIONS as settings.py makes them for a PostgreSQL DATABASE_URL and `env`."""
    clean = {name: value for name, value in os.environ.items()
             if not name.startswith(("DJANGO_", "CONNECTORS_", "DATABASE_"))}
    clean.update(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="s" * 50, CONNECTORS_ENCRYPTION_KEYS=KEY,
                 DJANGO_ALLOWED_HOSTS="example.com", DATABASE_URL="postgres://postgres@127.0.0.1:5432/test", **env)
    result = subprocess.run([sys.executable, "-c", "from connectors_site import settings; "
                             "print(sorted(settings.DATABASES['default'].get('OPTIONS', {}).items()))"],
                            cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_postgresql_prepares_statements_unless_told_not_to_behind_a_pooler():
    assert database_options() == "[('prepare_threshold', 5), ('server_side_binding', True)]"
    assert database_options(DATABASE_PREPARED_STATEMENTS="0") == "[]"
