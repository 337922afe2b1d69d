"""Connector documents: export (never a secret), round trips, the Export and Import pages, the commands."""

import base64
import json

import jsonschema
import pytest

from builder.documents import SECRET_IN_DOCUMENT, NotExportable, connector_document, document_json, import_document
from builder.models import Connector, ConnectorChange, Scope, Stage

from tests.builder.conftest import AUTH_TYPE_KEYS, CLIENT_SECRET, CONSUMER_SECRET, WITH_SECRETS, configure
from tests.builder.documents_helpers import SCOPE_ROWS, comparable, document, full_connector, with_config

pytestmark = pytest.mark.django_db


# --- export --------------------------------------------------------------------------------

@pytest.mark.parametrize("key", WITH_SECRETS)
def test_export_never_holds_a_secret(make_connector, key):
    connector = full_connector(make_connector, key)
    assert connector.secrets  # the canary is stored...
    text = document_json(connector_document(connector))
    for name, value in connector.secrets.items():
        assert value not in text and f'"{name}"' not in text  # ...and never exported, not even its name


def test_export_holds_every_section(make_connector):
    connector = full_connector(make_connector, "oauth2")
    body = connector_document(connector)["connector"]
    assert body["name"] == "Zylker CRM" and body["link_name"] == "zylker_crm"
    assert body["config"]["token_url"] == "https://api.example.com/oauth2/token"
    assert body["scopes"] == [{"name": name, "value": value} for name, value in SCOPE_ROWS]
    assert body["scope_delimiter"] == " "
    assert body["test_request"] == {"method": "HEAD", "url": "https://api.example.com/v1/me"}
    assert base64.b64decode(body["logo_png"]) == bytes(connector.logo)
    assert (body["category"], body["documentation_url"]) == ("CRM", "https://docs.example.com/api")


def test_export_json_is_sorted_and_indented_by_two(make_connector):
    text = document_json(connector_document(configure(make_connector(), "bearer")))
    value = json.loads(text)
    assert text == json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert text.startswith('{\n  "connector": {\n    "auth_type": "bearer"')


def test_export_of_a_connector_without_security_is_refused(make_connector):
    with pytest.raises(NotExportable, match="Choose an Authentication Type"):
        connector_document(make_connector())


def test_export_leaves_out_scopes_a_type_does_not_use(make_connector):
    connector = configure(make_connector(), "basic")
    Scope.objects.create(connector=connector, name="Left over", value="left")  # from an earlier OAuth setup
    assert connector_document(connector)["connector"]["scopes"] == []


def test_every_export_validates_against_the_schema(make_connector):
    from builder.document_format import _schema

    for index, key in enumerate(AUTH_TYPE_KEYS):
        connector = full_connector(make_connector, key, name=f"Zylker {index}")
        jsonschema.Draft202012Validator(_schema()).validate(connector_document(connector))


# --- round trips ---------------------------------------------------------------------------

@pytest.mark.parametrize("key", AUTH_TYPE_KEYS)
def test_round_trip_gives_the_same_connector_back(make_connector, builder_user, key):
    original = full_connector(make_connector, key)
    copy_ = import_document(document_json(connector_document(original)), user=builder_user)
    copy_.refresh_from_db()
    assert comparable(copy_) == comparable(original)
    assert copy_.pk != original.pk and copy_.link_name == "zylker_crm_2"
    assert copy_.stage == Stage.DRAFT and copy_.secrets == {} and copy_.builtin_key == ""
    assert copy_.created_by == builder_user
    change = copy_.changes.get()
    assert change.action == ConnectorChange.Action.CREATED and change.user == builder_user
    assert {"name", "link_name", "auth_type", "logo"} <= set(change.fields)


def test_import_accepts_a_dict_text_and_bytes(builder_user):
    for data in (document(), json.dumps(document()), json.dumps(document()).encode()):
        assert import_document(data, user=builder_user).auth_type == "oauth2"
    assert sorted(Connector.objects.values_list("link_name", flat=True)) == [
        "zylker_crm", "zylker_crm_2", "zylker_crm_3"]


def test_import_without_secrets_is_a_draft_that_asks_for_them():
    connector = import_document(document("oauth2"), user=None)
    assert connector.stage == Stage.DRAFT
    assert any("Client Secret" in problem for problem in connector.ready_problems())


def test_a_built_in_without_client_id_imports_and_the_admin_completes_it():
    connector = import_document(document("oauth2", config={
        "client_id": "", "authorization_url": "https://a.example.com/auth", "token_url": "https://a.example.com/t"}),
        user=None)
    assert connector.config["client_id"] == ""
    assert any("Client ID" in problem for problem in connector.ready_problems())


