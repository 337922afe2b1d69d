"""The help page's steps in a real browser, ending with a Ready connector of every registered auth type."""

import io

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from auth_types import registry
from builder.models import Connector, Stage

from tests.conftest import PASSWORD
from tests.e2e.conftest import by_label, sign_in
from tests.examples import example, keys

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_from_example(panel, key):
    """Fill the type's Security panel with its example, as a builder would type it."""
    stored = example(key)
    open_advanced(panel)
    for name, value in registry.get(key).config_form.stored_data(stored.config, stored.client).items():
        field = panel.locator(f'[name="{key}-{name}"]')
        for _ in range(20):  # rows beyond the first are added with the panel's + button
            if field.count() or not panel.locator(".add-row").count():
                break
            panel.locator(".add-row").click()
        if field.get_attribute("type") == "hidden" or field.is_disabled():
            continue  # a formset's counts, a fixed value
        if not field.is_visible():
            continue  # it applies to another choice only: the form ignores it
        if field.get_attribute("type") == "file":
            field.set_input_files(files=[{"name": f"{name}.txt", "mimeType": "text/plain", "buffer": str(value).encode()}])
        elif field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(str(value))
        elif field.get_attribute("type") == "checkbox":
            field.set_checked(bool(value))
        else:
            field.fill(str(value))


def open_advanced(panel):
    """Open the panel's "Advanced" group, where a type has one (it starts collapsed).

    The panel of a newly chosen type is fetched: wait for it first.
    """
    expect(panel).to_be_visible()
    for summary in panel.locator("details.advanced-settings:not([open]) > summary").all():
        summary.click()


def logo_png(tmp_path):
    path = tmp_path / "logo.png"
    Image.new("RGB", (400, 300), (30, 120, 200)).save(path)
    return path


@pytest.mark.parametrize("key", keys())
def test_build_ready_connector(page, screenshot, make_user, tmp_path, key):
    label = registry.get(key).name
    make_user("maria", builder=True)
    sign_in(page, "maria", PASSWORD)

    page.get_by_role("link", name="Microservices").first.click()
    page.get_by_role("link", name="Manage Custom Connectors").first.click()
    page.get_by_role("link", name="+Create Custom Connector").first.click()
    expect(page.get_by_role("heading", name="Create New Custom Connector")).to_be_visible()

    # A refused name keeps the page, with the message next to the field.
    by_label(page, "Connector Name").fill("#Zylker")
    page.get_by_role("button", name="Create Custom Connector").click()
    expect(page.locator("#id_name.is-invalid")).to_be_visible()
    by_label(page, "Connector Name").fill(f"Zylker {label}")
    by_label(page, "Description (Optional)").fill("Contacts & deals, read-only (v2)")
    page.get_by_role("button", name="Create Custom Connector").click()

    # General: fields are auto-populated; upload a logo.
    assert by_label(page, "Connector Link Name").input_value() == f"zylker_{label.lower().replace(' ', '_')}"
    page.get_by_label("Logo").set_input_files(logo_png(tmp_path))
    screenshot(f"{key}-1-general")
    page.get_by_role("button", name="Save & Continue").click()

    # Security: choose the type; exactly its fields show.
    page.locator("label.btn", has_text=label).filter(has_text=label).first.click()
    panel = page.locator(f'section[data-auth-type="{key}"]')
    expect(panel).to_be_visible()
    assert page.locator("section.auth-panel:visible").count() == 1
    fill_from_example(panel, key)
    if registry.get(key).uses_callback:
        callback = panel.locator("input[id^=callback-]").input_value()
        assert callback.startswith(page.url.split("/connectors/")[0]) and "/oauth/callback/" in callback
    screenshot(f"{key}-2-security")
    page.get_by_role("button", name="Save & Continue").click()
    expect(page.get_by_text("Authentication parameters saved.")).to_be_visible()

    connector = Connector.objects.get(name=f"Zylker {label}")
    if connector.uses_scopes:
        # OAuth Scopes: +Add Scope, Add New for a second row, Add; then search.
        expect(page).to_have_title(f"OAuth Scopes · Zylker {label} · Custom Connectors")
        page.get_by_role("button", name="+Add Scope").click()
        rows = page.locator("#add-scope-form .scope-row")
        by_label(rows.nth(0), "Scope Name").fill("Read files")
        by_label(rows.nth(0), "Scope Value").fill("files.content.read")
        page.get_by_role("button", name="Add New").click()
        by_label(rows.nth(1), "Scope Name").fill("Write files")
        by_label(rows.nth(1), "Scope Value").fill("files.content.write")
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page.get_by_text("Added 2 scopes.")).to_be_visible()
        # Bulk Delete is enabled by a selection and says how many; it asks in a dialog of the page.
        bulk = page.locator("#bulk-delete")
        assert bulk.is_disabled()
        page.get_by_label("Select Write files").check()
        assert bulk.inner_text() == "Delete 1 selected"
        bulk.click()
        dialog = page.get_by_role("dialog")
        assert "Delete the selected scope?" in dialog.inner_text()
        dialog.get_by_role("button", name="Cancel").click()
        assert page.locator("tbody tr").count() == 2
        screenshot(f"{key}-3-scopes")
        page.get_by_role("button", name="Save & Continue").click()

    # The Ready step: a checklist, then Mark as Ready.
    expect(page).to_have_title(f"Ready · Zylker {label} · Custom Connectors")
    page.get_by_role("button", name="Mark as Ready").click()
    expect(page.get_by_text("The stage has been changed from Draft to Ready.")).to_be_visible()
    assert page.get_by_test_id("stage").inner_text() == "Ready"
    expect(page.get_by_role("link", name="Add Connection").first).to_be_visible()
    steps = page.get_by_role("navigation", name="Builder steps")
    assert "of" in steps.inner_text() and steps.locator(".stepper-done").count() == steps.locator("li").count()
    screenshot(f"{key}-4-ready")

    connector.refresh_from_db()
    assert connector.stage == Stage.READY and connector.auth_type == key and connector.logo_hash
    assert (connector.config, connector.secrets) == (example(key).config, example(key).client)
    assert not [secret for secret in example(key).secrets if secret in page.content()]


