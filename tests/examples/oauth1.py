import requests

from tests.examples import Example, Live


def approve(provider_url):
    """Play the user at the oauthlib provider's authorization page (auto-approve)."""
    answer = requests.get(provider_url, params={"auto_approve": "1"}, allow_redirects=False, timeout=5)
    assert answer.is_redirect, answer.text[:500]
    return answer.headers["Location"]


def live(peers):
    peer = peers.oauth1
    config = {"consumer_key": peer.consumer_key, "request_token_url": peer.request_token_url,
              "authorization_url": peer.authorize_url, "token_url": peer.access_token_url,
              "revoke_url": peer.revoke_url, "signature_method": "HMAC-SHA1"}
    return Live(config=config, client={"consumer_secret": peer.consumer_secret}, test_url=peer.resource_url,
                approve=approve)


EXAMPLE = Example(
    config={"consumer_key": "consumer-key-1", "request_token_url": "https://api.example.com/oauth/request_token",
            "authorization_url": "https://api.example.com/oauth/authorize",
            "token_url": "https://api.example.com/oauth/access_token", "revoke_url": "",
            "signature_method": "HMAC-SHA1"},
    client={"consumer_secret": "consumer-secret-CANARY-2b8e1d/+="},
    credentials={"oauth_token": "o1-token-CANARY-7/+=", "oauth_token_secret": "o1-secret-CANARY-8/+=",
                 "scope": ""},
    live=live,
)
