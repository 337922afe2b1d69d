"""Run the OAuth2 peer: ``python -m tests.peers.oauth2_server --port 9100``.

Secrets come from the environment (``OAUTH2_PEER_CLIENT_SECRET``...) so they stay out of
the process list; every option has a default so ``make sandbox`` can start it bare.
"""

import argparse
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

DEFAULTS = {
    "username": "alice",
    "password": "alice-password",
    "client_id": "connectors-web-client",
    "client_secret": "connectors-web-secret",
    "cc_client_id": "connectors-machine-client",
    "cc_client_secret": "connectors-machine-secret",
}


def _env_default(name):
    return os.environ.get(f"OAUTH2_PEER_{name.upper()}", DEFAULTS[name])


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.peers.oauth2_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100, help="0 picks a free port (printed on start)")
    parser.add_argument("--db", help="SQLite file (default: a fresh one in a temporary folder)")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when the process that started this one is gone (tests)")
    parser.add_argument("--redirect-uris", default="", help="space-separated, matched exactly")
    parser.add_argument("--access-token-ttl", type=int,
                        default=int(os.environ.get("OAUTH2_PEER_ACCESS_TOKEN_TTL", 3600)))
    parser.add_argument("--pkce", choices=["optional", "required"],
                        default=os.environ.get("OAUTH2_PEER_PKCE", "optional"))
    for name in DEFAULTS:
        parser.add_argument("--" + name.replace("_", "-"), default=_env_default(name))
    return parser.parse_args(argv)


def configure_environment(args, workdir):
    """Point Django at the peer's settings, whatever the parent process had configured."""
    db = args.db or str(Path(workdir) / "peer.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.peers.oauth2_server.settings"
    os.environ["OAUTH2_PEER_DB"] = db
    os.environ["OAUTH2_PEER_PKCE"] = args.pkce
    # The admin endpoints find the web client by this id.
    os.environ["OAUTH2_PEER_CLIENT_ID"] = args.client_id
    return db


def serve(args, db):
    """Migrate (or copy the template), seed, then answer requests until stopped."""
    import django

    django.setup()
    from werkzeug.serving import make_server

    from tests.peers.oauth2_server import runtime, seed
    from tests.peers.oauth2_server.wsgi import application

    seed.prepare_database(db)
    seed.seed(username=args.username, password=args.password, client_id=args.client_id,
              client_secret=args.client_secret, redirect_uris=args.redirect_uris.split(),
              cc_client_id=args.cc_client_id, cc_client_secret=args.cc_client_secret)
    runtime.set_access_token_ttl(args.access_token_ttl)
    server = make_server(args.host, args.port, application, threaded=True)
    from oauth2_provider.settings import oauth2_settings

    oauth2_settings.OIDC_ISS_ENDPOINT = f"http://{args.host}:{server.port}/o"
    print(f"OAuth2 peer listening on http://{args.host}:{server.port}/", flush=True)
    server.serve_forever()


def _exit_when_orphaned(parent_pid):
    """Stop the server when pytest dies without its teardown (killed, Ctrl-C twice)."""
    while os.getppid() == parent_pid:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # SystemExit unwinds the stack, so the temporary database is removed on SIGTERM too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.exit_with_parent:
        threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True).start()
    with tempfile.TemporaryDirectory(prefix="oauth2-peer-") as workdir:
        serve(args, configure_environment(args, workdir))


if __name__ == "__main__":
    main()
