"""Where a token response holds what a connection keeps, per connector (token response mapping).

RFC 6749 puts access_token, expires_in and refresh_token at the top of the answer; some providers
nest them ({"data": {"access_token": ...}}) or give the expiry as an absolute time
("expires_at": "2026-12-01T10:00:00Z", or Unix seconds or milliseconds). A path names a field or a
path of fields joined by dots (a number indexes a list: items.0.token). The token type and the
granted scope are read beside the access token.
"""

import dataclasses
import datetime
import math
import re

from django import forms
from django.core.exceptions import ValidationError

SECONDS, TIMESTAMP = "seconds", "timestamp"
EXPIRY_FORMATS = [(SECONDS, "Seconds from now (as expires_in)"),
                  (TIMESTAMP, "An absolute time: Unix seconds or milliseconds, or ISO 8601")]
_PATH = re.compile(r"[A-Za-z0-9_$@-]+(\.[A-Za-z0-9_$@-]+)*")
# Unix times above this are milliseconds (1e11 seconds is the year 5138).
MILLISECONDS_FROM = 1e11


def validate_path(value):
    if value and not _PATH.fullmatch(value):
        raise ValidationError("Name a field of the token response, or a path of fields joined by dots "
                              "(data.access_token); letters, digits and _ $ @ - only.", code="invalid_path")


class FieldPathField(forms.CharField):
    """A path into the token response; left empty, the standard field (its initial value)."""

    default_validators = [validate_path]

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=200, **kwargs)

    def to_python(self, value):
        return super().to_python(value) or self.initial


@dataclasses.dataclass(frozen=True)
class TokenMap:
    access_token: str = "access_token"
    refresh_token: str = "refresh_token"
    expiry: str = "expires_in"
    expiry_format: str = SECONDS

    @classmethod
    def from_config(cls, config):
        """Return the connector's mapping; a path left out or empty is the standard one."""
        standard = cls()
        return cls(access_token=config.get("access_token_field") or standard.access_token,
                   refresh_token=config.get("refresh_token_field") or standard.refresh_token,
                   expiry=config.get("expiry_field") or standard.expiry,
                   expiry_format=TIMESTAMP if config.get("expiry_format") == TIMESTAMP else SECONDS)

    def beside_access_token(self, body, name):
        """Return the field `name` of the object that holds the access token (token_type, scope), or None."""
        parent = self.access_token.rpartition(".")[0]
        holder = value_at(body, parent) if parent else body
        return holder.get(name) if isinstance(holder, dict) else None

    def lifetime(self, body, *, now, default, longest):
        """Return the seconds the access token lives: as the answer says, the default when it does not (or
        says something absurd), at most `longest`."""
        value = value_at(body, self.expiry)
        seconds = _seconds(value) if self.expiry_format == SECONDS else _until(value, now)
        if seconds is None or not math.isfinite(seconds) or seconds <= 0:
            return default
        return min(seconds, longest)


def value_at(body, path):
    """Return the value at a dotted path of a decoded JSON body, or None when there is none."""
    value = body
    for name in path.split("."):
        if isinstance(value, dict):
            value = value.get(name)
        elif isinstance(value, list) and name.isdigit() and int(name) < len(value):
            value = value[int(name)]
        else:
            return None
    return value


def _seconds(value):
    """Return a number or a numeric string as seconds; None otherwise."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _until(value, now):
    """Return the seconds from now (epoch seconds) until an absolute time, or None when it is none."""
    number = _seconds(value)
    if number is not None:
        if not math.isfinite(number):
            return None
        return (number / 1000 if number > MILLISECONDS_FROM else number) - now
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)  # a provider's time without a zone: UTC
    return moment.timestamp() - now
