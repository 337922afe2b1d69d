from tests.examples import Example, Live
from tests.peers.oauth_fixtures import approve_oauth2_consent


def live(peers):
    """The authorization code grant at django-oauth-toolkit, PKCE on, the scope its API needs."""
    peer = peers.oauth2
    config = {"grant_type": "authorization_code", "client_id": peer.client_id, "client_auth": "client_secret_basic",
              "authorization_url": peer.authorize_url, "token_url": peer.token_url, "revoke_url": peer.revoke_url,
              "refresh_url": "", "bearer_name": "Bearer", "expiry_seconds": 3600, "pkce": True, "issuer": ""}
    return Live(
        config=config, client={"client_secret": peer.client_secret}, test_url=peer.resource_url,
        approve=lambda provider_url: approve_oauth2_consent(peer, provider_url),
        prepare=lambda connector: peer.add_redirect_uri(f"http://testserver{connector.callback_path()}"),
        scope_delimiter=" ", scopes=("read",),
    )


EXAMPLE = Example(
    config={"grant_type": "authorization_code", "client_id": "client-id-1", "client_auth": "client_secret_basic",
            "authorization_url": "https://api.example.com/oauth2/auth",
            "token_url": "https://api.example.com/oauth2/token", "revoke_url": "", "refresh_url": "",
            "bearer_name": "Bearer", "expiry_seconds": 3600, "pkce": True, "issuer": "", "require_iss": False,
            "authorization_params": [], "token_params": [], "token_body": "form",
            "access_token_field": "access_token", "refresh_token_field": "refresh_token", "expiry_field": "expires_in",
            "expiry_format": "seconds"},
    client={"client_secret": "client-secret-CANARY-7f3a9c/+="},
    credentials={"access_token": "o2-access-CANARY-9/+=", "refresh_token": "o2-refresh-CANARY-10/+=",
                 "token_type": "Bearer", "scope": "", "requested_scope": ""},
    openapi_scheme={"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "/token"}}},
    live=live,
)
