"""OAuth Scopes: add rows, refuse duplicates, edit, delete, bulk delete, search, the delimiter."""

import pytest
from django.urls import reverse

from builder.models import Scope

from tests.builder.conftest import AUTH_TYPE_KEYS, SCOPED_KEYS, configure, field_error, page

pytestmark = pytest.mark.django_db


def scopes_url(connector):
    return reverse("builder:scopes", args=[connector.pk])


def add_data(*rows):
    """Return the +Add Scope POST for (name, value) rows, with one blank row as the page leaves it."""
    data = {"action": "add", "scopes-TOTAL_FORMS": str(len(rows) + 1), "scopes-INITIAL_FORMS": "0"}
    for index, (name, value) in enumerate(rows):
        data[f"scopes-{index}-name"], data[f"scopes-{index}-value"] = name, value
    return data


def values(connector):
    return sorted(connector.scopes.values_list("value", flat=True))


@pytest.fixture
def scoped(oauth2_connector):
    for name, value in [("Read contacts", "contacts.read"), ("Write contacts", "contacts.write"),
                        ("Read deals", "deals.read")]:
        Scope.objects.create(connector=oauth2_connector, name=name, value=value)
    return oauth2_connector


@pytest.mark.parametrize("key", SCOPED_KEYS)
def test_scopes_page_opens_for_oauth_connectors(builder_client, make_connector, key):
    connector = configure(make_connector(), key)
    response = builder_client.get(scopes_url(connector))
    assert response.status_code == 200
    assert "We strongly recommend adding scopes" in page(response)
    assert 'name="scopes-TOTAL_FORMS"' in page(response)


@pytest.mark.parametrize("key", [key for key in AUTH_TYPE_KEYS if key not in SCOPED_KEYS] + [""])
def test_scopes_are_404_for_other_connectors(builder_client, make_connector, key):
    connector = configure(make_connector(), key) if key else make_connector()
    scope = Scope.objects.create(connector=connector, name="Left over", value="left")
    assert builder_client.get(scopes_url(connector)).status_code == 404
    assert builder_client.post(scopes_url(connector), add_data(("A", "a"))).status_code == 404
    assert builder_client.get(reverse("builder:scope_edit", args=[connector.pk, scope.pk])).status_code == 404
    assert builder_client.post(reverse("builder:scope_delete", args=[connector.pk, scope.pk])).status_code == 404
    assert Scope.objects.filter(pk=scope.pk).exists()


def test_add_one_scope(builder_client, builder_user, oauth2_connector):
    response = builder_client.post(scopes_url(oauth2_connector), add_data(("Read contacts", "contacts.read")))
    assert response.status_code == 302 and response["Location"] == scopes_url(oauth2_connector)
    scope = oauth2_connector.scopes.get()
    assert (scope.name, scope.value) == ("Read contacts", "contacts.read")
    change = oauth2_connector.changes.get()
    assert (change.user, change.action, change.fields) == (builder_user, "scopes", ["scopes"])
    listing = builder_client.get(scopes_url(oauth2_connector))
    assert "<code>contacts.read</code>" in page(listing)
    assert "We strongly recommend adding scopes" not in page(listing)


def test_add_several_scopes_at_once(builder_client, oauth2_connector):
    rows = [("Read", "read"), ("Write", "write"), ("Admin", "https://example.com/auth/admin")]
    response = builder_client.post(scopes_url(oauth2_connector), add_data(*rows), follow=True)
    assert values(oauth2_connector) == sorted(value for _, value in rows)
    assert "Added 3 scopes." in page(response)


def test_blank_rows_add_nothing(builder_client, oauth2_connector):
    assert builder_client.post(scopes_url(oauth2_connector), add_data()).status_code == 302
    assert not oauth2_connector.scopes.exists() and not oauth2_connector.changes.exists()


@pytest.mark.parametrize("rows, index, message", [
    ([("Again", "contacts.read")], 0, "already has a scope with this value"),
    ([("One", "new.scope"), ("Two", "new.scope")], 1, "appears twice"),
    ([("Comma", "a,b")], 0, "cannot contain the scope delimiter (Comma)"),
    ([("Spaced", "a b")], 0, "no spaces"),
    ([("No value", "")], 0, "required"),
    ([("", "no.name")], 0, "required"),
    ([("Undefined", "https://{org}.crm.dynamics.com/user_impersonation")], 0,
     "{org} is not a connection variable (define it under API)"),
])
def test_refused_rows_add_nothing(builder_client, scoped, rows, index, message):
    before = values(scoped)
    response = builder_client.post(scopes_url(scoped), add_data(("Fine", "fine.scope"), *rows))
    assert response.status_code == 400
    field = "name" if rows[index][0] == "" else "value"
    assert message in field_error(response, f"scopes-{index + 1}-{field}")
    assert values(scoped) == before
    assert 'id="add-scope-form" class="border rounded p-3 mb-3 bg-body-tertiary"' in page(response)


