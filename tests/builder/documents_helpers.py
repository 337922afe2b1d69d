"""Helpers shared by the connector document tests: full connectors, minimal documents, comparisons."""

from django.core.files.base import ContentFile

from builder.documents import FORMAT
from builder.logo import logo_thumbnail
from builder.models import Scope

from tests.builder.conftest import configure, image_bytes
from tests.examples import example

SCOPE_ROWS = [("Read contacts", "contacts.read"), ("Write contacts", "contacts.write")]


def full_connector(make_connector, key, name="Zylker CRM"):
    """Return a connector with everything a document carries: logo, test request, scopes where they apply."""
    connector = configure(make_connector(name, description="Contacts, deals (and more)."), key)
    connector.test_method, connector.test_url = "HEAD", "https://api.example.com/v1/me"
    connector.set_logo(logo_thumbnail(ContentFile(image_bytes(), name="logo.png")))  # as General stores it
    connector.category, connector.documentation_url = "CRM", "https://docs.example.com/api"
    if connector.uses_scopes:
        connector.scope_delimiter = " "
        for name, value in SCOPE_ROWS:
            Scope.objects.create(connector=connector, name=name, value=value)
    connector.save()
    return connector


def document(auth_type="oauth2", **connector_fields):
    """Return a valid document of auth_type (its example); connector_fields replace (None removes) its keys."""
    body = {"name": "Zylker CRM", "auth_type": auth_type, "config": dict(example(auth_type).config)}
    body.update(connector_fields)
    return {"format": FORMAT, "version": 1, "connector": {k: v for k, v in body.items() if v is not None}}


def comparable(connector):
    fields = ("name", "description", "auth_type", "config", "scope_delimiter", "test_method", "test_url",
              "category", "documentation_url")
    return ({name: getattr(connector, name) for name in fields}, bytes(connector.logo or b""),
            list(connector.scopes.values_list("name", "value")))


def with_config(auth_type, **fields):
    doc = document(auth_type)
    doc["connector"]["config"].update(fields)
    return doc
