"""The README's screenshots: each step of the help page's journey, taken by walking it by its labels.

Every run writes them, small (half size, 64 colours), to test-artifacts/screenshots/docs/;
`make screenshots` (DOCS_SCREENSHOTS=1) writes them to docs/screenshots/, where the README shows them.
"""

import io
import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from builder.catalog import load_builtin_connectors
from builder.models import Connector, Stage
from tests.conftest import PASSWORD
from tests.connections.conftest import BEARER_CONFIG
from tests.e2e.conftest import SCREENSHOTS, by_label, sign_in
from tests.e2e.test_builder_journey import fill_from_example

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "screenshots"
README = ROOT / "README.md"
MAX_BYTES = 90_000  # each file; the README stays light to clone and to read


def small_png(png, *, width=640, colours=64):
    """Return the PNG scaled to `width` and reduced to a palette of `colours`, optimised."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    out = io.BytesIO()
    image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
    return out.getvalue()


@pytest.fixture
def step_shot(page):
    target = DOCS if os.environ.get("DOCS_SCREENSHOTS") else SCREENSHOTS / "docs"
    target.mkdir(parents=True, exist_ok=True)
    taken = []

    def take(name):
        data = small_png(page.screenshot())
        assert len(data) <= MAX_BYTES, f"{name}: {len(data)} bytes"
        (target / f"{name}.png").write_bytes(data)
        taken.append(name)

    take.taken = taken
    return take


def test_readme_screenshots_of_each_step(page, make_user, step_shot):
    load_builtin_connectors()
    Connector.objects.create(name="Zylker Desk", link_name="zylker_desk", auth_type="bearer", config=BEARER_CONFIG,
                             stage=Stage.READY, base_url="https://desk.zylker.example",
                             description="Tickets and contacts.")
    make_user("maria", builder=True)
    sign_in(page, "maria", PASSWORD)

    page.get_by_role("button", name="+Create New").click()
    expect(page.get_by_role("button", name="Pick & Create")).to_be_focused()
    step_shot("1-create-new")
    page.get_by_role("button", name="Pick & Create").click()
    page.get_by_label("Categories").get_by_role("link", name="CUSTOM CONNECTOR").click()
    step_shot("2-built-in-connectors")
    page.get_by_role("link", name="Create New Custom Connector").click()
    by_label(page, "Connector Name").fill("Zylker Files")
    by_label(page, "Description (Optional)").fill("Files and folders, read-only (v2)")
    step_shot("3-create-custom-connector")
    page.get_by_role("button", name="Create Custom Connector").click()
    expect(page).to_have_title("General · Zylker Files · Custom Connectors")
    step_shot("4-general")
    page.get_by_role("button", name="Save & Continue").click()

    page.locator("label.btn", has_text="OAuth2").first.click()
    panel = page.locator('section[data-auth-type="oauth2"]')
    fill_from_example(panel, "oauth2")
    page.locator("details.advanced-settings > summary").click()  # fill_from_example opened it: close
    page.evaluate("window.scrollTo(0, 0)")
    step_shot("5-security")
    page.get_by_role("button", name="Save & Continue").click()

    page.get_by_role("button", name="+Add Scope").click()
    rows = page.locator("#add-scope-form .scope-row")
    by_label(rows.nth(0), "Scope Name").fill("Read files")
    by_label(rows.nth(0), "Scope Value").fill("files.content.read")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Added 1 scope.")).to_be_visible()
    step_shot("6-oauth-scopes")
    page.get_by_role("button", name="Save & Continue").click()
    page.get_by_role("button", name="Mark as Ready").click()
    expect(page.get_by_text("The stage has been changed from Draft to Ready.")).to_be_visible()
    step_shot("7-ready")

    page.goto(reverse("connections:add", args=[Connector.objects.get(link_name="zylker_desk").pk]))
    by_label(page, "Connection Name").fill("My Zylker Desk")
    step_shot("8-add-connection")

    # The README shows each of them, and nothing it shows is missing.
    shown = re.findall(r"\(docs/screenshots/([\w-]+)\.png\)", README.read_text())
    assert shown == step_shot.taken
    assert all((DOCS / f"{name}.png").stat().st_size <= MAX_BYTES for name in shown)
