"""Django admin's bulk actions given a selection that is not the model's ids: a 400 on every model's list."""

import pytest
from django.contrib import admin
from django.urls import reverse

from builder.models import Connector
from connectors_site.admin_site import REFUSAL

pytestmark = pytest.mark.django_db

NOT_IDS = ["abc", "", "1.5", "1e3", "99999999999999999999999", "-99999999999999999999999"]


def changelists():
    """Every registered model's list (this project's and the third-party apps'), from the admin's registry."""
    return [reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            for model in admin.site._registry]


@pytest.fixture
def root_client(client, make_user):
    client.force_login(make_user("root", superuser=True))
    return client


def delete(client, url, *selected):
    """Post the admin's delete action, confirmed, for `selected`."""
    return client.post(url, {"action": "delete_selected", "_selected_action": [str(pk) for pk in selected],
                             "post": "yes"})


@pytest.mark.parametrize("value", NOT_IDS)
def test_a_selection_that_is_not_an_id_is_refused_on_every_list(root_client, make_connector, value):
    connector = make_connector("Zylker CRM")
    urls = changelists()
    assert {"/admin/builder/connector/", "/admin/auth/user/", "/admin/axes/accessattempt/"} <= set(urls)
    for url in urls:
        response = delete(root_client, url, connector.pk, value)
        assert response.status_code == 400, (url, response.status_code)
        assert response.content.decode() == REFUSAL
    assert Connector.objects.filter(pk=connector.pk).exists()  # nothing was changed, the valid id's row included


def test_ids_still_run_the_action(root_client, make_connector):
    kept, deleted = make_connector("Kept"), make_connector("Deleted")
    response = delete(root_client, "/admin/builder/connector/", deleted.pk)
    assert response.status_code == 302
    assert list(Connector.objects.values_list("pk", flat=True)) == [kept.pk]


def test_an_id_of_no_row_is_not_refused(root_client, make_connector):
    connector = make_connector("Zylker CRM")
    response = delete(root_client, "/admin/builder/connector/", connector.pk + 1000)
    assert response.status_code == 302  # Django's own answer: nothing selected was found
    assert Connector.objects.filter(pk=connector.pk).exists()


@pytest.mark.parametrize("url", ["/admin/builder/connector/", "/admin/auth/user/"])
def test_a_visitor_is_sent_to_sign_in_before_the_selection_is_looked_at(client, url):
    response = delete(client, url, "abc")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
