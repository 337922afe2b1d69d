"""A connection's lifecycle and the one way to call an API through it: `connection_request`."""

import datetime
import logging
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from auth_types import oauth_tokens
from auth_types.base import AuthError
from auth_types.variables import VariableProblem
from builder import api_origins
from builder.services import save_with_unique_link_name
from builder.validators import link_name_from
from connectors_site import outbound

from . import latency, masking, plans, tokens, usage
from .models import Connection, ConnectionEvent

logger = logging.getLogger(__name__)
_plan = plans.plans.get
# Maskers of credentials merged after a refresh during a call, by versions (issue 12 item 3). A connection's
# own masker is its CallPlan's, made once per secrets version: building one costs about 1.4 µs per character.
_maskers = masking.MaskerCache()
Action = ConnectionEvent.Action


from .errors import (  # noqa: E402,F401  (re-exported: the names callers use)
    ConnectionDisabled,
    ConnectionNeedsReauthorization,
    ConnectionNeedsReconfiguration,
    ConnectionNotAuthorized,
    ConnectionUnavailable,
    DestinationRefused,
    TokenRefreshFailed,
)


@transaction.atomic
def connection_create(*, connector, owner, name, secrets, status=Connection.Status.CONNECTED, variables=None):
    connection = Connection(connector=connector, owner=owner, name=name, secrets=secrets, status=status,
                            variables=dict(variables or {}))
    save_with_unique_link_name(connection, link_name_from(name))
    connection.record_event(Action.CREATED, user=owner)
    return connection


@transaction.atomic
def connection_update_secrets(*, connection, user, secrets, variables=None):
    changed = sorted(name for name, value in secrets.items() if value != connection.secrets.get(name))
    if variables is not None:
        changed += sorted(name for name, value in variables.items() if value != connection.variables.get(name))
        connection.variables = {**connection.variables, **variables}
    connection.secrets = secrets
    connection.save(update_fields=["secrets", "variables", "updated_at"])
    connection.record_event(Action.CREDENTIALS, user=user,
                            detail="Changed: " + ", ".join(changed) if changed else "No change")


def connection_rename(*, connection, user, name):
    old = connection.name
    connection.name = name
    connection.save(update_fields=["name", "updated_at"])
    connection.record_event(Action.RENAMED, user=user, detail=f"{old} → {name}")


def connection_set_enabled(*, connection, user, enabled):
    connection.enabled = enabled
    connection.save(update_fields=["enabled", "updated_at"])
    connection.record_event(Action.ENABLED if enabled else Action.DISABLED, user=user)


def connection_auth(connection, *, user=None):
    """Return the requests auth that applies this connection's credentials, refreshing a token due soon."""
    return _auth_and_plan(connection, user=user)[0]


def _auth_and_plan(connection, *, user=None, plan=None):
    """Return (auth, plan): the auth applying the connection's credentials as they are once a token due
    soon is refreshed, and the CallPlan of those very credentials (`plan`, the caller's, when no refresh
    changed them)."""
    if not connection.enabled:
        raise ConnectionDisabled()
    if connection.needs_reconfiguration:
        raise ConnectionNeedsReconfiguration()
    if connection.status == Connection.Status.NEEDS_REAUTHORIZATION:
        raise ConnectionNeedsReauthorization(connection.token_error)
    if not connection.secrets:
        raise ConnectionNotAuthorized()
    if tokens.expires_soon(connection):
        plan = None  # a refresh changes the credentials (and a failed one may have been done by another worker)
        try:
            tokens.connection_refresh(connection, user=user)
        except TokenRefreshFailed:
            if tokens.expires_soon(connection, margin=datetime.timedelta(0)):
                raise  # expired: nothing to call with; otherwise the current token still works
    if plan is None:
        plan = _plan(connection)
    connector, secrets = connection.connector, connection.secrets
    try:
        auth = connector.kind.auth(plan.kind_config, secrets, client=connector.secrets)
    except (AuthError, KeyError) as error:
        raise ConnectionUnavailable(str(error) if isinstance(error, AuthError) else
                                    "The connection's stored values are incomplete; edit its values.") from None
    return auth, plan


def connection_masker(connection):
    """Return a Masker that hides this connection's credentials from anything shown."""
    return _plan(connection).masker




