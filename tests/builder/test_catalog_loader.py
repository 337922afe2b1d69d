"""The built-in catalog loader: install, update, leave alone; all or nothing; the real catalog validates."""

import base64
import json

import pytest
from django.core.management import CommandError, call_command

from builder.catalog import CATALOG_DIR, CatalogInvalid, catalog_files, load_builtin_connectors, read_catalog
from builder.documents import FORMAT
from builder.models import Connector, ConnectorChange, Scope, Stage

from tests.builder.conftest import image_bytes

pytestmark = pytest.mark.django_db


def entry(auth_type, config, **fields):
    connector = {"name": fields.pop("name", "Service"), "auth_type": auth_type, "config": config,
                 "category": "CRM", "documentation_url": "https://docs.example.com/api", **fields}
    return {"format": FORMAT, "version": 1, "connector": connector}


FIXTURES = {
    "zylker": entry("api_key", {"parameters": [{"name": "API Key", "key": "X-API-Key", "location": "header"}]},
                    name="Zylker", test_request={"method": "GET", "url": "https://api.zylker.example/v1/me"},
                    logo_png=base64.b64encode(image_bytes()).decode()),
    "acme_mail": entry("oauth2", {"client_id": "", "authorization_url": "https://acme.example/oauth/authorize",
                                  "token_url": "https://acme.example/oauth/token"},
                       name="Acme Mail", category="Email", scope_delimiter=" ",
                       scopes=[{"name": "Read mail", "value": "mail.read"}, {"name": "Send", "value": "mail.send"}]),
    "simple_auth": entry("basic", {}, name="Simple Auth"),
}


def write(directory, files):
    for key, document in files.items():
        (directory / f"{key}.json").write_text(json.dumps(document, indent=2))
    return directory


@pytest.fixture
def catalog(tmp_path):
    return write(tmp_path, FIXTURES)


def state():
    """Return everything the loader may change, to compare before and after."""
    return (list(Connector.objects.order_by("pk").values()), list(Scope.objects.order_by("pk").values()),
            ConnectorChange.objects.count())


def test_load_installs_each_file_with_its_key(catalog):
    result = load_builtin_connectors(catalog)
    assert str(result) == "installed 3, updated 0, unchanged 0"
    zylker = Connector.objects.get(builtin_key="zylker")
    assert (zylker.name, zylker.link_name, zylker.category) == ("Zylker", "zylker", "CRM")
    assert zylker.documentation_url == "https://docs.example.com/api"
    assert zylker.test_url == "https://api.zylker.example/v1/me" and zylker.logo_hash
    mail = Connector.objects.get(builtin_key="acme_mail")
    assert list(mail.scopes.values_list("value", flat=True).order_by("pk")) == ["mail.read", "mail.send"]
    assert mail.scope_delimiter == " " and mail.created_by is None
    assert mail.changes.get().action == ConnectorChange.Action.CREATED


def test_stage_is_ready_only_when_no_admin_secret_is_needed(catalog):
    load_builtin_connectors(catalog)
    stages = dict(Connector.objects.values_list("builtin_key", "stage"))
    assert stages == {"zylker": Stage.READY, "simple_auth": Stage.READY, "acme_mail": Stage.DRAFT}


def test_loading_twice_changes_nothing(catalog):
    load_builtin_connectors(catalog)
    before = state()
    assert str(load_builtin_connectors(catalog)) == "installed 0, updated 0, unchanged 3"
    assert state() == before


def test_a_changed_file_updates_the_built_in_in_place(catalog):
    load_builtin_connectors(catalog)
    mail = Connector.objects.get(builtin_key="acme_mail")
    changed = json.loads(json.dumps(FIXTURES["acme_mail"]))
    changed["connector"].update(name="Acme Mail 2", link_name="ignored_on_update",
                                scopes=[{"name": "Read mail", "value": "mail.read"}])
    changed["connector"]["config"]["token_url"] = "https://acme.example/oauth2/token"
    write(catalog, {"acme_mail": changed})
    result = load_builtin_connectors(catalog)
    assert (result.installed, result.updated, sorted(result.unchanged)) == ([], ["acme_mail"], ["simple_auth", "zylker"])
    updated = Connector.objects.get(builtin_key="acme_mail")
    assert updated.pk == mail.pk and updated.link_name == mail.link_name
    assert updated.name == "Acme Mail 2" and updated.config["token_url"] == "https://acme.example/oauth2/token"
    assert list(updated.scopes.values_list("value", flat=True)) == ["mail.read"]
    actions = set(updated.changes.values_list("action", flat=True))
    assert actions == {ConnectorChange.Action.CREATED, ConnectorChange.Action.GENERAL,
                       ConnectorChange.Action.SECURITY, ConnectorChange.Action.SCOPES}
    assert str(load_builtin_connectors(catalog)) == "installed 0, updated 0, unchanged 3"


