import datetime

import pytest
from django.utils import timezone

from connections.models import Connection
from tests.connections.oauth_helpers import authorize_oauth2, oauth2_connector


@pytest.fixture
def oauth2_connection(client, make_user, oauth2_provider):
    """Return a factory: a connection authorized at the real OAuth2 provider, its token expiring in
    `expires_in` seconds, the provider's request counts reset."""

    def make(expires_in=300, *, name="Proactive", username="owner"):
        user = make_user(username)
        client.force_login(user)
        connector = oauth2_connector(oauth2_provider, name=name)
        authorize_oauth2(client, oauth2_provider, connector)
        connection = Connection.objects.select_related("connector").get(owner=user, connector=connector)
        Connection.objects.filter(pk=connection.pk).update(
            token_expires_at=timezone.now() + datetime.timedelta(seconds=expires_in))
        connection.refresh_from_db()
        oauth2_provider.reset_counts()
        return connection

    return make
