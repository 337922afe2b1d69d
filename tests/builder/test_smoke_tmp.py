import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

def test_smoke(builder_client):
    r = builder_client.get(reverse("builder:connector_list")); assert r.status_code == 200, r.content[:2000]
    r = builder_client.get(reverse("builder:connector_create")); assert r.status_code == 200
    r = builder_client.post(reverse("builder:connector_create"), {"name": "Zylker CRM", "description": "Test"}); assert r.status_code == 302, r.content.decode()[:3000]
    url = r["Location"]
    r = builder_client.get(url); assert r.status_code == 200, r.content.decode()[:3000]
    from builder.models import Connector
    c = Connector.objects.get()
    r = builder_client.get(reverse("builder:security", args=[c.pk])); assert r.status_code == 200, r.content.decode()[-3000:]
    r = builder_client.post(reverse("builder:security", args=[c.pk]), {"auth_type": "oauth2", "oauth2-grant_type": "authorization_code",
        "oauth2-client_id": "abc", "oauth2-client_secret": "s3cr3t-canary", "oauth2-client_auth": "client_secret_basic",
        "oauth2-authorization_url": "https://example.com/auth", "oauth2-token_url": "https://example.com/token",
        "oauth2-bearer_name": "Bearer", "oauth2-expiry_seconds": "3600", "oauth2-pkce": "on", "test_method": "GET"})
    assert r.status_code == 302, r.content.decode()
    r = builder_client.get(reverse("builder:scopes", args=[c.pk])); assert r.status_code == 200, r.content.decode()[-3000:]
    assert b"s3cr3t-canary" not in builder_client.get(reverse("builder:security", args=[c.pk])).content
    r = builder_client.post(reverse("builder:mark_ready", args=[c.pk])); assert r.status_code == 302, r.content.decode()
    c.refresh_from_db(); assert c.is_ready
    r = builder_client.get(reverse("builder:history", args=[c.pk])); assert r.status_code == 200
    print([ (x.action, x.fields) for x in c.changes.all()])
