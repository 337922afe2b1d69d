"""JWT client authentication (RFC 7523 section 2.2): private_key_jwt and client_secret_jwt.

Against a real authorization server on 127.0.0.1 that verifies the assertions (Authlib's, in
tests/peers/authlib_oauth2_server.py: signature with the registered key, iss = sub = client ID,
aud, exp, each jti once), for the authorization code grant (with refresh and revocation) and
client credentials; the Recorder shows exactly what goes over the wire. Keys are generated here.
"""

from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

from auth_types import jwt_assertions, registry
from auth_types.base import GrantInvalid
from auth_types.oauth2 import OAuth2
from connectors_site import outbound
from tests.auth_types.oauth2_helpers import REDIRECT_URI
from tests.peers.keys import ec_key, private_pem, public_pem, rsa_key

OAUTH2 = OAuth2()
SECRET = "client-secret-jwt-CANARY-" + "x" * 32  # HS256 wants a long secret


def keys():
    return {"RS256": rsa_key(), "ES256": ec_key()}


def config(peer, client_id, client_auth, *, grant="client_credentials", **changes):
    return {"grant_type": grant, "client_id": client_id, "client_auth": client_auth,
            "authorization_url": peer.authorize_url if grant == "authorization_code" else "",
            "token_url": peer.token_url, "revoke_url": peer.revoke_url, "refresh_url": "", "bearer_name": "Bearer",
            "expiry_seconds": 3600, "pkce": grant == "authorization_code", "client_key_id": "",
            "assertion_audience": "", **changes}


def private_key_jwt_client(peer, key, *, grant="client_credentials"):
    client_id = peer.register_client("private_key_jwt", public_key_pem=public_pem(key))
    return config(peer, client_id, "private_key_jwt", grant=grant), {"client_private_key": private_pem(key)}


def client_secret_jwt_client(peer, *, grant="client_credentials"):
    client_id = peer.register_client("client_secret_jwt", client_secret=SECRET)
    return config(peer, client_id, "client_secret_jwt", grant=grant), {"client_secret": SECRET}


def me(peer, credentials):
    response = outbound.send("GET", peer.resource_url, auth=OAUTH2.auth({}, credentials))
    assert response.status_code == 200, response.text
    return response.json()


def authorize(peer, cfg, client, scopes=("read",)):
    url, flow = OAUTH2.begin(cfg, client, redirect_uri=REDIRECT_URI, scopes=list(scopes))
    peer.add_redirect_uri(cfg["client_id"], REDIRECT_URI)
    params = dict(parse_qsl(urlsplit(peer.approve(url)).query))
    return OAUTH2.complete(cfg, client, flow=flow, params=params, redirect_uri=REDIRECT_URI)


# --- client credentials -------------------------------------------------------------------

@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_private_key_jwt_obtains_a_client_credentials_token(oauth2_authlib_provider, algorithm):
    peer = oauth2_authlib_provider
    cfg, client = private_key_jwt_client(peer, keys()[algorithm])
    credentials = OAUTH2.fetch_token(cfg, client, scopes=["read"])
    assert me(peer, credentials) == {"client_id": cfg["client_id"], "user": None, "scope": "read",
                                     "auth_method": "private_key_jwt", "grant_type": "client_credentials",
                                     "provider": "authlib"}
    # A second token needs a second assertion: the server takes each jti once.
    again = OAUTH2.refresh(cfg, client, credentials)
    assert again["access_token"] != credentials["access_token"]
    assert [entry["auth_method"] for entry in peer.token_requests(cfg["client_id"])] == ["private_key_jwt"] * 2


def test_client_secret_jwt_obtains_a_client_credentials_token(oauth2_authlib_provider):
    peer = oauth2_authlib_provider
    cfg, client = client_secret_jwt_client(peer)
    credentials = OAUTH2.fetch_token(cfg, client, scopes=["read", "write"])
    assert me(peer, credentials)["auth_method"] == "client_secret_jwt"
    assert me(peer, credentials)["scope"] == "read write"


