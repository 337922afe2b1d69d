"""AWS STS AssumeRole for the AWS type: temporary credentials, kept in memory and replaced before they expire.

The call goes through the app's outbound client (connectors_site.outbound: its guard, timeouts
and size cap), signed with Signature V4 by the end user's own keys, to the regional STS endpoint
(or the connector's STS Endpoint). The answer's credentials are cached per process, keyed by a
digest of everything that went into the call, and used until REFRESH_MARGIN before their
Expiration; then the role is assumed again (one call per key at a time: concurrent callers wait
for it). Nothing of them is stored in the database; messages never show a key.
"""

import dataclasses
import datetime
import hashlib
import threading
import time
import xml.etree.ElementTree as ElementTree

from connectors_site import outbound

from . import oauth_tokens
from .base import GrantInvalid, ProviderUnavailable
from .sigv4 import SigV4Auth

STS_VERSION = "2011-06-15"
DEFAULT_DURATION = 3600
# Replace temporary credentials this long before they expire: a call signed now may be slow.
REFRESH_MARGIN = 300
RESPONSE_MAX_BYTES = 64 * 1024
SESSION_NAME = "custom-connectors"


@dataclasses.dataclass(frozen=True)
class TemporaryCredentials:
    access_key_id: str
    secret_access_key: str = dataclasses.field(repr=False)
    session_token: str = dataclasses.field(repr=False)
    expires_at: float  # epoch seconds

    def due(self, now):
        return now >= self.expires_at - REFRESH_MARGIN


def endpoint(region, configured=""):
    """Return the STS endpoint: the configured one, else the region's (sts.<region>.amazonaws.com)."""
    if configured:
        return configured.rstrip("/") + "/"
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://sts.{region}.{suffix}/"


_cache = {}
_locks = {}
_guard = threading.Lock()


def _cache_key(url, region, duration, *secrets):
    return hashlib.sha256("\0".join(str(part) for part in (url, region, duration, *secrets)).encode()).hexdigest()


def cached(*, access_key_id, secret_access_key, session_token, role_arn, external_id, region, sts_endpoint="",
           duration=DEFAULT_DURATION):
    """Return the cached TemporaryCredentials for these values, or None (no STS call)."""
    url = endpoint(region, sts_endpoint)
    return _cache.get(_cache_key(url, region, duration, access_key_id, secret_access_key, session_token, role_arn,
                                 external_id))


def temporary_credentials(*, access_key_id, secret_access_key, session_token, role_arn, external_id, region,
                          sts_endpoint="", duration=DEFAULT_DURATION, now=None):
    """Return TemporaryCredentials for the role, from the cache while they are not due."""
    url = endpoint(region, sts_endpoint)
    key = _cache_key(url, region, duration, access_key_id, secret_access_key, session_token, role_arn, external_id)
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        current = _cache.get(key)
        if current is not None and not current.due(time.time() if now is None else now):
            return current
        fresh = assume_role(access_key_id=access_key_id, secret_access_key=secret_access_key,
                            session_token=session_token, role_arn=role_arn, external_id=external_id, region=region,
                            url=url, duration=duration)
        _cache[key] = fresh
        return fresh


def forget_all():
    """Drop every cached credential (tests; a key rotation)."""
    with _guard:
        _cache.clear()


def assume_role(*, access_key_id, secret_access_key, session_token, role_arn, external_id, region, url, duration):
    """Call STS AssumeRole and return the TemporaryCredentials it answers; raise an AuthError otherwise."""
    data = {"Action": "AssumeRole", "Version": STS_VERSION, "RoleArn": role_arn, "RoleSessionName": SESSION_NAME,
            "DurationSeconds": str(duration)}
    if external_id:
        data["ExternalId"] = external_id
    auth = SigV4Auth(access_key_id, secret_access_key, "sts", region, session_token=session_token or None)
    try:
        response = outbound.send("POST", url, data=data, auth=auth, timeout=oauth_tokens.timeout(),
                                 allow_redirects=False, max_bytes=RESPONSE_MAX_BYTES)
    except outbound.OutboundError as error:
        raise ProviderUnavailable(f"AWS STS could not be reached to assume the role: {error}") from None
    hidden = [secret_access_key, session_token, external_id]
    root = _parse(response.content)
    if response.status_code >= 500 or response.status_code == 429:
        raise ProviderUnavailable(f"AWS STS failed (HTTP {response.status_code}); try again later.")
    if response.status_code != 200:
        code, message = _error(root)
        detail = oauth_tokens.safe_text(f"{code}: {message}" if message else code, hidden, limit=300)
        raise GrantInvalid(f"AWS STS refused to assume the role {oauth_tokens.safe_text(role_arn, limit=200)} "
                           f"({detail or f'HTTP {response.status_code}'}). Check the Role ARN, the External ID and "
                           "that your keys may assume it.")
    found = {name: _text(root, name) for name in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")}
    if root is None or not all(found.values()):
        raise ProviderUnavailable("AWS STS answered without temporary credentials; try again later.")
    return TemporaryCredentials(found["AccessKeyId"], found["SecretAccessKey"], found["SessionToken"],
                                _epoch(found["Expiration"]))


def _parse(content):
    try:
        return ElementTree.fromstring(content) if content else None
    except ElementTree.ParseError:
        return None


def _text(root, name):
    """Return the text of the first element named `name` (any namespace) under root, or ""."""
    if root is None:
        return ""
    for element in root.iter():
        if element.tag.rpartition("}")[2] == name:
            return (element.text or "").strip()
    return ""


def _error(root):
    return _text(root, "Code") or "error", _text(root, "Message")


def _epoch(text):
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ProviderUnavailable("AWS STS answered an expiration it did not write as a date.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()
