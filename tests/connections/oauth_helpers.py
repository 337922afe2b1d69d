"""Shared steps of the OAuth connection tests: connectors on the peers and the user's round trip."""

from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

from builder.models import Connector, Scope, Stage
from builder.validators import link_name_from
from tests.peers.oauth_fixtures import approve_oauth2_consent


def oauth2_connector(peer, *, name="Sandbox OAuth2", grant="authorization_code", client_auth="client_secret_basic",
                     pkce=True, scopes=("read", "write"), **overrides):
    client_id, secret = ((peer.client_id, peer.client_secret) if grant == "authorization_code"
                         else (peer.cc_client_id, peer.cc_client_secret))
    config = {
        "grant_type": grant, "client_id": client_id, "client_auth": client_auth,
        "authorization_url": peer.authorize_url if grant == "authorization_code" else "",
        "token_url": peer.token_url, "revoke_url": peer.revoke_url, "refresh_url": "",
        "bearer_name": "Bearer", "expiry_seconds": 3600, "pkce": pkce and grant == "authorization_code",
        **overrides,
    }
    connector = Connector.objects.create(name=name, link_name=link_name_from(name), auth_type="oauth2",
                                         config=config, secrets={"client_secret": secret}, stage=Stage.READY,
                                         scope_delimiter=" ", base_url=peer.base_url)
    for value in scopes:
        Scope.objects.create(connector=connector, name=f"{value.title()} access", value=value)
    if grant == "authorization_code":
        peer.add_redirect_uri(f"http://testserver{connector.callback_path()}")
    return connector


def oauth1_connector(peer, *, name="Sandbox OAuth1", signature_method="HMAC-SHA1"):
    config = {
        "consumer_key": peer.consumer_key, "request_token_url": peer.request_token_url,
        "authorization_url": peer.authorize_url, "token_url": peer.access_token_url, "revoke_url": peer.revoke_url,
        "signature_method": signature_method,
    }
    return Connector.objects.create(name=name, link_name=link_name_from(name), auth_type="oauth1", config=config,
                                    secrets={"consumer_secret": peer.consumer_secret}, stage=Stage.READY,
                                    base_url=peer.base_url)


def start_authorization(client, connector, *, name="My sandbox", scopes=None):
    """Post the Add Connection form; return the provider URL the app redirects to."""
    data = {"name": name}
    if scopes is not None:
        data["scopes"] = list(scopes)
    response = client.post(reverse("connections:add", args=[connector.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def callback_from(provider_redirect):
    """Turn the provider's redirect to our callback URL into the path+query the test client gets."""
    parts = urlsplit(provider_redirect)
    assert parts.netloc == "testserver", provider_redirect
    return f"{parts.path}?{parts.query}"


def authorize_oauth2(client, peer, connector, *, scopes=None, allow=True):
    """Run the whole authorization code round trip; return the callback response."""
    provider_url = start_authorization(client, connector, scopes=scopes)
    redirect = approve_oauth2_consent(peer, provider_url, allow=allow)
    return client.get(callback_from(redirect))


def query(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
