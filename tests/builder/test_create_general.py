"""Create New Custom Connector and the General section: the help page's name rules, link names, logos."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from builder.models import Connector, ConnectorChange

from tests.builder.conftest import bomb_png, field_error, image_bytes

pytestmark = pytest.mark.django_db

CREATE = reverse("builder:connector_create")
NAME_SPECIALS = list("*_-@/!:|&~\\+")
NAME_REFUSED = list("#$%^=[]{};'\"<>?,.`")
DESCRIPTION_SPECIALS = list(",.()-_*@/\\!:|~&")
DESCRIPTION_REFUSED = list("+#$%^=[]{};'\"<>?`")


def create(client, name, description=""):
    return client.post(CREATE, {"name": name, "description": description})


def general_data(connector, **changes):
    data = {"name": connector.name, "link_name": connector.link_name, "description": connector.description}
    return {**data, **changes}


def logo_upload(data, name="logo.png"):
    return SimpleUploadedFile(name, data, content_type="image/png")


# Create New Custom Connector


def test_create_page_offers_the_two_fields(builder_client):
    response = builder_client.get(CREATE, {"name": "Searched text"})
    assert response.status_code == 200
    assert 'name="name"' in response.content.decode() and 'value="Searched text"' in response.content.decode()
    assert "Create Custom Connector" in response.content.decode()


def test_create_redirects_to_general_and_records_who(builder_client, builder_user):
    response = create(builder_client, "Zylker CRM", "The CRM (v2), with tokens & more.")
    connector = Connector.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("builder:general", args=[connector.pk])
    assert (connector.name, connector.link_name, connector.stage) == ("Zylker CRM", "zylker_crm", "draft")
    assert connector.created_by == builder_user
    change = connector.changes.get()
    assert (change.user, change.action) == (builder_user, ConnectorChange.Action.CREATED)


@pytest.mark.parametrize("length", [1, 49, 50])
def test_name_length_accepted(builder_client, length):
    assert create(builder_client, "N" * length).status_code == 302
    assert Connector.objects.get().name == "N" * length


def test_name_of_51_characters_refused(builder_client):
    response = create(builder_client, "N" * 51)
    assert response.status_code == 400
    assert "at most 50 characters" in field_error(response, "name")
    assert not Connector.objects.exists()


def test_name_is_required(builder_client):
    response = create(builder_client, "   ")
    assert response.status_code == 400
    assert "required" in field_error(response, "name")
    assert not Connector.objects.exists()


@pytest.mark.parametrize("special", NAME_SPECIALS)
def test_name_allows_each_special_inside(builder_client, special):
    assert create(builder_client, f"Zylker {special} CRM").status_code == 302
    assert Connector.objects.get().name == f"Zylker {special} CRM"


@pytest.mark.parametrize("special", NAME_REFUSED)
def test_name_refuses_other_specials(builder_client, special):
    response = create(builder_client, f"Zylker{special}CRM")
    assert response.status_code == 400
    assert "only these special characters" in field_error(response, "name")
    assert not Connector.objects.exists()


@pytest.mark.parametrize("special", [s for s in NAME_SPECIALS if s != "_"])
def test_name_cannot_start_with_a_special(builder_client, special):
    response = create(builder_client, f"{special}Zylker")
    assert response.status_code == 400
    assert "Start with a letter, a digit or _" in field_error(response, "name")
    assert not Connector.objects.exists()


@pytest.mark.parametrize("name", ["_Zylker", "9 Lives", "Zylker"])
def test_name_starts_with_letter_digit_or_underscore(builder_client, name):
    assert create(builder_client, name).status_code == 302


@pytest.mark.parametrize("length", [0, 254, 255])
def test_description_length_accepted(builder_client, length):
    assert create(builder_client, "Zylker", "d" * length).status_code == 302
    assert Connector.objects.get().description == "d" * length


def test_description_of_256_characters_refused(builder_client):
    response = create(builder_client, "Zylker", "d" * 256)
    assert response.status_code == 400
    assert "at most 255 characters" in field_error(response, "description")
    assert not Connector.objects.exists()


@pytest.mark.parametrize("special", DESCRIPTION_SPECIALS)
def test_description_allows_each_special(builder_client, special):
    assert create(builder_client, "Zylker", f"{special}The CRM{special}").status_code == 302


@pytest.mark.parametrize("special", DESCRIPTION_REFUSED)
def test_description_refuses_other_specials(builder_client, special):
    response = create(builder_client, "Zylker", f"The CRM {special} API")
    assert response.status_code == 400
    assert "only these special characters" in field_error(response, "description")
    assert field_error(response, "name") == ""
    assert not Connector.objects.exists()


@pytest.mark.parametrize("name, link_name", [
    ("Zylker CRM", "zylker_crm"),
    ("Zylker -- CRM / v2!", "zylker_crm_v2"),
    ("9 Lives", "c_9_lives"),
    ("_private", "private"),
    ("Crème brûlée", "creme_brulee"),
    ("A" * 50, "a" * 50),
])
def test_link_name_is_derived_from_the_name(builder_client, name, link_name):
    create(builder_client, name)
    assert Connector.objects.get().link_name == link_name


def test_link_name_gets_a_suffix_when_taken(builder_client):
    for _ in range(3):
        assert create(builder_client, "Zylker CRM").status_code == 302
    assert sorted(Connector.objects.values_list("link_name", flat=True)) == [
        "zylker_crm", "zylker_crm_2", "zylker_crm_3"]


def test_suffixed_link_name_stays_within_50_characters(builder_client):
    create(builder_client, "A" * 50)
    create(builder_client, "A" * 50)
    assert Connector.objects.filter(link_name="a" * 48 + "_2").exists()


# General


def test_general_shows_the_stored_fields(builder_client, make_connector):
    connector = make_connector("Zylker CRM", description="The CRM")
    response = builder_client.get(reverse("builder:general", args=[connector.pk]))
    assert response.status_code == 200
    for text in ('value="Zylker CRM"', 'value="zylker_crm"', "The CRM", "Save &amp; Continue"):
        assert text in response.content.decode()


def test_general_save_and_continue_goes_to_security(builder_client, builder_user, make_connector):
    connector = make_connector("Zylker CRM")
    data = general_data(connector, name="Zylker Desk", link_name="zylker_desk", description="Help desk")
    response = builder_client.post(reverse("builder:general", args=[connector.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("builder:security", args=[connector.pk])
    connector.refresh_from_db()
    assert (connector.name, connector.link_name, connector.description) == ("Zylker Desk", "zylker_desk", "Help desk")
    change = connector.changes.get()
    assert (change.user, change.action) == (builder_user, "general")
    assert change.fields == ["description", "link_name", "name"]


@pytest.mark.parametrize("link_name, message", [
    ("Zylker", "lowercase letters"),
    ("9zylker", "starting with a letter"),
    ("_zylker", "starting with a letter"),
    ("zylker-crm", "lowercase letters"),
    ("zylker crm", "lowercase letters"),
    ("z" * 51, "at most 50 characters"),
    ("", "required"),
    ("taken_name", "already exists"),
])
def test_general_refuses_bad_link_names_and_keeps_the_stored_ones(builder_client, make_connector, link_name, message):
    make_connector("Taken name")
    connector = make_connector("Zylker CRM")
    response = builder_client.post(
        reverse("builder:general", args=[connector.pk]), general_data(connector, name="Renamed", link_name=link_name)
    )
    assert response.status_code == 400
    assert message in field_error(response, "link_name")
    connector.refresh_from_db()
    assert (connector.name, connector.link_name) == ("Zylker CRM", "zylker_crm")
    assert not connector.changes.exists()


def test_general_accepts_a_50_character_link_name(builder_client, make_connector):
    connector = make_connector()
    data = general_data(connector, link_name="z" * 50)
    assert builder_client.post(reverse("builder:general", args=[connector.pk]), data).status_code == 302


def test_general_applies_the_name_rules(builder_client, make_connector):
    connector = make_connector()
    response = builder_client.post(reverse("builder:general", args=[connector.pk]),
                                   general_data(connector, name="#Zylker", description="a+b"))
    assert response.status_code == 400
    assert "only these special characters" in field_error(response, "name")
    assert "only these special characters" in field_error(response, "description")


def test_logo_upload_becomes_a_square_png_served_with_an_etag(builder_client, make_connector):
    connector = make_connector()
    data = general_data(connector, logo_file=logo_upload(image_bytes("JPEG"), "logo.jpg"))
    assert builder_client.post(reverse("builder:general", args=[connector.pk]), data).status_code == 302
    connector.refresh_from_db()
    assert connector.changes.get().fields == ["logo"]
    logo_url = reverse("builder:logo", args=[connector.pk])
    response = builder_client.get(logo_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("PNG", (256, 256))
    assert response["ETag"] == f'"{connector.logo_hash}"'
    cached = builder_client.get(logo_url, headers={"If-None-Match": response["ETag"]})
    assert cached.status_code == 304 and cached.content == b""
    assert logo_url in builder_client.get(reverse("builder:general", args=[connector.pk])).content.decode()


@pytest.mark.parametrize("header, status", [
    ('"{hash}"', 304),
    ('W/"{hash}"', 304),
    ('"older", "{hash}"', 304),
    ("*", 304),
    ('"older"', 200),
])
def test_logo_honours_every_form_of_if_none_match(builder_client, make_connector, header, status):
    connector = make_connector()
    connector.set_logo(image_bytes())
    connector.save()
    response = builder_client.get(reverse("builder:logo", args=[connector.pk]),
                                  headers={"If-None-Match": header.format(hash=connector.logo_hash)})
    assert response.status_code == status
    assert response["ETag"] == f'"{connector.logo_hash}"'


def test_logo_can_be_removed(builder_client, make_connector):
    connector = make_connector()
    connector.set_logo(image_bytes())
    connector.save()
    data = general_data(connector, remove_logo="on")
    assert builder_client.post(reverse("builder:general", args=[connector.pk]), data).status_code == 302
    assert builder_client.get(reverse("builder:logo", args=[connector.pk])).status_code == 404


@pytest.mark.parametrize("content, name, message", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.svg", "cannot end in .svg"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.png", "Upload a PNG, JPEG or WebP image"),
    (image_bytes("GIF"), "logo.png", "looks like GIF"),
    (b"\0" * (1024 * 1024 + 1), "logo.png", "the limit is 1 MB"),
    (bomb_png(), "logo.png", "decompression bomb"),
])
def test_bad_logo_refused_and_nothing_saved_is_lost(builder_client, make_connector, content, name, message):
    connector = make_connector("Zylker CRM", description="Kept")
    connector.set_logo(image_bytes())
    connector.save()
    saved_hash = connector.logo_hash
    data = general_data(connector, name="Renamed", description="Changed", logo_file=logo_upload(content, name))
    response = builder_client.post(reverse("builder:general", args=[connector.pk]), data)
    assert response.status_code == 400
    assert message in field_error(response, "logo_file")
    assert field_error(response, "name") == ""
    connector.refresh_from_db()
    assert (connector.name, connector.description, connector.logo_hash) == ("Zylker CRM", "Kept", saved_hash)
    assert bytes(connector.logo) == image_bytes()
    assert not connector.changes.exists()
    # The page around the refused form still shows the saved connector.
    assert "<h1 class=\"h4 mb-1\">Zylker CRM</h1>" in response.content.decode()