def test_a_built_in_that_now_needs_a_secret_goes_back_to_draft(catalog):
    load_builtin_connectors(catalog)
    write(catalog, {"zylker": entry("oauth2", {"client_id": "", "token_url": "https://z.example/token",
                                               "authorization_url": "https://z.example/auth"}, name="Zylker")})
    load_builtin_connectors(catalog)
    zylker = Connector.objects.get(builtin_key="zylker")
    assert zylker.stage == Stage.DRAFT and zylker.auth_type == "oauth2" and not zylker.logo


def test_an_edited_built_in_is_left_alone_and_a_pristine_one_installed(catalog):
    load_builtin_connectors(catalog)
    edited = Connector.objects.get(builtin_key="zylker")
    edited.builtin_key, edited.name = "", "My Zylker"  # what editing it in the builder does
    edited.save()
    result = load_builtin_connectors(catalog)
    assert result.installed == ["zylker"]
    edited.refresh_from_db()
    assert edited.name == "My Zylker" and edited.builtin_key == ""
    assert Connector.objects.get(builtin_key="zylker").link_name == "zylker_2"


def test_an_invalid_file_stops_the_whole_load_and_every_problem_is_reported(catalog):
    bad = entry("oauth2", {"client_id": "", "token_url": "ftp://acme.example/token"}, name="Bad#Name")
    del bad["connector"]["category"]
    write(catalog, {"broken": bad, "also_broken": {"format": FORMAT, "version": 3}})
    (catalog / "notes.txt").write_text("not a catalog file")
    with pytest.raises(CatalogInvalid) as caught:
        load_builtin_connectors(catalog)
    assert ("broken.json", "$.connector.category", "This field is required.") in caught.value.problems
    assert any(name == "also_broken.json" and path == "$.version" for name, path, _ in caught.value.problems)
    assert not Connector.objects.exists()  # the valid files were not loaded either


def test_form_problems_name_the_file_and_the_path(catalog):
    write(catalog, {"broken": entry("oauth2", {"client_id": "", "token_url": "ftp://acme.example/token",
                                               "authorization_url": "https://acme.example/auth"})})
    with pytest.raises(CatalogInvalid) as caught:
        read_catalog(catalog)
    assert [(name, path) for name, path, _ in caught.value.problems] == [("broken.json", "$.connector.config.token_url")]


def test_a_file_name_that_is_not_a_key_is_refused(tmp_path):
    write(tmp_path, {"simple-auth": FIXTURES["zylker"]})
    with pytest.raises(CatalogInvalid) as caught:
        read_catalog(tmp_path)
    assert caught.value.problems[0][:2] == ("simple-auth.json", "$")


def test_a_file_over_one_megabyte_is_refused(tmp_path):
    (tmp_path / "huge.json").write_text(" " * (1024 * 1024 + 10))
    with pytest.raises(CatalogInvalid, match="the limit is 1 MB"):
        read_catalog(tmp_path)


def test_a_missing_or_empty_directory_loads_nothing(tmp_path):
    assert str(load_builtin_connectors(tmp_path / "absent")) == "installed 0, updated 0, unchanged 0"
    assert str(load_builtin_connectors(tmp_path)) == "installed 0, updated 0, unchanged 0"


def test_the_command_reports_the_counts(catalog, capsys):
    call_command("load_builtin_connectors", directory=str(catalog))
    assert "Built-in connectors: installed 3, updated 0, unchanged 0." in capsys.readouterr().out
    call_command("load_builtin_connectors", directory=str(catalog))
    assert "installed 0, updated 0, unchanged 3" in capsys.readouterr().out


def test_the_command_lists_problems_with_file_and_path(catalog):
    write(catalog, {"broken": entry("bearer", {"token_prefix": "two words"})})
    with pytest.raises(CommandError) as caught:
        call_command("load_builtin_connectors", directory=str(catalog))
    assert "broken.json $.connector.config.token_prefix: Use one word" in str(caught.value)
    assert not Connector.objects.exists()


def test_the_real_catalog_validates_and_loads():
    files = catalog_files(CATALOG_DIR)
    if not files:
        pytest.skip("builder/catalog holds no files yet")
    try:
        prepared = read_catalog(CATALOG_DIR)
    except CatalogInvalid as error:
        pytest.fail("The built-in catalog has problems:\n" + str(error))
    assert set(prepared) == {path.stem for path in files}
    result = load_builtin_connectors(CATALOG_DIR)
    assert len(result.installed) == len(files)
    assert str(load_builtin_connectors(CATALOG_DIR)) == f"installed 0, updated 0, unchanged {len(files)}"