def test_an_assertion_signed_with_another_key_is_refused_without_showing_either(oauth2_authlib_provider):
    peer = oauth2_authlib_provider
    cfg, _ = private_key_jwt_client(peer, rsa_key())
    wrong = {"client_private_key": private_pem(rsa_key("another"))}
    with pytest.raises(GrantInvalid) as refused:
        OAUTH2.fetch_token(cfg, wrong, scopes=[])
    assert "invalid_client" in str(refused.value)
    assert "PRIVATE KEY" not in str(refused.value)
    assert peer.token_requests(cfg["client_id"]) == []


def test_client_secret_jwt_with_a_wrong_secret_is_refused(oauth2_authlib_provider):
    cfg, _ = client_secret_jwt_client(oauth2_authlib_provider)
    with pytest.raises(GrantInvalid) as refused:
        OAUTH2.fetch_token(cfg, {"client_secret": "wrong-" + SECRET}, scopes=[])
    assert "invalid_client" in str(refused.value) and SECRET not in str(refused.value)


def test_the_assertion_audience_may_be_the_issuer_and_a_wrong_one_is_refused(oauth2_authlib_provider):
    peer = oauth2_authlib_provider
    cfg, client = private_key_jwt_client(peer, ec_key())
    assert OAUTH2.fetch_token({**cfg, "assertion_audience": peer.base_url}, client, scopes=[])["access_token"]
    with pytest.raises(GrantInvalid):
        OAUTH2.fetch_token({**cfg, "assertion_audience": "https://elsewhere.example"}, client, scopes=[])


# --- authorization code, refresh, revocation ----------------------------------------------

@pytest.mark.parametrize("client_auth", ["private_key_jwt", "client_secret_jwt"])
def test_the_authorization_code_grant_refresh_and_revocation_authenticate_by_assertion(
        oauth2_authlib_provider, client_auth):
    peer = oauth2_authlib_provider
    cfg, client = (private_key_jwt_client(peer, rsa_key(), grant="authorization_code")
                   if client_auth == "private_key_jwt"
                   else client_secret_jwt_client(peer, grant="authorization_code"))
    credentials = authorize(peer, cfg, client)
    assert me(peer, credentials) == {"client_id": cfg["client_id"], "user": "alice", "scope": "read",
                                     "auth_method": client_auth, "grant_type": "authorization_code",
                                     "provider": "authlib"}
    fresh = OAUTH2.refresh(cfg, client, credentials)
    assert me(peer, fresh)["grant_type"] == "refresh_token"
    assert [entry["auth_method"] for entry in peer.token_requests(cfg["client_id"])] == [client_auth] * 2

    assert OAUTH2.revoke(cfg, client, fresh) is True
    assert peer.token(fresh["access_token"]).revoked


# --- what goes over the wire --------------------------------------------------------------

