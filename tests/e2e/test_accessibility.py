"""axe-core on every page of the help page's journey, signed in as each role: no serious or critical violation.

Pages are checked as they are met: with a dialog open, an Advanced group open, a refused form, the
rows of +Add Scope shown. A keyboard-only journey goes from +Create New to a Ready connector.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from builder.catalog import load_builtin_connectors
from builder.models import Connector, Scope, Stage
from connections import services as connection_services
from tests.conftest import PASSWORD
from tests.connections.conftest import BEARER_CONFIG
from tests.e2e.conftest import sign_in
from tests.examples import example, keys

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = ("serious", "critical")
_axe = Axe()


def blocking_violations(page):
    """Return a readable line per serious or critical axe-core violation on the page as it is now."""
    results = _axe.run(page)
    lines = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            lines.append(f"{page.url} [{violation['impact']}] {violation['id']}: {violation['help']} at {targets}")
    return lines


class Audit:
    """Collect violations over many pages so that one run names every page that has some."""

    def __init__(self, page):
        self.page, self.problems, self.checked = page, [], []
        # Bootstrap's fades are off under reduced motion: axe sees a dialog as it ends up, not half
        # faded in (a half-opaque dialog fails colour contrast).
        page.emulate_media(reduced_motion="reduce")

    def check(self, what):
        self.checked.append(what)
        self.problems += [f"{what}: {line}" for line in blocking_violations(self.page)]

    def visit(self, url, what=None):
        response = self.page.goto(url)
        assert response.ok, f"{url}: HTTP {response.status}"
        self.check(what or url)

    def assert_clean(self):
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def journey_data(make_user, builder_user):
    """Connectors at every stage of the journey: built-ins, a Draft of each type, a Ready one with a connection."""
    load_builtin_connectors()
    drafts = {}
    for key in keys():
        stored = example(key)
        drafts[key] = Connector.objects.create(
            name=f"Zylker {key}", link_name=f"zylker_{key}", auth_type=key, config=stored.config,
            secrets=stored.client, created_by=builder_user, description="Contacts & deals, read-only (v2)")
        if drafts[key].uses_scopes:
            Scope.objects.create(connector=drafts[key], name="Read files", value="files.content.read")
    ready = Connector.objects.create(
        name="Zylker Ready", link_name="zylker_ready", auth_type="bearer", config=BEARER_CONFIG,
        stage=Stage.READY, created_by=builder_user, base_url="https://api.zylker.example")
    return drafts, ready


def end_user_pages(audit, ready, connection):
    audit.visit(reverse("microservices"))
    audit.page.get_by_role("button", name="+Create New").click()
    # Focus moves to Pick & Create once the dialog has finished opening (colours are final then).
    expect(audit.page.get_by_role("button", name="Pick & Create")).to_be_focused()
    audit.check("Microservices, +Create New open")
    audit.visit(reverse("builder:catalog"))
    audit.visit(reverse("builder:catalog") + "?category=CUSTOM+CONNECTOR")
    audit.visit(reverse("builder:catalog") + "?q=nothing+like+it")
    audit.visit(reverse("connections:add", args=[ready.pk]))
    audit.page.get_by_role("button", name="Connect").click()  # refused: nothing entered
    expect(audit.page.locator("#error-summary")).to_be_visible()
    audit.check("Add Connection, refused")
    audit.visit(reverse("connections:list"))
    audit.visit(connection.get_absolute_url())
    audit.page.get_by_label("URL").fill("not a url")
    audit.page.get_by_role("button", name="Send").click()  # refused; the page's script swaps in the console part
    expect(audit.page.locator("#error-summary")).to_be_focused()
    expect(audit.page.locator("#id_url_error")).to_be_visible()
    assert audit.page.url.endswith(connection.get_absolute_url())  # the page stayed; only its console changed
    audit.check("Connection, console refused")
    audit.visit(reverse("connections:rename", args=[connection.link_name]))
    audit.visit(reverse("connections:credentials", args=[connection.link_name]))
    audit.visit(reverse("connections:delete", args=[connection.link_name]))
    audit.visit(reverse("accounts:two_factor"))


def builder_pages(audit, drafts):
    audit.visit(reverse("builder:connector_list"))
    audit.visit(reverse("builder:connector_create"))
    audit.page.get_by_role("button", name="Create Custom Connector").click()  # refused: no name
    expect(audit.page.locator("#error-summary")).to_be_visible()
    audit.check("Create New Custom Connector, refused")
    audit.visit(reverse("builder:connector_import"))
    audit.visit(reverse("builder:openapi_import"))
    for key, connector in drafts.items():
        audit.visit(reverse("builder:general", args=[connector.pk]))
        audit.visit(reverse("builder:security", args=[connector.pk]))
        closed = audit.page.locator("details:not([open]) > summary:visible")
        while closed.count():
            closed.first.click()
        audit.check(f"Security of {key}, everything open")
        if connector.uses_scopes:
            audit.visit(reverse("builder:scopes", args=[connector.pk]))
            audit.page.get_by_role("button", name="+Add Scope").click()
            audit.check(f"OAuth Scopes of {key}, +Add Scope open")
            scope = connector.scopes.get()
            audit.visit(reverse("builder:scope_edit", args=[connector.pk, scope.pk]))
        audit.visit(reverse("builder:mark_ready", args=[connector.pk]))
        audit.visit(reverse("builder:history", args=[connector.pk]))
    # A refused Security form: the summary and the fields' errors.
    connector = drafts["oauth2"]
    audit.visit(reverse("builder:security", args=[connector.pk]))
    audit.page.locator("#id_oauth2-token_url").fill("not a url")
    audit.page.get_by_role("button", name="Save & Continue").click()
    expect(audit.page.locator("#error-summary")).to_be_visible()
    audit.check("Security, refused")
    builtin = Connector.objects.filter(builtin_key__gt="").exclude(stage=Stage.READY).first()
    audit.visit(reverse("builder:pick", args=[builtin.pk]))


@pytest.mark.parametrize("role", ["end user", "builder", "staff"])
def test_every_page_of_the_journey_passes_axe(page, make_user, journey_data, role):
    drafts, ready = journey_data
    user = make_user("jo", builder=role != "end user", staff=role == "staff")
    connection = connection_services.connection_create(
        connector=ready, owner=user, name="My Zylker", secrets={"token": "tok-never-shown"})
    page.emulate_media(reduced_motion="reduce")  # no fading: axe sees the colours as they end up
    audit = Audit(page)
    page.goto("/")
    audit.check("Sign in")
    sign_in(page, "jo", PASSWORD)
    end_user_pages(audit, ready, connection)
    if role != "end user":
        builder_pages(audit, drafts)
    if role == "end user":
        builtin = Connector.objects.filter(builtin_key__gt="").exclude(stage=Stage.READY).first()
        response = page.goto(reverse("builder:pick", args=[builtin.pk]))
        assert response.status == 409
        audit.check("A built-in an admin must set up")
    audit.assert_clean()
    assert len(audit.checked) >= 12


FOCUSED_NAME = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) { return ""; }
  const label = e.labels && e.labels.length ? e.labels[0].textContent : "";
  return (e.getAttribute("aria-label") || label || e.textContent || e.value || "").replace(/\\s+/g, " ").trim();
}"""


