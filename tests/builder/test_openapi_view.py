"""Import from OpenAPI: the page, its two steps and its refusals."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, URLResolver, include, path, reverse

from builder import openapi
from builder import urls as builder_urls
from builder.models import Connector, Scope, Stage
from builder.views.openapi import OpenAPIImportView
from connectors_site import urls as site_urls
from tests.builder.conftest import field_error, page
from tests.builder.openapi_helpers import BILLION_LAUGHS, openapi3, sample


class URLConfWithImportPage:
    """The site's URLs with the import page among the builder's, for as long as builder/urls.py lacks it."""

    urlpatterns = [pattern for pattern in site_urls.urlpatterns
                   if not (isinstance(pattern, URLResolver) and pattern.app_name == "builder")] + [
        path("connectors/", include(([*builder_urls.urlpatterns, path(
            "import/openapi/", OpenAPIImportView.as_view(), name="openapi_import")], "builder")))]


@pytest.fixture
def import_url(settings):
    try:
        return reverse("builder:openapi_import")
    except NoReverseMatch:
        settings.ROOT_URLCONF = URLConfWithImportPage
        return reverse("builder:openapi_import")


def upload(name, content=None):
    return SimpleUploadedFile(name, sample(name) if content is None else content)


@pytest.mark.django_db
def test_only_builders_see_the_page(client, end_user, import_url):
    assert client.get(import_url).status_code == 302
    client.force_login(end_user)
    assert client.get(import_url).status_code == 403
    assert client.post(import_url, {"file": upload("resend-api.yaml")}).status_code == 403
    assert not Connector.objects.exists()


@pytest.mark.django_db
def test_upload_then_choose_creates_a_draft_and_opens_general(builder_client, import_url):
    assert builder_client.get(import_url).status_code == 200
    response = builder_client.post(import_url, {"file": upload("xero-identity.yaml")})
    assert response.status_code == 200
    assert 'value="BasicAuth"' in page(response) and 'value="OAuth2"' in page(response)
    document = response.context["scheme_form"]["document"].value()
    response = builder_client.post(import_url, {"document": document, "scheme": "OAuth2"})
    connector = Connector.objects.get()
    assert response.status_code == 302 and response.url == reverse("builder:general", args=[connector.pk])
    assert (connector.name, connector.auth_type, connector.stage) == (
        "Xero OAuth 2 Identity Service API", "oauth2", Stage.DRAFT)
    assert Scope.objects.filter(connector=connector).count() == 3
    assert connector.changes.get().action == "created"


@pytest.mark.django_db
def test_pasted_text_lists_refused_schemes_with_their_reasons(builder_client, import_url):
    response = builder_client.post(import_url, {"text": sample("overseerr-api.yaml").decode()})
    assert response.status_code == 200
    assert "Cookies are not supported as an API key location." in page(response)
    assert 'value="cookieAuth"' not in page(response)
    assert 'value="apiKey" id="id_scheme_1" checked' in page(response)  # the only choice, chosen


@pytest.mark.django_db
@pytest.mark.parametrize("data,field,message", [
    ({}, "file", "Upload an OpenAPI document or paste it below."),
    ({"text": '{"name": "x"}'}, "text", "not an OpenAPI 3.x or Swagger 2.0 document"),
    ({"text": "a: [1"}, "text", "neither JSON nor valid YAML"),
    ({"text": BILLION_LAUGHS}, "text", "possible YAML bomb"),
    ({"text": json.dumps(openapi3())}, "text", "declares no security schemes"),
    ({"file": "netlify-api.yaml"}, "file", "None of the document's security schemes can be imported"),
    ({"file": "resend-api.yaml", "text": "openapi: 3.0.0"}, "text", "Upload a file or paste a document, not both."),
])
def test_refused_documents_get_a_400_and_a_message_at_the_field(builder_client, import_url, data, field, message):
    if "file" in data:
        data = {**data, "file": upload(data["file"])}
    response = builder_client.post(import_url, data)
    assert response.status_code == 400
    assert message in field_error(response, field)
    assert not Connector.objects.exists()


@pytest.mark.django_db
def test_a_document_near_5_mb_goes_through_both_steps_with_browser_line_breaks(builder_client, import_url):
    lines = ["openapi: 3.0.0", "info: {title: Big}", "components:", "  securitySchemes:",
             "    b: {type: http, scheme: basic}", "x-padding:"] + [f"  - {'p' * 90}"] * 52_500
    text = "\r\n".join(lines)  # as a browser posts a textarea: 5.1 MB with CRLF, 4.9 MB as typed
    assert len(text) > openapi.MAX_DOCUMENT_BYTES > len(text.replace("\r\n", "\n"))
    response = builder_client.post(import_url, {"text": text})
    assert response.status_code == 200
    document = response.context["scheme_form"]["document"].value()
    assert len(document) < 1000  # the page carries what the import reads, not the padding
    response = builder_client.post(import_url, {"document": document, "scheme": "b"})
    assert response.status_code == 302 and Connector.objects.get().name == "Big"


@pytest.mark.django_db
def test_a_50_mb_upload_is_refused_before_it_is_read(builder_client, import_url):
    response = builder_client.post(import_url, {"file": upload("big.yaml", b"a" * 50_000_000)})
    assert response.status_code == 400
    assert "larger than 5 MB" in field_error(response, "file")
    assert response.context["upload_form"].refusal  # refused from the body's length, no field read


@pytest.mark.django_db
def test_a_file_just_over_5_mb_is_refused_by_its_size(builder_client, import_url):
    response = builder_client.post(import_url, {"file": upload("big.json", b" " * (openapi.MAX_DOCUMENT_BYTES + 1))})
    assert response.status_code == 400 and "larger than 5 MB" in field_error(response, "file")


@pytest.mark.django_db
def test_pasted_text_beyond_the_request_limit_is_refused_at_the_field(builder_client, import_url, settings):
    body = "text=" + "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = builder_client.post(import_url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "larger than 5 MB" in field_error(response, "file")


@pytest.mark.django_db
@pytest.mark.parametrize("scheme,message", [
    (None, "Choose the security scheme to import."),
    ("cookieAuth", "“cookieAuth” cannot be imported: cookies are not supported as an API key location."),
    ("nope", "Choose one of the document's security schemes."),
])
def test_choosing_no_or_a_refused_scheme_is_a_400_at_the_field(builder_client, import_url, scheme, message):
    data = {"document": sample("overseerr-api.yaml").decode(), **({"scheme": scheme} if scheme else {})}
    response = builder_client.post(import_url, data)
    assert response.status_code == 400 and message in field_error(response, "scheme")
    assert not Connector.objects.exists()


@pytest.mark.django_db
def test_a_tampered_document_in_step_two_is_refused(builder_client, import_url):
    response = builder_client.post(import_url, {"document": "{", "scheme": "x"})
    assert response.status_code == 400 and "not valid JSON" in field_error(response, "file")


@pytest.mark.django_db
def test_the_page_still_checks_csrf(client, builder_user, import_url):
    client.handler.enforce_csrf_checks = True
    client.force_login(builder_user)
    assert client.post(import_url, {"text": sample("resend-api.yaml").decode()}).status_code == 403
    token = client.get(import_url).context["csrf_token"]
    response = client.post(import_url, {"csrfmiddlewaretoken": str(token), "text": sample("resend-api.yaml").decode()})
    assert response.status_code == 200


@pytest.mark.django_db
def test_what_the_import_leaves_out_or_guesses_is_said_on_the_page_and_after_the_import(builder_client, import_url):
    from django.contrib.messages import get_messages

    spec = openapi3({"o": {"type": "oauth2", "flows": {"clientCredentials": {
        "tokenUrl": "https://auth.zylker.com/t", "scopes": {"read": "Read", "read write": "Both"}}}}},
        servers=[{"url": "https://{tenant}.zylker.com/v1", "variables": {"tenant": {"default": "acme"}}}])
    response = builder_client.post(import_url, {"text": json.dumps(spec)})
    html = page(response)
    assert "the Base URL is https://{tenant}.zylker.com/v1, and {tenant} is a connection variable" in html
    assert "1 scope left out (“read write”): a space separates scopes" in html
    document = response.context["scheme_form"]["document"].value()
    response = builder_client.post(import_url, {"document": document, "scheme": "o"})
    assert response.status_code == 302 and Connector.objects.get().scopes.count() == 1
    warnings = [str(message) for message in get_messages(response.wsgi_request) if message.level_tag == "warning"]
    assert len(warnings) == 2 and "connection variable" in warnings[0] and "1 scope left out" in warnings[1]
