"""Call plans: what calls through a connection derive from its stored values, made once per version of
them and kept per process (issue 12): the Masker, the filled-in config, TLS options, API origins."""

import collections
import copy
import functools
import hashlib
import pickle
import threading

from auth_types import mtls
from auth_types.base import FORM
from auth_types.variables import VariableProblem
from builder import api_origins
from connectors_site.crypto import is_undecryptable

from . import masking
from .errors import ConnectionUnavailable


class CallPlan:
    """What calls through a connection derive from its stored values and its connector's settings, made
    once per version of them (`version`, a digest of them all) and kept per process (plans): the Masker of
    its credentials, the auth type's config with the connection's values filled in, its TLS options, its
    API origins. A changed secret, rotated client secret, edited setting or value is another version: the
    next call makes a new plan. Nothing here is a per-call object (an auth may keep state within a call:
    it is made per call from `kind_config`)."""

    SENT_KEPT = 16  # maskers of credentials the requests as sent carried, kept per plan

    def __init__(self, connection, version):
        connector = connection.connector
        self.version = version
        # What the lazy parts below read, as it was: the caller may change its instances after this call.
        self._connector, self._variables = copy.copy(connector), dict(connection.variables or {})
        secrets = connection.secrets if not connection.needs_reconfiguration else {}
        client = connector.secrets if not is_undecryptable(connector.secrets) else {}
        config = connector.kind_config
        self.masker = masking.Masker(secret_values=connector.kind.secret_values(config, secrets, client=client),
                                     sensitive_names=connector.kind.sensitive_names(config))
        self.masker.version = version
        self.other_hosts_allowed = connector.other_hosts == api_origins.OtherHosts.WITHOUT_CREDENTIALS
        self._sent = {}
        self._lock = threading.Lock()

    @functools.cached_property
    def tls(self):
        """outbound.send's TLS argument: the connector's client certificate and CAs (mutual TLS), or none."""
        return mtls.send_kwargs(self._connector.kind_config, self._connector.secrets)

    @functools.cached_property
    def by_provider(self):
        """True when the credentials come from the provider (OAuth) rather than typed values."""
        return self._connector.kind.grant_kind(self._connector.kind_config) != FORM

    @functools.cached_property
    def kind_config(self):
        """The auth type's config with the connection's values filled in (ConnectionUnavailable when one is
        missing); shared by the calls of this version: read it, never change it."""
        try:
            return self._connector.kind_config_with(self._variables)
        except VariableProblem as error:
            raise ConnectionUnavailable(f"{error} Edit the connection's values.") from None

    @functools.cached_property
    def base_url(self):
        """The Base URL with the connection's values filled in (VariableProblem when one is missing)."""
        return api_origins.base_url(self._connector, self._variables)

    @functools.cached_property
    def origins(self):
        """The origins the credentials may be sent to (VariableProblem when a value is missing)."""
        return api_origins.origins_of(self._connector, self.base_url)

    def with_sent(self, masker, sent):
        """Return `masker` merged with a Masker of `sent` (credentials the requests carried), kept per values."""
        key = (masker.version, tuple(sent))
        found = self._sent.get(key)
        if found is None:
            found = masker.merged(masking.Masker(secret_values=sent))
            found.version = hashlib.blake2b("\0".join([masker.version, *sent]).encode(), digest_size=20).hexdigest()
            with self._lock:
                if len(self._sent) >= self.SENT_KEPT:
                    self._sent.clear()  # values that change per call (a signature) are not worth keeping
                found = self._sent.setdefault(key, found)
        return found


class Plans:
    """The process's call plans by version, the most recently used kept; thread-safe."""

    def __init__(self, size=1024):
        self.size = size
        self._items = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, connection):
        version = _version(connection)
        with self._lock:
            plan = self._items.get(version)
            if plan is not None:
                self._items.move_to_end(version)
                return plan
        plan = CallPlan(connection, version)
        with self._lock:
            plan = self._items.setdefault(version, plan)  # another thread's, if it was first
            self._items.move_to_end(version)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return plan

    def clear(self):
        with self._lock:
            self._items.clear()


def _version(connection):
    """Return the digest of everything a CallPlan is made from: the connector's settings and secrets, the
    connection's secrets and values. A pickle of this JSON data is exact and several times faster than a
    sorted json.dumps (two equal dicts built in another key order only make one more plan)."""
    connector = connection.connector
    parts = (connector.pk, connector.auth_type, connector.config, connector.scope_delimiter, connector.variables,
             connector.base_url, connector.test_url, connector.api_origins, connector.other_hosts, connector.secrets,
             connection.pk, connection.secrets, connection.variables)
    try:
        data = pickle.dumps(parts, protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError):  # not JSON data after all: slower, as exact
        data = repr(parts).encode()
    return hashlib.blake2b(data, digest_size=20).hexdigest()


plans = Plans()