def test_import_fills_the_builders_defaults():
    connector = import_document(document("oauth2"), user=None)
    assert connector.config["bearer_name"] == "Bearer" and connector.config["pkce"] is True
    assert connector.config["expiry_seconds"] == 3600 and connector.config["grant_type"] == "authorization_code"
    basic = import_document(document("basic", name="Plain"), user=None)
    assert basic.config == {"username_name": "Username", "username_key": "username",
                            "password_name": "Password", "password_key": "password"}


def test_link_name_race_simulated_with_a_patched_check_retries(make_connector, monkeypatch):
    """Another import taking the link name between the check and the save cannot be timed for real."""
    from builder import services

    make_connector("Zylker CRM")
    calls, real = [], services.unique_link_name

    def first_check_misses(base, taken):  # as with a concurrent insert right after the check
        calls.append(base)
        return base if len(calls) == 1 else real(base, taken)

    monkeypatch.setattr(services, "unique_link_name", first_check_misses)
    assert import_document(document(), user=None).link_name == "zylker_crm_2"
    assert len(calls) == 2  # saved once in vain (the unique constraint refused it), then checked again


@pytest.mark.parametrize("given, expected", [
    ("zylker_crm", "zylker_crm"),           # free and valid: kept
    ("my_crm", "my_crm"),
    ("Not Valid!", "zylker_crm"),           # invalid: derived from the name
    ("", "zylker_crm"),
    (None, "zylker_crm"),
    ("x" * 51, "zylker_crm"),
])
def test_import_link_name(given, expected):
    assert import_document(document(link_name=given), user=None).link_name == expected


def test_import_link_name_taken_is_made_unique(make_connector):
    make_connector("Other", link_name="my_crm")
    make_connector("Other 2", link_name="my_crm_2")
    assert import_document(document(link_name="my_crm"), user=None).link_name == "my_crm_3"


def test_import_keeps_category_and_documentation_url_but_never_a_builtin_key_unless_given():
    doc = document(category="CRM", documentation_url="https://docs.example.com/")
    connector = import_document(doc, user=None)
    assert (connector.category, connector.documentation_url, connector.builtin_key) == (
        "CRM", "https://docs.example.com/", "")
    assert import_document(doc, user=None, builtin_key="zylker").builtin_key == "zylker"


# --- the Export and Import pages -----------------------------------------------------------

def documents_urlconf():
    """Return the site's URLs with the Export and Import pages in the builder's namespace.

    builder/urls.py is another engineer's file: the pages are added here when it lacks them.
    """
    from types import ModuleType

    from django.urls import URLResolver, include, path

    from builder import urls as builder_urls
    from builder.views import documents as views
    from connectors_site import urls as site_urls

    present = {pattern.name for pattern in builder_urls.urlpatterns}
    extra = [path("import/", views.ConnectorImportView.as_view(), name="connector_import"),
             path("<int:pk>/export/", views.ConnectorExportView.as_view(), name="connector_export")]
    builder_patterns = builder_urls.urlpatterns + [p for p in extra if p.name not in present]
    others = [p for p in site_urls.urlpatterns if not (isinstance(p, URLResolver) and p.app_name == "builder")]
    urlconf = ModuleType("documents_test_urls")  # hashable, unlike a SimpleNamespace: Django caches by it
    urlconf.urlpatterns = others + [path("connectors/", include((builder_patterns, "builder")))]
    return urlconf


@pytest.fixture
def pages(settings):
    settings.ROOT_URLCONF = documents_urlconf()


def export_url(connector):
    from django.urls import reverse

    return reverse("builder:connector_export", args=[connector.pk])


def import_url():
    from django.urls import reverse

    return reverse("builder:connector_import")


def upload(data, name="zylker.connector.json"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data if isinstance(data, bytes) else json.dumps(data).encode(),
                              content_type="application/json")


def test_export_page_downloads_the_document(pages, builder_client, make_connector):
    connector = full_connector(make_connector, "oauth2")
    response = builder_client.get(export_url(connector))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="zylker_crm.connector.json"'
    assert response.content.decode() == document_json(connector_document(connector))
    assert CLIENT_SECRET not in response.content.decode()


def test_export_page_without_security_sends_the_builder_there(pages, builder_client, make_connector):
    from django.urls import reverse

    connector = make_connector()
    response = builder_client.get(export_url(connector), follow=True)
    assert response.redirect_chain[-1][0] == reverse("builder:security", args=[connector.pk])
    assert "Choose an Authentication Type in Security before exporting" in response.content.decode()