def decode(assertion, key):
    return jwt.decode(assertion, key).claims


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_the_private_key_assertion_is_what_rfc_7523_asks_for(recorder, algorithm):
    key = keys()[algorithm]
    cfg = {"client_id": "machine", "client_auth": "private_key_jwt", "token_url": recorder.url,
           "client_key_id": "key-2026"}
    client = {"client_private_key": private_pem(key, traditional=True)}
    OAUTH2.fetch_token({**cfg, "grant_type": "client_credentials"}, client, scopes=[])
    OAUTH2.fetch_token({**cfg, "grant_type": "client_credentials"}, client, scopes=[])

    forms = [recorder.form(0), recorder.form(1)]
    assert all(set(form) == {"grant_type", "client_assertion_type", "client_assertion"} for form in forms)
    assert forms[0]["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert "Authorization" not in recorder.received[0]["headers"]
    public = (RSAKey if algorithm == "RS256" else ECKey).import_key(public_pem(key))
    token = jwt.decode(forms[0]["client_assertion"], public)
    assert token.header == {"alg": algorithm, "typ": "JWT", "kid": "key-2026"}
    claims = token.claims
    assert (claims["iss"], claims["sub"], claims["aud"]) == ("machine", "machine", recorder.url)
    assert claims["exp"] - claims["iat"] == jwt_assertions.ASSERTION_LIFETIME
    assert decode(forms[1]["client_assertion"], public)["jti"] != claims["jti"]


def test_client_secret_jwt_never_sends_the_secret(recorder):
    cfg = {"client_id": "machine", "client_auth": "client_secret_jwt", "token_url": recorder.url,
           "grant_type": "client_credentials"}
    OAUTH2.fetch_token(cfg, {"client_secret": SECRET}, scopes=[])
    request, form = recorder.received[0], recorder.form()
    assert SECRET.encode() not in request["body"] and "Authorization" not in request["headers"]
    assert "client_secret" not in form
    token = jwt.decode(form["client_assertion"], OctKey.import_key(SECRET))
    assert token.header["alg"] == "HS256" and token.claims["sub"] == "machine"


def test_the_secrets_of_each_strategy_are_masked():
    cfg = {"client_id": "machine", "client_auth": "private_key_jwt"}
    pem = private_pem(ec_key())
    assert OAUTH2.secret_values(cfg, {"access_token": "at"}, client={"client_private_key": pem}) == ["at", pem]


# --- the key as pasted --------------------------------------------------------------------

def test_a_key_pasted_into_a_one_line_field_is_read_and_stored_with_its_line_breaks():
    pem = private_pem(rsa_key())
    flattened = pem.replace("\n", "")
    normalized = jwt_assertions.normalize_pem(flattened)
    assert normalized == pem
    assert jwt_assertions.normalize_pem(pem.replace("\n", "\\n")) == pem  # as copied out of a JSON file


@pytest.mark.parametrize("text, message", [
    ("not a key", "PEM form"),
    (lambda: private_pem(rsa_key(), password="pass phrase"), "passphrase"),
    (lambda: private_pem(rsa_key("small", bits=1024)), "1024 bits"),
    (lambda: private_pem(ec_key("p384", ec.SECP384R1)), "P-256"),
    (lambda: public_pem(rsa_key()), "not a private key"),
    (lambda: private_pem(rsa_key())[:200] + "\n-----END PRIVATE KEY-----\n", "copied whole"),
])
def test_keys_it_cannot_sign_with_are_refused_with_a_reason(text, message):
    text = text() if callable(text) else text
    with pytest.raises(jwt_assertions.KeyRefused) as refused:
        jwt_assertions.load_private_key(text)
    assert message in str(refused.value)
    assert "MII" not in str(refused.value)


# --- the Security form --------------------------------------------------------------------

def form_data(**changes):
    return {"grant_type": "client_credentials", "client_id": "machine", "client_auth": "private_key_jwt",
            "token_url": "https://api.example.com/token", "bearer_name": "Bearer", "expiry_seconds": "3600",
            **changes}


def test_the_form_asks_for_the_key_only_for_private_key_jwt_and_stores_it_as_a_secret():
    form_class = registry.get("oauth2").config_form
    form = form_class(form_data())
    assert not form.is_valid()
    assert "client_private_key" in form.errors and "client_secret" not in form.errors

    pem = private_pem(ec_key())
    form = form_class(form_data(client_private_key=pem.replace("\n", " "), client_key_id="k1"))
    assert form.is_valid(), form.errors
    assert form.secrets() == {"client_private_key": pem}
    assert "client_private_key" not in form.config() and form.config()["client_key_id"] == "k1"
    assert pem.splitlines()[1] not in form_class(stored_config=form.config(), stored_secrets=form.secrets()).as_p()

    basic = form_class(form_data(client_auth="client_secret_basic", client_secret="s3cret",
                                 client_private_key="left over"))
    assert basic.is_valid(), basic.errors
    assert basic.secrets() == {"client_secret": "s3cret"}
    # Switching away from private_key_jwt drops the stored key.
    switched = form_class(form_data(client_auth="client_secret_post", client_secret="s3cret"),
                          stored_config=form.config(), stored_secrets=form.secrets())
    assert switched.is_valid() and switched.secrets() == {"client_secret": "s3cret", "client_private_key": ""}


def test_a_key_the_form_cannot_use_is_refused_beside_the_field():
    form = registry.get("oauth2").config_form(form_data(client_private_key=private_pem(rsa_key(), password="pw")))
    assert not form.is_valid()
    assert "passphrase" in form.errors["client_private_key"][0]
