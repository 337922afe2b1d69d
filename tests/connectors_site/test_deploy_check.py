"""`manage.py check --deploy` passes with the production settings the README gives (issue 14, finding 8)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY = "dGVzdC1rZXktb25lLTAxMjM0NTY3ODlhYmNkZWZnaGk="


@pytest.fixture
def production(tmp_path):
    """The environment of a production start behind a TLS proxy, as the README describes it."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("DJANGO_", "CONNECTORS_")) and name != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="connectors_site.settings", DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
               CONNECTORS_ENCRYPTION_KEYS=KEY, DJANGO_ALLOWED_HOSTS="connectors.example.com",
               DJANGO_BEHIND_TLS_PROXY="1", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    return env


def run(env, *args, **overrides):
    return subprocess.run([sys.executable, *args], cwd=ROOT, env={**env, **overrides}, capture_output=True,
                          text=True, timeout=60)


def check_deploy(env, **overrides):
    return run(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING", **overrides)


def test_check_deploy_passes_with_production_settings(production):
    result = check_deploy(production)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("overrides, check", [
    ({"DJANGO_SECURE_HSTS_SECONDS": "0"}, "security.W004"),
    ({"DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "0"}, "security.W005"),
    ({"DJANGO_SECURE_SSL_REDIRECT": "0"}, "security.W008"),
    ({"DJANGO_BEHIND_TLS_PROXY": "0"}, "security.W004"),  # HSTS and the redirect are on behind the proxy
    ({"DJANGO_BEHIND_TLS_PROXY": "0"}, "security.W008"),
    ({"DJANGO_SECURE_COOKIES": "0"}, "security.W012"),
])
def test_turning_a_protection_off_is_reported(production, overrides, check):
    result = check_deploy(production, **overrides)
    assert result.returncode != 0 and check in result.stderr + result.stdout


@pytest.mark.parametrize("value", ["soon", "-1"])
def test_a_malformed_hsts_duration_stops_start_up_with_a_clear_message(production, value):
    result = check_deploy(production, DJANGO_SECURE_HSTS_SECONDS=value)
    assert result.returncode != 0 and "DJANGO_SECURE_HSTS_SECONDS" in result.stderr


HEADERS_SCRIPT = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="connectors.example.com")
plain = client.get("/")
secure = client.get("/", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({"plain": [plain.status_code, plain.get("Location", "")],
                  "secure": [secure.status_code, secure.get("Strict-Transport-Security", "")]}))
"""


def headers(env, **overrides):
    result = run(env, "-c", HEADERS_SCRIPT, **overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_behind_the_proxy_http_is_redirected_and_https_carries_hsts(production):
    seen = headers(production)
    assert seen["plain"] == [301, "https://connectors.example.com/"]
    assert seen["secure"] == [302, "max-age=31536000; includeSubDomains"]


def test_hsts_duration_and_preload_come_from_the_environment(production):
    seen = headers(production, DJANGO_SECURE_HSTS_SECONDS="600", DJANGO_SECURE_HSTS_PRELOAD="1")
    assert seen["secure"][1] == "max-age=600; includeSubDomains; preload"
    assert check_deploy(production, DJANGO_SECURE_HSTS_PRELOAD="1").returncode == 0


def test_without_the_proxy_setting_neither_is_on(production):
    seen = headers(production, DJANGO_BEHIND_TLS_PROXY="0")
    assert seen["plain"][0] == 302 and seen["secure"][1] == ""
