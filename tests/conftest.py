import os

import pytest
from django.contrib.auth.models import Group, Permission

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# there are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["tests.peers.fixtures", "tests.peers.oauth_fixtures"]

PASSWORD = "correct-horse-battery"


def builders_group():
    """Return the "Connector builders" group a migration creates.

    A transactional test's flush empties it (post_migrate only recreates permissions), so
    recreate it the same way here when it is gone.
    """
    group, created = Group.objects.get_or_create(name="Connector builders")
    if created:
        group.permissions.add(Permission.objects.get(codename="build_connector", content_type__app_label="builder"))
    return group


@pytest.fixture
def make_user(django_user_model):
    def make(username, *, builder=False, staff=False, superuser=False):
        user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=staff or superuser,
                                                     is_superuser=superuser)
        if builder:
            user.groups.add(builders_group())
        return user

    return make


@pytest.fixture
def builder_user(make_user):
    return make_user("builder", builder=True)


@pytest.fixture
def end_user(make_user):
    return make_user("enduser")


@pytest.fixture
def staff_user(make_user):
    return make_user("staff", staff=True)


@pytest.fixture
def builder_client(client, builder_user):
    client.force_login(builder_user)
    return client


@pytest.fixture
def make_connector(builder_user):
    from builder.models import Connector

    def make(name="Zylker CRM", **fields):
        from builder.validators import link_name_from

        fields.setdefault("link_name", link_name_from(name))
        return Connector.objects.create(name=name, created_by=builder_user, **fields)

    return make