def connection_request(connection, method, url, *, params=None, headers=None, data=None, json=None, user=None,
                       timeout=None, stream=False, allow_redirects=True, record_usage=True):
    """Call `url` through `connection` with its authentication applied; record the outcome.

    A token due to expire is refreshed first. After the connector's expiry signal (a 401 by
    default) a provider-issued token is refreshed once and the call retried once; when it
    cannot be refreshed, or the provider refuses the refresh, the connection is marked Needs
    reauthorization and ConnectionNeedsReauthorization is raised. Return the
    `requests.Response` (any HTTP status). Raise ConnectionUnavailable when the connection
    cannot be used, and outbound.OutboundError when the request could not be made.

    The response's `masker` hides every credential the call held or sent, a token refreshed
    during the call (here or by another worker) included: mask anything shown of the response
    with it (status line, headers, body), never with a masker made before the call.

    `record_usage=False` (tests and health checks, which keep their own results) leaves the connection's
    last-used figures and its "Called the API" activity untouched; the call's latency is counted
    either way (connections.latency).
    """
    started, clock = timezone.now(), time.monotonic()
    plan = _plan(connection)
    used = [plan.masker]
    kwargs = {"params": params, "headers": headers, "data": data, "json": json}
    if timeout:
        kwargs["timeout"] = timeout
    if stream or not allow_redirects:  # the proxy's: outbound.send() documents both
        kwargs.update(stream=stream, allow_redirects=allow_redirects)
    url, on_api = _destination(connection, plan, url)
    record = _record_use if record_usage else _not_recorded
    try:  # the latency of every call that reached the provider or failed on the way (a timeout)
        if not on_api:
            # Allowed by the builder only (_destination refuses otherwise): no credentials at all.
            response = _send_without_credentials(connection, method, url, started, record=record, **kwargs)
        else:
            response = _send(connection, method, url, started, user=user, used=used, record=record, plan=plan,
                             **kwargs)
            if plan.by_provider and connection.connector.answer_means_expired(response):
                response = _after_expiry_signal(connection, response, method, url, started, user=user, used=used,
                                                record=record, **kwargs)
    except outbound.OutboundError:
        latency.observe(connection.connector.link_name, time.monotonic() - clock)
        raise
    latency.observe(connection.connector.link_name, time.monotonic() - clock)
    response.masker = masker = _call_masker(used, response, plan)
    if record_usage:
        error = "" if response.status_code < 400 else f"HTTP {response.status_code} {response.reason or ''}".strip()
        # A success with the status the connection already shows is buffered (connections.usage); an error or
        # a change of status is written at once.
        at_once = bool(error) or bool(connection.last_error) or response.status_code != connection.last_status
        usage.record(connection, at=started, status=response.status_code, error=masker.text(error), user=user,
                     detail=masker.text(f"{method.upper()} {_without_query(url)} → {response.status_code}"),
                     at_once=at_once)
    return response


def _call_masker(used, response, plan):
    """Return a Masker of the credentials held before the call, those the call was made with, and then any
    other credential the requests as sent carried (an auth may add one the stored values do not hold; a
    whole Authorization header, which a server may echo base64-encoded). Kept per versions: a call like
    the last one builds nothing."""
    versions = list(dict.fromkeys(masker.version for masker in used))
    masker = used[0]
    if len(versions) > 1:
        masker = _maskers.get(masking.version_of("merged", versions), lambda: used[0].merged(*used[1:]))
    sent = [value for hop in (*response.history, response) for value in masker.sent_values(hop.request)]
    return plan.with_sent(masker, sent) if sent else masker


def connection_url(connection, url):
    """Return the absolute URL a request through `connection` goes to: a path is relative to the
    connector's Base URL. Raise DestinationRefused when the URL is not on the connector's API origins
    (and the builder did not allow other hosts without credentials)."""
    return _destination(connection, _plan(connection), url)[0]


def _destination(connection, plan, url):
    """Return (the absolute URL, whether it is on the connection's API origins); raise DestinationRefused
    as connection_url says."""
    try:
        url = api_origins.absolute(url, lambda: plan.base_url)
        # The connection's own API origin: its Base URL with its variables filled in.
        on_api = api_origins.matches(plan.origins, url)
    except api_origins.NotAnApiUrl as error:
        raise DestinationRefused(str(error)) from None
    except VariableProblem as error:
        raise DestinationRefused(f"{error} Edit the connection's values.") from None
    if not on_api and not plan.other_hosts_allowed:
        raise DestinationRefused(api_origins.refusal(connection.connector, url, connection.variables))
    return url, on_api


