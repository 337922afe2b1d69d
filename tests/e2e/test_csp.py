"""The Content-Security-Policy holds in Chromium: the `page` fixture fails a test on any violation.

These tests prove the watch itself works (a real page, a real violation) and cover Django admin;
the journey tests cover the product's pages.
"""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_inline_style_or_script_on_a_page_is_blocked_and_reported(page, make_user):
    make_user("jo")
    sign_in(page, "jo", PASSWORD)
    page.evaluate("""() => {
        document.body.setAttribute("style", "background: red");
        const script = document.createElement("script");
        script.textContent = "window.inlineRan = true";
        document.body.append(script);
    }""")
    page.wait_for_function("() => true")  # let the console events arrive
    assert page.evaluate("() => window.inlineRan") is None
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    violations = page.problems.csp_violations
    assert any("inline style" in text for text in violations), violations
    assert any("inline script" in text for text in violations), violations
    page.problems.csp_violations.clear()  # seen on purpose: the fixture must not fail this test


def test_django_admin_pages_hold_under_the_policy(page, make_user, make_connector):
    connector = make_connector("Zylker CRM")
    make_user("root", superuser=True)
    sign_in(page, "root", PASSWORD)
    for path in ["/admin/", "/admin/builder/connector/", f"/admin/builder/connector/{connector.pk}/change/",
                 "/admin/connections/connection/", "/admin/auth/user/add/"]:
        response = page.goto(path)
        assert response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
    page.get_by_role("button", name="Log out").click()