def tab_to(page, name, *, most=80):
    """Press Tab until the focused element's name starts with `name` (the keyboard's way there)."""
    seen = []
    for _ in range(most):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_NAME)
        if focused.startswith(name):
            return len(seen) + 1
        seen.append(focused)
    raise AssertionError(f"Tab never reached {name!r}; it went through: {seen}")


def test_keyboard_only_from_create_new_to_ready(page, make_user):
    """Microservices → +Create New → Pick & Create → CUSTOM CONNECTOR → Create New Custom Connector →
    General → Security → Ready, with the keyboard alone."""
    from auth_types import registry

    load_builtin_connectors()
    make_user("maria", builder=True)
    sign_in(page, "maria", PASSWORD)
    expect(page.get_by_role("heading", name="Microservices")).to_be_visible()

    tab_to(page, "+Create New")
    page.keyboard.press("Enter")
    # The dialog opens on Pick & Create: Connection is chosen already.
    expect(page.get_by_role("button", name="Pick & Create")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Built-in Connectors", exact=True)).to_be_visible()

    # The skip link reaches the cards past the categories; the categories start with CUSTOM CONNECTOR.
    assert tab_to(page, "CUSTOM CONNECTOR") <= 12
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Create New Custom Connector")).to_be_visible()
    tab_to(page, "Create New Custom Connector")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Create New Custom Connector")).to_be_visible()
    tab_to(page, "Connector Name")
    page.keyboard.type("Zylker Keyboard")
    tab_to(page, "Create Custom Connector")
    page.keyboard.press("Enter")

    expect(page).to_have_title("General · Zylker Keyboard · Custom Connectors")
    tab_to(page, "Save & Continue")
    page.keyboard.press("Enter")

    expect(page).to_have_title("Security · Zylker Keyboard · Custom Connectors")
    wanted = registry.get("bearer").name
    tab_to(page, registry.all_types()[0].name)  # the first type of the radio group
    for _ in registry.all_types():
        if page.evaluate(FOCUSED_NAME) == wanted:
            break
        page.keyboard.press("ArrowRight")
    expect(page.locator('input[name="auth_type"]:checked')).to_have_value("bearer")
    expect(page.locator('section[data-auth-type="bearer"]')).to_be_visible()
    tab_to(page, "Save & Continue")
    page.keyboard.press("Enter")

    expect(page).to_have_title("Ready · Zylker Keyboard · Custom Connectors")
    tab_to(page, "Mark as Ready")
    page.keyboard.press("Enter")
    expect(page.get_by_text("The stage has been changed from Draft to Ready.")).to_be_visible()
    assert Connector.objects.get(name="Zylker Keyboard").stage == Stage.READY


def test_the_skip_link_reaches_the_cards_past_the_categories(page, make_user):
    load_builtin_connectors()
    make_user("jo")
    sign_in(page, "jo", PASSWORD)
    page.goto(reverse("builder:catalog"))
    categories = page.get_by_label("Categories").get_by_role("link").count()
    assert tab_to(page, "Skip to the connectors") < categories
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('#connector-cards')")
