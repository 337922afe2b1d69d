"""Expiry signals: which answers of a connector's API mean "the token has expired (or was revoked)".

A connector names status codes (401 by default; 403 for APIs that answer that) and, optionally,
a JSON body field and value, for APIs that answer 200 with an error body such as Slack's
{"ok": false, "error": "token_expired"}. The connections app refreshes and retries once on
such an answer, or marks the connection Needs reauthorization when it cannot.
"""

import json
import re

from django.core.exceptions import ValidationError
from django.db import models

MAX_BODY_BYTES = 1024 * 1024  # a larger body is no error answer worth parsing
_FIELD_PATH = re.compile(r"[A-Za-z0-9_$@-]+(\.[A-Za-z0-9_$@-]+)*")


class ExpiryStatuses(models.TextChoices):
    UNAUTHORIZED = "401", "401 Unauthorized"
    UNAUTHORIZED_OR_FORBIDDEN = "401,403", "401 Unauthorized or 403 Forbidden"
    FORBIDDEN = "403", "403 Forbidden"
    NONE = "", "No status code (only the body match below)"


def statuses(choice):
    """Return the status codes an ExpiryStatuses value stands for, as ints."""
    return [int(code) for code in (choice or "").split(",") if code]


def choice_for(codes):
    """Return the ExpiryStatuses value for a list of status codes (a document's form), or None."""
    value = ",".join(str(code) for code in sorted(set(codes)))
    return value if value in ExpiryStatuses.values else None


def validate_field_path(value):
    if value and not _FIELD_PATH.fullmatch(value):
        raise ValidationError("Name a JSON field, or a path of fields joined by dots (error.code); letters, "
                              "digits and _ $ @ - only.", code="invalid_field_path")


def body_matches(content, field_path, expected):
    """Return whether the JSON body's field at field_path (dots between names) equals expected.

    Numbers and booleans compare as JSON writes them (190, true); a body that is not a JSON
    object, or lacks the field, does not match.
    """
    if not field_path or not content or len(content) > MAX_BODY_BYTES or content.lstrip()[:1] != b"{":
        return False
    try:
        value = json.loads(content)
    except (ValueError, RecursionError):
        return False
    for name in field_path.split("."):
        if not isinstance(value, dict) or name not in value:
            return False
        value = value[name]
    shown = value if isinstance(value, str) else json.dumps(value)
    return shown == expected
