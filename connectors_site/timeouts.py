"""Outbound timeouts as the environment gives them, readable without Django (gunicorn.conf.py uses them).

A timeout is "CONNECT,READ" in seconds ("5,30") or one number for both. The worst case of one
request through a connection bounds how long a web worker may take (see gunicorn.conf.py).
"""

import os

TOKEN_DEFAULT = (5.0, 30.0)    # token, refresh and revoke requests
REQUEST_DEFAULT = (5.0, 30.0)  # calls to an API through a connection (connectors_site.outbound's default)


def parse(text, default):
    """Return (connect, read) from "C,R" or "T"; the default for an empty value. Raise ValueError otherwise."""
    if not text or not text.strip():
        return default
    parts = [float(part) for part in text.split(",")]
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or not all(0 < part < 3600 for part in parts):
        raise ValueError(f"{text!r} is not a timeout: give CONNECT,READ seconds, e.g. 5,30")
    return tuple(parts)


def from_env(name, default, environ=None):
    return parse((os.environ if environ is None else environ).get(name, ""), default)


def total(timeout):
    """Return the longest one request may take with this (connect, read) timeout: connect, then read."""
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    return connect + read


def longest(timeout):
    """Return the longest one request may take through connectors_site.outbound: connect, the headers
    within read, the body within read again."""
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    return connect + 2 * read


LOCK_MARGIN = 2.0  # connections.tokens waits this much longer than a token request for the refresh lock
WORKER_MARGIN = 30.0


def worker_timeout(environ=None):
    """Return a web worker timeout safely above the longest request the app serves.

    The longest is the OAuth callback: the code exchange, then the test request through the new
    connection, which may refresh before the call (or wait for another worker's refresh), call,
    get the expiry signal, refresh again and call again.
    """
    token = longest(from_env("CONNECTORS_TOKEN_TIMEOUT", TOKEN_DEFAULT, environ)) + LOCK_MARGIN
    request = longest(REQUEST_DEFAULT)
    return int(3 * token + 2 * request + WORKER_MARGIN)
