"""The registry: an explicit tuple of auth types, checked when the module loads.

Code outside auth_types/ asks the registry, never compares type names. A type that does not
keep the contract (auth_types.checks) stops the application at start-up.
"""

from .api_key import ApiKey
from .aws_sigv4 import AwsSigV4
from .basic import Basic
from .checks import contract_problems
from .digest import Digest
from .jwt_bearer import JWTBearer
from .bearer import BearerToken
from .oauth1 import OAuth1
from .oauth2 import OAuth2

REGISTERED = (Basic, ApiKey, OAuth1, OAuth2, BearerToken, AwsSigV4, Digest, JWTBearer)


class UnknownAuthType(LookupError):
    pass


def _build(classes):
    types = {}
    for cls in classes:
        problems = contract_problems(cls)
        if problems:
            raise TypeError(" ".join(problems))
        if cls.key in types:
            raise TypeError(f"Two auth types use the key {cls.key!r}.")
        types[cls.key] = cls()
    return types


_TYPES = _build(REGISTERED)


def get(key):
    """Return the auth type registered under `key`; raise UnknownAuthType otherwise."""
    try:
        return _TYPES[key]
    except (KeyError, TypeError):  # TypeError: an unhashable key, e.g. a list from a bad payload
        raise UnknownAuthType(f"No auth type is registered under {key!r}.") from None


def all_types():
    return list(_TYPES.values())


def choices():
    return [(auth_type.key, auth_type.name) for auth_type in _TYPES.values()]


def openapi_choices(name, scheme, context):
    """Return every type's OpenAPIChoices for an OpenAPI security scheme; [] when no type imports it."""
    return [choice for auth_type in _TYPES.values() for choice in auth_type.openapi_choices(name, scheme, context)]


def openapi_http_schemes():
    """Return the HTTP authentication schemes ("basic", "bearer") some type imports."""
    return [auth_type.openapi_http_scheme for auth_type in _TYPES.values() if auth_type.openapi_http_scheme]
