"""A connection's lifecycle and the one way to call an API through it: `connection_request`."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from auth_types.base import AuthError
from builder.validators import link_name_from, unique_link_name
from connectors_site import outbound

from .models import Connection, ConnectionEvent

logger = logging.getLogger(__name__)
Action = ConnectionEvent.Action


class ConnectionUnavailable(Exception):
    """The connection cannot be used now; the message is safe to show."""


class ConnectionDisabled(ConnectionUnavailable):
    def __init__(self):
        super().__init__("This connection is disabled. Enable it on its page to use it again.")


class ConnectionNeedsReconfiguration(ConnectionUnavailable):
    def __init__(self):
        super().__init__("This connection needs to be reconfigured: its stored values can no longer be decrypted.")


class ConnectionNotAuthorized(ConnectionUnavailable):
    def __init__(self):
        super().__init__("This connection is not authorized yet.")


def connection_record_event(*, connection, user, action, detail=""):
    return ConnectionEvent.objects.create(connection=connection, user=user, action=action, detail=detail[:500])


def connection_link_name(name):
    return unique_link_name(link_name_from(name), lambda link: Connection.objects.filter(link_name=link).exists())


@transaction.atomic
def connection_create(*, connector, owner, name, secrets, status=Connection.Status.CONNECTED):
    connection = Connection.objects.create(
        connector=connector, owner=owner, name=name, link_name=connection_link_name(name), secrets=secrets,
        status=status,
    )
    connection_record_event(connection=connection, user=owner, action=Action.CREATED)
    return connection


@transaction.atomic
def connection_update_secrets(*, connection, user, secrets):
    changed = sorted(name for name, value in secrets.items() if value != connection.secrets.get(name))
    connection.secrets = secrets
    connection.save(update_fields=["secrets", "updated_at"])
    connection_record_event(connection=connection, user=user, action=Action.CREDENTIALS,
                            detail="Changed: " + ", ".join(changed) if changed else "No change")


def connection_rename(*, connection, user, name):
    old = connection.name
    connection.name = name
    connection.save(update_fields=["name", "updated_at"])
    connection_record_event(connection=connection, user=user, action=Action.RENAMED, detail=f"{old} → {name}")


def connection_set_enabled(*, connection, user, enabled):
    connection.enabled = enabled
    connection.save(update_fields=["enabled", "updated_at"])
    connection_record_event(connection=connection, user=user, action=Action.ENABLED if enabled else Action.DISABLED)


def connection_auth(connection):
    """Return the requests auth that applies this connection's credentials."""
    if not connection.enabled:
        raise ConnectionDisabled()
    if connection.needs_reconfiguration:
        raise ConnectionNeedsReconfiguration()
    if not connection.secrets:
        raise ConnectionNotAuthorized()
    connector = connection.connector
    try:
        return connector.kind.auth(connector.config, connection.secrets)
    except (AuthError, KeyError) as error:
        raise ConnectionUnavailable(str(error) if isinstance(error, AuthError) else
                                    "The connection's stored values are incomplete; edit its values.") from None


def connection_masker(connection):
    """Return a Masker that hides this connection's credentials from anything shown."""
    from .masking import Masker

    connector = connection.connector
    secrets = connection.secrets if not connection.needs_reconfiguration else {}
    return Masker(
        secret_values=connector.kind.secret_values(connector.config, secrets),
        sensitive_names=connector.kind.sensitive_names(connector.config),
    )


def connection_request(connection, method, url, *, params=None, headers=None, data=None, json=None, user=None,
                       timeout=None):
    """Call `url` through `connection` with its authentication applied; record the outcome.

    Return the `requests.Response` (any HTTP status). Raise ConnectionUnavailable when the
    connection cannot be used, and outbound.OutboundError when the request could not be made.
    """
    auth = connection_auth(connection)
    started = timezone.now()
    kwargs = {"params": params, "headers": headers, "data": data, "json": json, "auth": auth}
    if timeout:
        kwargs["timeout"] = timeout
    try:
        response = outbound.send(method, url, **kwargs)
    except AuthError as error:
        raise ConnectionUnavailable(str(error)) from None
    except outbound.OutboundError as error:
        _record_use(connection, started, status=None, error=str(error))
        raise
    error = "" if response.status_code < 400 else f"HTTP {response.status_code} {response.reason or ''}".strip()
    _record_use(connection, started, status=response.status_code, error=error)
    connection_record_event(
        connection=connection, user=user, action=Action.USED,
        detail=connection_masker(connection).text(f"{method.upper()} {_without_query(url)} → {response.status_code}"),
    )
    return response


def _without_query(url):
    return url.split("?", 1)[0].split("#", 1)[0]


def _record_use(connection, at, *, status, error):
    # A targeted UPDATE: concurrent calls must not overwrite each other's other fields.
    fields = {"last_used_at": at, "last_status": status, "last_error": error[:500]}
    Connection.objects.filter(pk=connection.pk).update(**fields)
    for name, value in fields.items():
        setattr(connection, name, value)


@dataclass
class TestResult:
    ok: bool
    message: str
    status: int | None = None


def connection_test(*, connection, user):
    """Run the connector's test request through the connection; record and return the result."""
    connector = connection.connector
    if not connector.test_url:
        result = TestResult(True, "Saved. This connector defines no test request, so the values were not checked.")
    else:
        try:
            response = connection_request(connection, connector.test_method, connector.test_url, user=user)
        except (ConnectionUnavailable, outbound.OutboundError) as error:
            result = TestResult(False, f"The test request could not be made: {error}")
        else:
            summary = f"{connector.test_method} {_without_query(connector.test_url)} answered " \
                      f"{response.status_code} {response.reason or ''}".strip()
            if response.status_code < 400:
                result = TestResult(True, f"Test passed: {summary}.", response.status_code)
            else:
                hint = " Check the values you entered." if response.status_code in (401, 403) else ""
                result = TestResult(False, f"Test failed: {summary}.{hint}", response.status_code)
    # The test URL is the builder's, but a URL can still spell a value this connection holds.
    result.message = connection_masker(connection).text(result.message)
    status = Connection.Status.CONNECTED if result.ok else Connection.Status.FAILING
    Connection.objects.filter(pk=connection.pk).update(
        last_test_at=timezone.now(), last_test_ok=result.ok, last_test_message=result.message[:500], status=status
    )
    connection.refresh_from_db(fields=["last_test_at", "last_test_ok", "last_test_message", "status"])
    connection_record_event(connection=connection, user=user, action=Action.TESTED,
                            detail="passed" if result.ok else "failed")
    return result


@transaction.atomic
def connection_delete(*, connection, user):
    logger.info("Connection %s deleted by %s", connection.link_name, user)
    connection.delete()
