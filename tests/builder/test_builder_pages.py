"""The builder's pages: the stepper and its states, titles, error summaries, escaped help texts."""

import re

import pytest
from django.urls import reverse

from builder.models import Scope, Stage
from tests.builder.conftest import AUTH_TYPE_KEYS, configure, page, security_data

pytestmark = pytest.mark.django_db


def steps_of(html):
    """Return [(label, state)] of the stepper."""
    return re.findall(r'<span class="visually-hidden">Step \d+: </span>([^<]+?)\s*<span class="stepper-state">([^<]+)</span>',
                      html)


def title(html):
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def test_a_new_connector_has_general_done_and_security_to_do(builder_client, make_connector):
    connector = make_connector("Zylker")
    html = page(builder_client.get(reverse("builder:general", args=[connector.pk])))
    assert steps_of(html) == [("General", "Done"), ("Security", "To do"), ("Ready", "To do")]
    assert "1 of 3 steps done" in html
    assert title(html) == "General · Zylker · Custom Connectors"
    assert 'aria-current="step"' in html.split("General\n")[0].rsplit("<a", 1)[1]


@pytest.mark.parametrize("section, label", [("security", "Security"), ("scopes", "OAuth Scopes"),
                                            ("mark_ready", "Ready"), ("history", "History")])
def test_each_step_has_its_own_title(builder_client, make_connector, section, label):
    connector = configure(make_connector("Zylker"), "oauth2")
    html = page(builder_client.get(reverse(f"builder:{section}", args=[connector.pk])))
    assert title(html) == f"{label} · Zylker · Custom Connectors"


def test_oauth_steps_and_a_ready_connector_is_complete(builder_client, make_connector):
    connector = configure(make_connector("Zylker"), "oauth2")
    url = reverse("builder:security", args=[connector.pk])
    assert steps_of(page(builder_client.get(url))) == [
        ("General", "Done"), ("Security", "Done"), ("OAuth Scopes", "Optional"), ("Ready", "To do")]
    assert "2 of 4 steps done" in page(builder_client.get(url))
    Scope.objects.create(connector=connector, name="Read", value="read")
    assert "3 of 4 steps done" in page(builder_client.get(url))
    connector.stage = Stage.READY
    connector.save()
    html = page(builder_client.get(url))
    assert "4 of 4 steps done" in html and ("Ready", "Done") in steps_of(html)


def test_a_step_with_problems_says_so(builder_client, make_connector):
    connector = configure(make_connector("Zylker"), "oauth2")
    connector.config = {**connector.config, "token_url": "not a url"}
    connector.save()
    html = page(builder_client.get(reverse("builder:general", args=[connector.pk])))
    assert ("Security", "Has problems") in steps_of(html)


def test_microservices_stays_highlighted_along_the_path(builder_client, make_connector):
    connector = make_connector("Zylker")
    for url in [reverse("builder:connector_list"), reverse("builder:connector_create"), reverse("builder:catalog"),
                reverse("builder:general", args=[connector.pk]), reverse("connections:list")]:
        html = page(builder_client.get(url))
        assert re.search(r'<a class="nav-link active" href="/">Microservices</a>', html), url


def test_a_refused_form_has_a_summary_linking_to_each_field(builder_client, make_connector):
    connector = configure(make_connector("Zylker"), "basic")
    data = security_data("oauth2", token_url="not a url", authorization_url="", test_url="ftp://x")
    response = builder_client.post(reverse("builder:security", args=[connector.pk]), data)
    assert response.status_code == 400
    html = page(response)
    summary = re.search(r'<div class="alert alert-danger error-summary" role="alert" id="error-summary".*?</div>', html,
                        re.S).group(0)
    assert "There are 3 problems" in summary
    for field_id in ["id_oauth2-authorization_url", "id_oauth2-token_url", "id_test_url"]:
        assert f'href="#{field_id}"' in summary
        # Each field names its own error for screen readers.
        field = re.search(rf'<input [^>]*id="{field_id}"[^>]*>', html).group(0)
        assert f"{field_id}_error" in re.search(r'aria-describedby="([^"]*)"', field).group(1)
        assert 'aria-invalid="true"' in field


def test_formset_rows_are_named_in_the_summary(builder_client, make_connector):
    connector = make_connector("Zylker")
    data = security_data("api_key", **{"parameters-0-key": "X API Key"})
    html = page(builder_client.post(reverse("builder:security", args=[connector.pk]), data))
    assert re.search(r'href="#id_api_key-parameters-0-key"[^>]*>Row 1 · Parameter Key: ', html)


def test_form_level_errors_are_announced(client, make_user):
    response = client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
    html = page(response)
    assert 'role="alert" id="error-summary"' in html
    assert "Please enter a correct username and password" in html


def test_help_texts_are_escaped(builder_client, make_connector):
    connector = make_connector("Zylker")
    html = "".join(page(builder_client.get(reverse("builder:security_panel", args=[connector.pk, key])))
                   for key in AUTH_TYPE_KEYS)
    assert "Authorization: &lt;prefix&gt; &lt;token&gt;" in html


def test_save_and_continue_on_every_step(builder_client, make_connector):
    connector = configure(make_connector("Zylker"), "oauth2")
    for section in ["general", "security", "scopes"]:
        html = page(builder_client.get(reverse(f"builder:{section}", args=[connector.pk])))
        assert html.count("Save &amp; Continue") == 1, section