def _send_without_credentials(connection, method, url, started, *, record, **kwargs):
    try:
        return outbound.send(method, url, **kwargs)
    except outbound.OutboundError as error:
        record(connection, started, status=None, error=str(error))
        raise


def _after_expiry_signal(connection, response, method, url, started, *, user, used, record, **kwargs):
    """Refresh the token the API refused and retry once; mark the connection when that is impossible."""
    stale_token = connection.connector.kind.token_identity(connection.secrets)
    try:
        if connection.can_refresh:
            response.close()  # a streamed answer holds its connection until closed
            tokens.connection_refresh(connection, user=user, stale_token=stale_token)
            return _send(connection, method, url, started, user=user, used=used, record=record, **kwargs)
        reason = (f"the provider no longer accepts its token (HTTP {response.status_code} from "
                  f"{oauth_tokens.origin(url)}); authorize it again")
        raise tokens.connection_token_rejected(connection, stale_token=stale_token, reason=reason, user=user)
    except ConnectionUnavailable as error:
        record(connection, started, status=response.status_code, error=str(error))
        raise


def _send(connection, method, url, started, *, user, used, record, plan=None, **kwargs):
    auth, plan = _auth_and_plan(connection, user=user, plan=plan)
    used.append(plan.masker)
    # The connector's client certificate and CAs (mutual TLS), on calls to its API only.
    kwargs.update(plan.tls)
    try:
        return outbound.send(method, url, auth=auth, **kwargs)
    except AuthError as error:
        raise ConnectionUnavailable(str(error)) from None
    except outbound.OutboundError as error:
        record(connection, started, status=None, error=str(error))
        raise


def _without_query(url):
    return url.split("?", 1)[0].split("#", 1)[0]


def _record_use(connection, at, *, status, error):
    # A targeted UPDATE, at once: concurrent calls must not overwrite each other's other fields.
    usage.record(connection, at=at, status=status, error=error, detail=None, user=None, at_once=True)


def _not_recorded(connection, at, *, status, error):
    """A health check's failure: the check keeps its own result."""


@dataclass
class TestResult:
    ok: bool
    message: str
    status: int | None = None


def connection_test(*, connection, user):
    """Run the connector's test request through the connection; record and return the result."""
    # A connection that cannot be used (disabled, revoked, needing reauthorization) keeps its
    # status: only a request that was actually made says whether the values work.
    status = None
    try:
        result = _run_test(connection, user)
        status = Connection.Status.CONNECTED if result.ok else Connection.Status.FAILING
    except ConnectionUnavailable as error:
        result = TestResult(False, f"The test request could not be made: {error}")
    except outbound.OutboundError as error:
        result = TestResult(False, f"The test request could not be made: {error}")
        status = Connection.Status.FAILING
    # The test URL is the builder's, but a URL can still spell a value this connection holds.
    result.message = connection_masker(connection).text(result.message)
    fields = {"last_test_at": timezone.now(), "last_test_ok": result.ok, "last_test_message": result.message[:500]}
    Connection.objects.filter(pk=connection.pk).update(**fields, **({"status": status} if status else {}))
    connection.refresh_from_db(fields=["last_test_at", "last_test_ok", "last_test_message", "status"])
    connection.record_event(Action.TESTED, user=user, detail="passed" if result.ok else "failed")
    return result


def _run_test(connection, user):
    connector = connection.connector
    if not connector.test_url:
        connection_auth(connection)  # still refuse a disabled or undecryptable connection
        return TestResult(True, "Saved. This connector defines no test request, so the values were not checked.")
    # Recorded once, as the test (last test, a "Tested" line), not also as a call ("Called the API").
    response = connection_request(connection, connector.test_method, connector.test_url, user=user,
                                  record_usage=False)
    summary = response.masker.text(f"{connector.test_method} {_without_query(connector.test_url)} answered "
                                   f"{response.status_code} {response.reason or ''}".strip())
    if response.status_code < 400:
        return TestResult(True, f"Test passed: {summary}.", response.status_code)
    hint = " Check the values you entered." if response.status_code in (401, 403) else ""
    return TestResult(False, f"Test failed: {summary}.{hint}", response.status_code)


@transaction.atomic
def connection_delete(*, connection, user):
    logger.info("Connection %s deleted by %s", connection.link_name, user)
    connection.delete()
