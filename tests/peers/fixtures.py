"""Session fixtures serving real third-party peers on 127.0.0.1: httpbin, moto and a credential echo.

Load with ``pytest_plugins = ["tests.peers.fixtures"]`` in a conftest, or ``-p tests.peers.fixtures``.
"""

import pytest

from tests.peers.servers import start_credential_echo, start_httpbin, start_moto


@pytest.fixture(scope="session")
def httpbin_url():
    """Yield the base URL (no trailing slash) of an httpbin served for the whole session."""
    base_url, stop = start_httpbin()
    yield base_url
    stop()


@pytest.fixture(scope="session")
def moto_server():
    """Yield a ``MotoPeer``: a moto server checking every signature, with ``url``, ``region``,
    ``create_user_key()`` -> (access key id, secret), ``assume_role()`` and ``client()``.

    Its state lasts the whole session: give buckets and users names from ``unique_name()``.
    """
    peer, stop = start_moto()
    yield peer
    stop()


@pytest.fixture(scope="session")
def echo_url():
    """Yield the base URL of a server repeating credentials in its reason phrase, headers and body."""
    base_url, stop = start_credential_echo()
    yield base_url
    stop()
