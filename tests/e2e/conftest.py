"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server."""

import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    playwright_sync = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium.")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """What Chromium reports about the pages one test visits: CSP violations and uncaught script errors.

    Chromium prints every blocked inline script or style, every blocked source, as a console error
    naming the Content-Security-Policy; the `page` fixture fails the test when any was seen.
    """

    def __init__(self, page):
        self.csp_violations = []
        self.script_errors = []
        self.visited = []
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.script_errors.append(f"{page.url}: {error}"))
        page.on("framenavigated", lambda frame: frame.parent_frame or self.visited.append(frame.url))

    def on_console(self, message):
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append(f"{message.location.get('url') or '?'}: {message.text}")

    def report(self):
        return "\n".join(self.csp_violations + self.script_errors)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.problems = problems = PageProblems(page)
    yield page
    context.close()
    assert not problems.report(), f"Chromium reported problems on {len(problems.visited)} pages:\n{problems.report()}"


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


def sign_in(page, username, password):
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def by_label(scope, label):
    """Return the field whose label is exactly `label` (crispy adds a * to required ones)."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))