def test_export_and_import_are_for_builders_only(pages, client, end_user, make_connector):
    connector = configure(make_connector(), "bearer")
    for url in (export_url(connector), import_url()):
        assert client.get(url).status_code == 302  # anonymous: to the login page
        assert client.post(url).status_code == 302
    client.force_login(end_user)
    for url in (export_url(connector), import_url()):
        assert client.get(url).status_code == 403
        assert client.post(url, {"text": json.dumps(document())}).status_code == 403
    assert Connector.objects.count() == 1


def test_import_page_opens(pages, builder_client):
    response = builder_client.get(import_url())
    assert response.status_code == 200
    assert 'type="file"' in response.content.decode() and "<textarea" in response.content.decode()


def test_import_an_uploaded_file_goes_to_the_new_drafts_general_page(pages, builder_client, make_connector):
    from django.urls import reverse

    original = full_connector(make_connector, "api_key")
    text = document_json(connector_document(original)).encode()
    response = builder_client.post(import_url(), {"file": upload(text)})
    imported = Connector.objects.exclude(pk=original.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("builder:general", args=[imported.pk])
    assert comparable(imported) == comparable(original) and imported.stage == Stage.DRAFT


def test_import_pasted_text(pages, builder_client):
    response = builder_client.post(import_url(), {"text": json.dumps(document("bearer"))})
    assert response.status_code == 302
    assert Connector.objects.get().auth_type == "bearer"


def test_import_problems_are_listed_next_to_their_json_path(pages, builder_client):
    from html import unescape

    doc = with_config("oauth2", token_url="ftp://example.com/token")
    doc["connector"]["scopes"] = [{"name": "A", "value": "read"}, {"name": "B", "value": "read"}]
    response = builder_client.post(import_url(), {"file": upload(doc)})
    assert response.status_code == 400 and not Connector.objects.exists()
    html = unescape(response.content.decode())
    assert "<td class=\"text-nowrap\"><code>$.connector.config.token_url</code></td><td>Enter an absolute URL" in html
    assert "<code>$.connector.scopes[1].value</code></td><td>Duplicate value" in html


def test_import_refusal_keeps_the_pasted_text_to_fix_it(pages, builder_client):
    text = json.dumps(document(name="Bad#Name"))
    response = builder_client.post(import_url(), {"text": text})
    assert response.status_code == 400
    assert "$.connector.name" in response.content.decode()
    assert "Bad#Name" in response.content.decode()  # still in the textarea


def test_import_never_shows_a_pasted_secret_back(pages, builder_client):
    response = builder_client.post(import_url(), {"text": json.dumps(with_config("oauth2",
                                                                                client_secret=CLIENT_SECRET))})
    assert response.status_code == 400 and SECRET_IN_DOCUMENT in response.content.decode()
    assert CLIENT_SECRET not in response.content.decode()


@pytest.mark.parametrize("data, words", [
    ({}, "Upload a connector document or paste its JSON."),
    ({"text": "{}", "file": "x"}, "not both"),
    ({"text": "not json"}, "This is not JSON"),
    ({"text": "[" * 100_000}, "nested more than"),
])
def test_import_refusals_are_400_never_500(pages, builder_client, data, words):
    if "file" in data:
        data = {**data, "file": upload(document())}
    response = builder_client.post(import_url(), data)
    assert response.status_code == 400 and words in response.content.decode()


def test_import_of_a_file_over_one_megabyte_is_refused_unread(pages, builder_client):
    response = builder_client.post(import_url(), {"file": upload(b" " * (1024 * 1024 + 1))})
    assert response.status_code == 400 and "larger than 1 MB" in response.content.decode()


@pytest.mark.parametrize("multipart", [False, True])
def test_import_of_a_paste_beyond_the_limit_gets_the_form_back_with_a_message(pages, builder_client, settings,
                                                                                multipart):
    from builder.views.documents import BODY_TOO_LARGE

    text = json.dumps(document(description="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)))
    if multipart:
        response = builder_client.post(import_url(), {"text": text})
    else:
        response = builder_client.post(import_url(), "text=" + text, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.context["form"].errors["text"] == [BODY_TOO_LARGE]
    assert "<textarea" in response.content.decode() and not Connector.objects.exists()


def test_import_page_still_checks_the_csrf_token(pages, builder_client):
    builder_client.handler.enforce_csrf_checks = True
    response = builder_client.post(import_url(), {"text": json.dumps(document())})
    assert response.status_code == 403 and not Connector.objects.exists()


# --- the commands --------------------------------------------------------------------------

def test_export_command_writes_stdout_or_a_file(make_connector, tmp_path, capsys):
    from django.core.management import call_command

    connector = full_connector(make_connector, "oauth1")
    call_command("export_connector", "zylker_crm")
    assert capsys.readouterr().out == document_json(connector_document(connector))
    call_command("export_connector", "zylker_crm", output=str(tmp_path / "out.json"))
    assert (tmp_path / "out.json").read_text() == document_json(connector_document(connector))
    assert CONSUMER_SECRET not in (tmp_path / "out.json").read_text()


@pytest.mark.parametrize("setup, words", [("none", "No connector has the link name"),
                                          ("no security", "Choose an Authentication Type")])
def test_export_command_refusals(make_connector, setup, words):
    from django.core.management import CommandError, call_command

    if setup == "no security":
        make_connector()
    with pytest.raises(CommandError, match=words):
        call_command("export_connector", "zylker_crm")


def test_import_command_round_trip(make_connector, builder_user, tmp_path, capsys):
    from django.core.management import call_command

    original = full_connector(make_connector, "aws_sigv4")
    path = tmp_path / "zylker.json"
    path.write_text(document_json(connector_document(original)))
    call_command("import_connector", str(path), user="builder")
    imported = Connector.objects.get(link_name="zylker_crm_2")
    assert comparable(imported) == comparable(original) and imported.created_by == builder_user
    assert "Imported “Zylker CRM” as zylker_crm_2" in capsys.readouterr().out


@pytest.mark.parametrize("content, options, words", [
    (json.dumps(with_config("oauth2", token_url="ftp://x")), {}, "$.connector.config.token_url: Enter an absolute"),
    (json.dumps(document()), {"user": "nobody"}, "No user is named 'nobody'"),
    (json.dumps(document()), {"scheme": "oauth"}, "--scheme applies to OpenAPI documents only"),
    (None, {}, "Cannot read"),
])
def test_import_command_refusals(tmp_path, content, options, words):
    from django.core.management import CommandError, call_command

    path = tmp_path / "doc.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(CommandError) as caught:
        call_command("import_connector", str(path), **options)
    assert words in str(caught.value)
    assert not Connector.objects.exists()


@pytest.mark.parametrize("head, filler, words", [
    (b"openapi: 3.0.3\ninfo: {title: Big}\nx-filler: ", b"a", "is 6.0 MB; an OpenAPI document may be at most 5 MB."),
    (b'{"openapi": "3.0.3", "x-filler": "', b"a", "is 6.0 MB; an OpenAPI document may be at most 5 MB."),
    (b'{"format": "custom-connectors.connector", "x": "', b"a", "a connector document may be at most 1 MB."),
    (b"", b"a", "a connector document may be at most 1 MB, an OpenAPI document 5 MB."),
])
def test_import_command_names_the_limit_of_the_kind_of_file_too_large_to_read(tmp_path, head, filler, words):
    from django.core.management import CommandError, call_command

    path = tmp_path / "big"
    path.write_bytes(head + filler * (6_000_000 - len(head)))
    with pytest.raises(CommandError) as caught:
        call_command("import_connector", str(path))
    assert str(caught.value).startswith(f"{path} is 6.0 MB; ") and str(caught.value).endswith(words)


def test_import_command_names_the_connector_document_limit_below_the_openapi_one(tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "doc.json"
    doc = document(description="x")
    doc["connector"]["x-filler"] = "a" * 2_000_000
    path.write_text(json.dumps(doc))
    with pytest.raises(CommandError, match=r"\$: The document is 1.9 MB; the limit is 1 MB."):
        call_command("import_connector", str(path))


OPENAPI_YAML = """\
openapi: 3.0.3
info: {title: Zylker Notes, version: "1.0"}
servers: [{url: "https://api.zylker.example/v1"}]
components:
  securitySchemes:
    apiKey: {type: apiKey, in: header, name: X-API-Key}
    token: {type: http, scheme: bearer}
paths: {}
"""


def test_import_command_hands_openapi_documents_to_the_openapi_importer(tmp_path, capsys):
    from django.core.management import CommandError, call_command

    from builder.management.commands.import_connector import is_openapi

    path = tmp_path / "openapi.yaml"
    path.write_text(OPENAPI_YAML)
    assert is_openapi(OPENAPI_YAML.encode()) and is_openapi(b'{"swagger": "2.0"}')
    assert not is_openapi(json.dumps(document()).encode())
    pytest.importorskip("builder.openapi")
    with pytest.raises(CommandError, match="--scheme"):  # two schemes: the command asks for one
        call_command("import_connector", str(path))
    call_command("import_connector", str(path), scheme="apiKey")
    assert Connector.objects.get().auth_type == "api_key"
    # api.zylker.example is a reserved name: the command says that the Base URL is a placeholder.
    assert "Note: The document's server URL https://api.zylker.example/v1 has a placeholder host" in \
        capsys.readouterr().out