def test_edit_a_scope(builder_client, scoped):
    scope = scoped.scopes.get(value="deals.read")
    url = reverse("builder:scope_edit", args=[scoped.pk, scope.pk])
    assert builder_client.get(url).status_code == 200
    response = builder_client.post(url, {"name": "Read all deals", "value": "deals.read.all"})
    assert response.status_code == 302
    scope.refresh_from_db()
    assert (scope.name, scope.value) == ("Read all deals", "deals.read.all")
    assert scoped.changes.get().fields == ["scope.name", "scope.value"]


def test_edit_keeps_its_own_value_but_refuses_another_scopes(builder_client, scoped):
    scope = scoped.scopes.get(value="deals.read")
    url = reverse("builder:scope_edit", args=[scoped.pk, scope.pk])
    assert builder_client.post(url, {"name": "Renamed", "value": "deals.read"}).status_code == 302
    response = builder_client.post(url, {"name": "Renamed", "value": "contacts.read"})
    assert response.status_code == 400
    assert "already has a scope with this value" in field_error(response, "value")
    scope.refresh_from_db()
    assert (scope.name, scope.value) == ("Renamed", "deals.read")


def test_delete_one_scope(builder_client, scoped):
    scope = scoped.scopes.get(value="deals.read")
    response = builder_client.post(reverse("builder:scope_delete", args=[scoped.pk, scope.pk]), follow=True)
    assert values(scoped) == ["contacts.read", "contacts.write"]
    assert "Deleted 1 scope." in page(response)


def test_bulk_delete(builder_client, scoped, make_connector):
    other = configure(make_connector("Other"), "oauth2")
    foreign = Scope.objects.create(connector=other, name="Foreign", value="foreign")
    ids = list(scoped.scopes.filter(value__startswith="contacts").values_list("pk", flat=True))
    response = builder_client.post(reverse("builder:scope_bulk_delete", args=[scoped.pk]),
                                   {"selected": [*ids, foreign.pk, "x"]}, follow=True)
    assert values(scoped) == ["deals.read"]
    assert Scope.objects.filter(pk=foreign.pk).exists()
    assert "Deleted 2 scopes." in page(response)


def test_bulk_delete_with_nothing_selected(builder_client, scoped):
    response = builder_client.post(reverse("builder:scope_bulk_delete", args=[scoped.pk]), follow=True)
    assert len(values(scoped)) == 3
    assert "Select the scopes to delete first." in page(response)
    assert not scoped.changes.exists()


@pytest.mark.parametrize("q, shown", [
    ("contacts", ["contacts.read", "contacts.write"]),
    ("Read", ["contacts.read", "deals.read"]),
    ("DEALS", ["deals.read"]),
    ("nothing", []),
])
def test_search_over_name_and_value(builder_client, scoped, q, shown):
    response = builder_client.get(scopes_url(scoped), {"q": q})
    listed = sorted(value for value in values(scoped) if f"<code>{value}</code>" in page(response))
    assert listed == shown
    if not shown:
        assert "No scope matches" in page(response)


def test_delimiter_defaults_to_comma(builder_client, oauth2_connector):
    assert oauth2_connector.scope_delimiter == ","
    assert '<option value="," selected>Comma</option>' in page(builder_client.get(scopes_url(oauth2_connector)))


@pytest.mark.parametrize("delimiter", [" ", "+", ","])
def test_save_and_continue_saves_the_delimiter_and_leads_to_ready(builder_client, scoped, delimiter):
    response = builder_client.post(scopes_url(scoped), {"scope_delimiter": delimiter})
    assert response.status_code == 302
    assert response["Location"] == reverse("builder:mark_ready", args=[scoped.pk])
    scoped.refresh_from_db()
    assert scoped.scope_delimiter == delimiter
    assert scoped.changes.filter(fields=["scope_delimiter"]).count() == (delimiter != ",")


def test_delimiter_inside_an_existing_value_is_refused(builder_client, scoped):
    Scope.objects.create(connector=scoped, name="Plus", value="a+b")
    response = builder_client.post(scopes_url(scoped), {"scope_delimiter": "+"})
    assert response.status_code == 400
    assert "a+b" in field_error(response, "scope_delimiter")
    scoped.refresh_from_db()
    assert scoped.scope_delimiter == ","


def test_unknown_delimiter_is_refused(builder_client, scoped):
    response = builder_client.post(scopes_url(scoped), {"scope_delimiter": ";"})
    assert response.status_code == 400
    assert "Select a valid choice" in field_error(response, "scope_delimiter")


def test_values_are_checked_against_the_chosen_delimiter(builder_client, oauth2_connector):
    oauth2_connector.scope_delimiter = "+"
    oauth2_connector.save()
    response = builder_client.post(scopes_url(oauth2_connector), add_data(("Plus", "a+b"), ("Comma", "c,d")))
    assert response.status_code == 400
    assert "(Plus)" in field_error(response, "scopes-0-value")
    assert field_error(response, "scopes-1-value") == ""


