"""Every built-in connector of the catalog marks Ready once the admin's own client credentials are given."""

import pytest

from builder import services
from builder.catalog import load_builtin_connectors
from builder.models import Connector, Stage
from tests.examples import example

pytestmark = pytest.mark.django_db


def admin_completes(connector):
    """Return what an admin types into Security for a built-in that needs their own client: the example's."""
    stored = example(connector.auth_type)
    return {name: stored.config[name] for name in connector.kind.admin_completes}, dict(stored.client)


@pytest.fixture
def catalog(settings):
    settings.CONNECTORS_ALLOW_INSECURE_HTTP = False  # the built-ins must hold up in production
    load_builtin_connectors()
    return list(Connector.objects.exclude(builtin_key=""))


def test_the_catalog_is_large_and_of_registered_types(catalog):
    assert len(catalog) >= 75  # issue 8 item 13
    assert all(connector.kind is not None for connector in catalog)
    assert all(connector.category and connector.documentation_url.startswith("https://") for connector in catalog)


def test_every_builtin_marks_ready_once_its_client_is_given(catalog, builder_user):
    for connector in catalog:
        if connector.stage == Stage.DRAFT:
            config, secrets = admin_completes(connector)
            connector.config = {**connector.config, **config}
            connector.secrets = {**connector.secrets, **secrets}
            connector.save()
        services.connector_mark_ready(connector=connector, user=builder_user)
        connector.refresh_from_db()
        assert connector.stage == Stage.READY, (connector.builtin_key, connector.ready_problems())


def test_ready_builtins_need_nothing_from_the_admin(catalog):
    for connector in catalog:
        if connector.stage == Stage.READY:
            assert connector.ready_problems() == [], connector.builtin_key
        else:
            assert connector.kind.installation_fields, connector.builtin_key
