"""Reconnect in place (issue 10 item 5): Reauthorize keeps the connection, its name and history; when the
provider account behind the new token is not the one stored, the user confirms before the credentials
are replaced. The account is the OpenID Connect `sub` of the ID token the token endpoint returned, or
else the JSON field the builder names (IdentityField) in the answer to the connector's test request."""

import base64
import json

from django.urls import reverse

from auth_types.base import AuthError
from builder import api_origins
from connections import authorization
from connectors_site import outbound

from .models import AccountIdentity, IdentityField


def sub_of(id_token):
    """The `sub` claim of an ID token received straight from the token endpoint over TLS (OpenID Connect
    Core 3.1.3.7 lets the client rely on TLS there instead of checking the signature), or None."""
    try:
        payload = id_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (AttributeError, IndexError, ValueError):
        return None
    sub = claims.get("sub") if isinstance(claims, dict) else None
    return str(sub) if sub not in (None, "") else None


def dig(document, path):
    for part in path.split("."):
        if isinstance(document, list) and part.isdigit() and int(part) < len(document):
            document = document[int(part)]
        elif isinstance(document, dict) and part in document:
            document = document[part]
        else:
            return None
    return None if isinstance(document, (dict, list)) or document is None else str(document)


def identity_of(connector, credentials):
    """Return (source, value) naming the account behind `credentials`, or None when it cannot be told."""
    sub = sub_of(credentials.get("id_token"))
    if sub:
        return "sub", sub
    field = IdentityField.objects.filter(connector=connector).first()
    if field is None or not connector.test_url:
        return None
    try:
        url = api_origins.resolve(connector, connector.test_url)
        if not api_origins.is_api_url(connector, url):
            return None
        auth = connector.kind.auth(connector.kind_config, credentials, client=connector.secrets)
        response = outbound.send(connector.test_method, url, auth=auth)
        value = dig(response.json(), field.path) if response.status_code < 400 else None
    except (api_origins.NotAnApiUrl, AuthError, KeyError, outbound.OutboundError, ValueError):
        return None
    return (f"field:{field.path}", value[:500]) if value else None


def remember(connection, identity):
    if identity:
        AccountIdentity.objects.update_or_create(connection=connection,
                                                 defaults={"source": identity[0], "value": identity[1]})


def check_account(*, session, connector, connection, credentials, user):
    """A connections.authorization credential check: ask before replacing another account's credentials."""
    new = identity_of(connector, credentials)
    stored = AccountIdentity.objects.filter(connection=connection).first() if connection else None
    if connection is not None and session is not None and new and stored and \
            stored.source == new[0] and stored.value != new[1]:
        token = authorization.hold_for_confirmation(
            session=session, connector=connector, connection=connection, credentials=credentials, user=user,
            details={"source": new[0], "previous": stored.value, "new": new[1]})
        raise authorization.ConfirmationNeeded(reverse("reconnect:confirm", args=[connection.link_name, token]))
    return (lambda saved: remember(saved, new)) if new else None
