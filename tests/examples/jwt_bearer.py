import json
import secrets

from auth_types.jwt_bearer import parse_key_file
from tests.examples import Example, Live
from tests.peers.keys import private_pem, public_pem, rsa_key


def google_key_file(key, client_email, *, private_key_id="kid-1"):
    """Return the text of a service-account JSON key file as Google issues it (with fields the app drops)."""
    return json.dumps({"type": "service_account", "project_id": "demo-project", "private_key_id": private_key_id,
                       "private_key": private_pem(key), "client_email": client_email, "client_id": "1234567890",
                       "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                       "token_uri": "https://oauth2.googleapis.com/token"}, indent=2)


def live(peers):
    """A service account of the Authlib peer: it verifies the assertion with the account's public key."""
    peer, key = peers.oauth2_jwt, rsa_key("service-account")
    email = f"svc-{secrets.token_hex(4)}@demo-project.iam.gserviceaccount.com"
    peer.register_client("none", public_key_pem=public_pem(key), jwt_issuer=email,
                         grant_types=["urn:ietf:params:oauth:grant-type:jwt-bearer"])
    config = {"key_source": "connector", "token_url": peer.token_url, "issuer": "", "subject": "", "audience": "",
              "scope_placement": "both"}
    return Live(config=config, client={"service_account_key": parse_key_file(google_key_file(key, email))},
                test_url=peer.resource_url, scope_delimiter=" ", scopes=("read",))


EXAMPLE = Example(
    config={"key_source": "connector", "token_url": "https://oauth2.googleapis.com/token", "issuer": "",
            "subject": "", "audience": "", "scope_placement": "both"},
    client={"service_account_key": parse_key_file(google_key_file(
        rsa_key("service-account"), "svc@demo-project.iam.gserviceaccount.com", private_key_id="kid CANARY/+&="))},
    credentials={"access_token": "jwt-access-CANARY-3/+=", "token_type": "Bearer", "scope": "read",
                 "requested_scope": "read"},
    live=live,
)