def test_api_key_rows_are_added_and_removed(page, make_user):
    make_user("maria", builder=True)
    connector = Connector.objects.create(name="Zylker Keys", link_name="zylker_keys")
    sign_in(page, "maria", PASSWORD)
    page.goto(reverse("builder:security", args=[connector.pk]))
    page.locator("label.btn", has_text="API Key").first.click()
    panel = page.locator('section[data-auth-type="api_key"]')
    by_label(panel, "Parameter Name").fill("API Key")
    by_label(panel, "Parameter Key").fill("X-API-Key")
    panel.get_by_role("button", name="+ Add Parameter").click()
    rows = panel.locator(".parameter-row:visible")
    by_label(rows.nth(1), "Parameter Name").fill("Account")
    by_label(rows.nth(1), "Parameter Key").fill("account")
    by_label(rows.nth(1), "Parameter Location").select_option(label="Query String")
    # A row added by mistake and removed again is not saved.
    panel.get_by_role("button", name="+ Add Parameter").click()
    rows.nth(2).get_by_role("button", name="Remove this parameter").click()
    page.get_by_role("button", name="Save & Continue").click()
    expect(page.get_by_text("Authentication parameters saved.")).to_be_visible()
    connector.refresh_from_db()
    assert connector.config == {"parameters": [{"name": "API Key", "key": "X-API-Key", "location": "header"},
                                               {"name": "Account", "key": "account", "location": "query"}]}


def test_scopes_save_one_way(page, make_user):
    """The delimiter saves on change; bulk Delete says how many and asks in the page's dialog."""
    from builder.models import Scope

    make_user("maria", builder=True)
    connector = Connector.objects.create(name="Zylker Box", link_name="zylker_box", auth_type="oauth2",
                                         config=example("oauth2").config)
    for n in range(3):
        Scope.objects.create(connector=connector, name=f"Scope {n}", value=f"scope.{n}")
    sign_in(page, "maria", PASSWORD)
    page.goto(reverse("builder:scopes", args=[connector.pk]))

    by_label(page, "Scope Delimiter").select_option(label="Space")
    expect(page.locator("#delimiter-status")).to_have_text("Scope delimiter saved.")
    connector.refresh_from_db()
    assert connector.scope_delimiter == " "

    bulk = page.get_by_role("button", name="Delete", exact=True)
    expect(bulk).to_be_disabled()
    page.get_by_label("Select all scopes").check()
    expect(page.locator("#bulk-delete")).to_have_text("Delete 3 selected")
    page.locator("#bulk-delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Delete the 3 selected scopes?")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Deleted 3 scopes.")).to_be_visible()
    assert not connector.scopes.exists()
