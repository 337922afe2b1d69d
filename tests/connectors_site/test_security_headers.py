"""Every page carries the strict Content-Security-Policy and the Cross-Origin-Opener-Policy."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

REQUIRED = ["default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"]


def directives(response):
    return [part.strip() for part in response["Content-Security-Policy"].split(";")]


def test_pages_carry_the_policy(builder_client, make_connector):
    connector = make_connector()
    urls = [reverse("microservices"), reverse("builder:connector_list"), reverse("builder:catalog"),
            reverse("builder:general", args=[connector.pk]), reverse("builder:security", args=[connector.pk]),
            reverse("connections:list"), reverse("admin:index")]
    for url in urls:
        response = builder_client.get(url)
        assert response.status_code in (200, 302), url
        for directive in REQUIRED:
            assert directive in directives(response), (url, directive)
        assert not any("unsafe-inline" in part or "unsafe-eval" in part for part in directives(response)), url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url


def test_refusals_and_the_login_page_carry_it_too(client):
    login = client.get(reverse("login"))
    refused = client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
    for response in (login, refused):
        assert "default-src 'self'" in directives(response)


def test_no_template_has_inline_style_or_script():
    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    inline = [re.compile(r"\sstyle\s*="), re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
              re.compile(r'<script(?![^>]*\s(src=|type="application/json"))[^>]*>')]
    for path in root.rglob("*.html"):
        text = path.read_text()
        if any(pattern.search(text) for pattern in inline):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
