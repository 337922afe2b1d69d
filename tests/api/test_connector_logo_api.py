"""A connector's logo through /api/v1: upload, replace, download, remove; every refusal is a problem and keeps
the logo there was. The builder's pipeline (builder.logo) checks and re-encodes each upload."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from api.scopes import Scope
from builder.logo import MAX_LOGO_BYTES, THUMBNAIL_SIDE
from builder.models import ConnectorChange
from tests.builder.conftest import bomb_png, image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_as, builder_user):
    return api_as(builder_user)


@pytest.fixture
def connector(make_connector):
    return make_connector("Logo owner")


def upload(api, connector, content, name="logo.png", content_type="image/png"):
    return api.client.post(f"/api/v1/connectors/{connector.pk}/logo",
                           {"file": SimpleUploadedFile(name, content, content_type)}, headers=api.headers)


def fetch(api, url):
    return api.client.get(url.split("testserver", 1)[1], headers=api.headers)


@pytest.mark.parametrize("fmt, name", [("PNG", "logo.png"), ("JPEG", "logo.jpg"), ("WEBP", "logo.webp")])
def test_a_builder_uploads_replaces_downloads_and_removes_the_logo(api, connector, fmt, name):
    response = upload(api, connector, image_bytes(fmt, size=(300, 120)), name, f"image/{fmt.lower()}")
    assert response.status_code == 200, response.content
    first_url = response.json()["logo_url"]
    assert first_url.startswith(f"http://testserver/api/v1/connectors/{connector.pk}/logo?v=")
    assert api.get(f"connectors/{connector.pk}").json()["logo_url"] == first_url
    assert api.get("connectors").json()["results"][0]["logo_url"] == first_url

    served = fetch(api, first_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(served.content))
    assert image.format == "PNG" and image.size == (THUMBNAIL_SIDE, THUMBNAIL_SIDE)  # re-encoded, square
    connector.refresh_from_db()
    assert bytes(connector.logo) == served.content
    assert ConnectorChange.objects.filter(connector=connector, action="general", fields=["logo"]).count() == 1

    replaced = upload(api, connector, image_bytes("PNG", color=(0, 90, 200)))
    assert replaced.status_code == 200 and replaced.json()["logo_url"] != first_url
    assert fetch(api, replaced.json()["logo_url"]).content != served.content

    removed = api.delete(f"connectors/{connector.pk}/logo")
    assert removed.status_code == 200 and removed.json()["logo_url"] is None
    assert api.get(f"connectors/{connector.pk}/logo").status_code == 404
    assert api.delete(f"connectors/{connector.pk}/logo").status_code == 200  # nothing to remove: still fine
    assert ConnectorChange.objects.filter(connector=connector, fields=["logo"]).count() == 3


def test_the_page_shows_the_logo_uploaded_through_the_api(api, connector, builder_client):
    upload(api, connector, image_bytes())
    connector.refresh_from_db()
    page_logo = builder_client.get(reverse("builder:logo", args=[connector.pk]))
    assert page_logo.status_code == 200 and page_logo.content == bytes(connector.logo)


def test_another_builders_connector_per_the_usual_rules(api_as, make_user, connector, end_user):
    other_builder = api_as(make_user("builder-two", builder=True))
    assert upload(other_builder, connector, image_bytes()).status_code == 200
    reader = api_as(make_user("builder-three", builder=True), scopes=[Scope.CONNECTORS_READ])
    assert reader.get(f"connectors/{connector.pk}/logo").status_code == 200
    refused = upload(reader, connector, image_bytes("JPEG"), "x.jpg", "image/jpeg")
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
    assert reader.delete(f"connectors/{connector.pk}/logo").status_code == 403
    not_a_builder = api_as(end_user)
    assert upload(not_a_builder, connector, image_bytes()).status_code == 403
    assert not_a_builder.get(f"connectors/{connector.pk}/logo").status_code == 403
    assert upload(other_builder, type(connector)(pk=999_999), image_bytes()).status_code == 404


def too_large_png():
    return image_bytes()[:-12] + b"\0" * MAX_LOGO_BYTES  # a PNG start, then more than 1 MB


REFUSALS = [
    pytest.param(b"just some words, not a picture", "logo.png", 415, "Upload a PNG, JPEG or WebP image", id="text"),
    pytest.param(image_bytes("GIF"), "logo.png", 415, "looks like GIF", id="gif"),
    pytest.param(image_bytes("BMP"), "logo.bmp", 415, "cannot end in .bmp", id="bmp-extension"),
    pytest.param(image_bytes(), "logo.svg", 415, "cannot end in .svg", id="svg-extension"),
    pytest.param(too_large_png(), "logo.png", 413, "the limit is 1 MB", id="too-large"),
    pytest.param(image_bytes(size=(5000, 10)), "logo.png", 400, "5000x10 pixels", id="too-wide"),
    pytest.param(bomb_png(), "logo.png", 400, "decompression bomb", id="bomb"),
    pytest.param(b"", "logo.png", 415, "Upload a PNG, JPEG or WebP image", id="empty"),
]


@pytest.mark.parametrize("content, name, status, words", REFUSALS)
def test_every_bad_upload_is_a_problem_and_keeps_the_logo(api, connector, content, name, status, words):
    assert upload(api, connector, image_bytes()).status_code == 200
    connector.refresh_from_db()
    kept = bytes(connector.logo)

    response = upload(api, connector, content, name)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and words in problem["detail"]
    assert problem["errors"] == [{"detail": problem["detail"], "pointer": "/file"}]
    connector.refresh_from_db()
    assert bytes(connector.logo) == kept
    assert ConnectorChange.objects.filter(connector=connector, fields=["logo"]).count() == 1


def test_an_upload_without_a_file_is_refused(api, connector):
    url = f"/api/v1/connectors/{connector.pk}/logo"
    other_field = {"other": SimpleUploadedFile("logo.png", image_bytes(), "image/png")}
    for response in (api.client.post(url, {}, headers=api.headers),
                     api.client.post(url, other_field, headers=api.headers),
                     api.post(url, {"file": "aGVsbG8="})):  # JSON, not multipart
        assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"]
    connector.refresh_from_db()
    assert connector.logo is None