def test_scopes_are_listed_and_exported_in_the_order_entered(builder_client, oauth2_connector):
    rows = [("Write", "z.write"), ("Admin", "a.admin"), ("Read", "m.read")]
    assert builder_client.post(scopes_url(oauth2_connector), add_data(*rows)).status_code == 302
    html = page(builder_client.get(scopes_url(oauth2_connector)))
    assert html.index("z.write") < html.index("a.admin") < html.index("m.read")
    exported = builder_client.get(reverse("builder:connector_export", args=[oauth2_connector.pk])).json()
    assert [scope["value"] for scope in exported["connector"]["scopes"]] == ["z.write", "a.admin", "m.read"]


def test_one_way_to_save_the_delimiter_and_confirmations_in_the_page(builder_client, scoped):
    html = page(builder_client.get(scopes_url(scoped)))
    assert "Save delimiter" not in html
    assert html.count("Save &amp; Continue") == 1
    # Deleting asks in a dialog of the page (static/js/app.js reads data-confirm), never with confirm().
    assert 'data-confirm="Delete the scope Read deals (deals.read)?"' in html
    assert 'id="bulk-delete"' in html and 'id="confirm-dialog"' in html


def test_add_saves_the_delimiter_with_the_rows(builder_client, oauth2_connector):
    """One way to save: the rows and the delimiter chosen beside them go in together."""
    response = builder_client.post(scopes_url(oauth2_connector), {**add_data(("Both", "a,b")), "scope_delimiter": " "},
                                   follow=True)
    assert response.redirect_chain[-1][0] == scopes_url(oauth2_connector)
    assert "Added 1 scope." in page(response) and "Scope delimiter saved." in page(response)
    oauth2_connector.refresh_from_db()
    assert oauth2_connector.scope_delimiter == " " and values(oauth2_connector) == ["a,b"]


def test_a_row_refused_under_the_new_delimiter_saves_neither(builder_client, oauth2_connector):
    response = builder_client.post(scopes_url(oauth2_connector), {**add_data(("Plus", "a+b")), "scope_delimiter": "+"})
    assert response.status_code == 400
    assert "(Plus)" in field_error(response, "scopes-0-value")
    oauth2_connector.refresh_from_db()
    assert oauth2_connector.scope_delimiter == "," and not oauth2_connector.scopes.exists()


def test_save_and_continue_adds_the_rows_too(builder_client, oauth2_connector):
    data = {**add_data(("Read", "read")), "action": "continue", "scope_delimiter": ","}
    response = builder_client.post(scopes_url(oauth2_connector), data)
    assert response["Location"] == reverse("builder:mark_ready", args=[oauth2_connector.pk])
    assert values(oauth2_connector) == ["read"]


def test_the_delimiter_is_saved_on_change(builder_client, scoped):
    """What the page's script sends when the delimiter changes: saved at once, answered in JSON."""
    response = builder_client.post(scopes_url(scoped), {"action": "delimiter", "scope_delimiter": " "},
                                   HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response.json() == {"message": "Scope delimiter saved."}
    scoped.refresh_from_db()
    assert scoped.scope_delimiter == " "
    Scope.objects.create(connector=scoped, name="Plus", value="a+b")
    response = builder_client.post(scopes_url(scoped), {"action": "delimiter", "scope_delimiter": "+"},
                                   HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and "a+b" in response.json()["error"]
    scoped.refresh_from_db()
    assert scoped.scope_delimiter == " "


def test_the_page_has_one_form_for_rows_and_delimiter(builder_client, scoped):
    html = page(builder_client.get(scopes_url(scoped)))
    assert '<select name="scope_delimiter" form="scopes-form"' in html
    assert 'form="scopes-form" name="action" value="continue">Save &amp; Continue</button>' in html
    # Confirmations ask in the page's own dialog.
    assert 'data-confirm="Delete the selected scopes?"' in html and 'id="confirm-dialog"' in html


def test_a_scope_may_use_a_connection_variable(builder_client, oauth2_connector):
    oauth2_connector.variables = [{"name": "org", "label": "Environment", "help": "", "kind": "dns_label"}]
    oauth2_connector.scope_delimiter = " "
    oauth2_connector.save()
    value = "https://{org}.crm.dynamics.com/user_impersonation"
    response = builder_client.post(scopes_url(oauth2_connector), add_data(("Dynamics", value), ("Other", "{tenant}.x")))
    assert response.status_code == 400 and field_error(response, "scopes-0-value") == ""
    assert "{tenant} is not a connection variable" in field_error(response, "scopes-1-value")
    assert builder_client.post(scopes_url(oauth2_connector), add_data(("Dynamics", value))).status_code == 302
    assert values(oauth2_connector) == [value]
    # A variable removed later keeps the connector from Ready, as a URL's would.
    oauth2_connector.variables = []
    oauth2_connector.save()
    assert "Security: Scope Dynamics: {org} is not a connection variable (define it under API)." in \
        oauth2_connector.security_problems()
