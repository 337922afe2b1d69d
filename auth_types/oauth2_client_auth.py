"""How an OAuth 2.0 client authenticates at the token endpoint: a table of strategies (RFC 6749 2.3).

Each strategy authenticates the client one way only, never two, and names the values it sends
so that messages blank them. A new method (private_key_jwt, client_secret_jwt, tls_client_auth)
is one class here and one entry in STRATEGIES: the config form offers its label, the token,
refresh and revoke requests use it, and the OpenID Connect mapping picks it when a provider
lists it.
"""

import base64
from urllib.parse import quote_plus

from requests.auth import HTTPBasicAuth


class ClientSecretBasic:
    """The client ID and secret in an Authorization: Basic header (the default of RFC 6749)."""

    key = "client_secret_basic"
    label = "Send client ID and secret in a Basic Authorization header"
    uses_client_secret = True

    def send_kwargs(self, config, client, data, *, endpoint):
        """Return the keyword arguments of outbound.send that authenticate the client (data may be added to)."""
        # RFC 6749 2.3.1: in the header, the ID and secret are form-urlencoded first.
        client_id, secret = _id_and_secret(config, client)
        return {"auth": HTTPBasicAuth(quote_plus(client_id), quote_plus(secret))}

    def secret_values(self, config, client):
        """Return what this strategy sends that must never be shown (every encoded form of it)."""
        client_id, secret = _id_and_secret(config, client)
        if not secret:
            return []
        return [secret, base64.b64encode(f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()).decode()]


class ClientSecretPost:
    """The client ID and secret as form fields of the request body."""

    key = "client_secret_post"
    label = "Send client ID and secret in the request body"
    uses_client_secret = True

    def send_kwargs(self, config, client, data, *, endpoint):
        client_id, secret = _id_and_secret(config, client)
        data.update(client_id=client_id, client_secret=secret)
        return {}

    def secret_values(self, config, client):
        _, secret = _id_and_secret(config, client)
        return [secret] if secret else []


STRATEGIES = {strategy.key: strategy for strategy in (ClientSecretBasic(), ClientSecretPost())}
DEFAULT = ClientSecretBasic.key


def choices():
    return [(strategy.key, strategy.label) for strategy in STRATEGIES.values()]


def using_client_secret():
    """Return the keys of the strategies that send the client secret (the form asks for it then)."""
    return [key for key, strategy in STRATEGIES.items() if strategy.uses_client_secret]


def strategy_for(config):
    """Return the connector's strategy; the default for a stored value no strategy has."""
    return STRATEGIES.get(config.get("client_auth")) or STRATEGIES[DEFAULT]


def first_supported(methods):
    """Return the first strategy (in the table's order) of an OpenID provider's supported methods."""
    if not isinstance(methods, list):
        return DEFAULT
    return next((key for key in STRATEGIES if key in methods), DEFAULT)


def _id_and_secret(config, client):
    return config.get("client_id", ""), (client or {}).get("client_secret", "")
