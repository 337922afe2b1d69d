"""`make sandbox`: every test peer on a fixed local port, with what to paste into the builder.

Run next to `make run` (which allows loopback and http for local development):
OAuth2 (django-oauth-toolkit) on 9100, OAuth1 (oauthlib) on 9200, httpbin on 9300, moto on 9400.
"""

import os
import signal
import threading

from tests.peers.oauth1_server import start_oauth1_peer
from tests.peers.oauth2_server.launcher import start_oauth2_peer
from tests.peers.servers import start_httpbin, start_moto

APP = os.environ.get("SANDBOX_APP_URL", "http://127.0.0.1:8000")
SANDBOX_TOKEN_TTL = 120


def main():
    os.environ["OAUTH2_PEER_REDIRECT_PREFIX"] = " ".join(
        f"{origin}/connections/oauth/callback/" for origin in {APP, APP.replace("127.0.0.1", "localhost")})
    # Short-lived access tokens, so a refresh can be watched within minutes (the app refreshes
    # a token that expires within a minute before each call).
    oauth2 = start_oauth2_peer(port=9100, access_token_ttl=SANDBOX_TOKEN_TTL, username="alice", password="alice-password",
                               client_secret="connectors-web-secret", cc_client_secret="connectors-machine-secret")
    oauth1 = start_oauth1_peer(consumer_key="sandbox-consumer", consumer_secret="sandbox-consumer-secret", port=9200)
    httpbin_url, stop_httpbin = start_httpbin(port=9300)
    moto, stop_moto = start_moto(port=9400)
    key_id, secret = moto.create_user_key("sandbox-user")
    print(f"""
Sandbox running (Ctrl-C stops it). Build connectors in {APP} with these values:

OAuth2 (Authorization Code; scopes: read, write; delimiter Space)
  Client ID       {oauth2.client_id}
  Client Secret   connectors-web-secret
  Authorization   {oauth2.authorize_url}
  Token URL       {oauth2.token_url}
  Revoke URL      {oauth2.revoke_url}
  Base URL        {oauth2.base_url}/api   (test request: /me/)
  Sign in there as alice / alice-password. (Client Credentials: {oauth2.cc_client_id} / connectors-machine-secret)
  Access tokens live {SANDBOX_TOKEN_TTL} s: a call made in the last minute of a token's life refreshes it.

OAuth1
  Consumer Key    sandbox-consumer
  Consumer Secret sandbox-consumer-secret
  Request Token   {oauth1.request_token_url}
  Authorization   {oauth1.authorize_url}
  Token URL       {oauth1.access_token_url}
  Revoke URL      {oauth1.revoke_url}
  Base URL        {oauth1.base_url}/api   (test request: /me)

httpbin (Basic, API Key, Bearer Token; Base URL {httpbin_url})
  Basic test      GET {httpbin_url}/basic-auth/<user>/<password>
  Bearer test     GET {httpbin_url}/bearer
  API key echo    GET {httpbin_url}/anything

AWS (moto, signatures checked; region {moto.region}, service s3 or sts)
  Access Key ID     {key_id}
  Secret Access Key {secret}
  Base URL          {moto.url}   (test request: GET / , S3 ListBuckets)
""", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop_moto()
        stop_httpbin()
        oauth1.stop()
        oauth2.stop()


if __name__ == "__main__":
    main()
