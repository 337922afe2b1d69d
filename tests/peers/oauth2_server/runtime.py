"""State the peer changes while it runs: the access-token lifetime and request counts.

Kept free of Django imports so that settings.py can reference it.
"""

import threading
from collections import Counter

# Paths the tests use to look at the peer itself: counting them would blur the counts.
UNCOUNTED_PREFIXES = ("/faults/counts/", "/health/")

_lock = threading.Lock()
_counts = Counter()
_access_token_ttl = {"seconds": 3600}


def access_token_ttl(request=None):
    """Return the lifetime of new access tokens; oauthlib calls it for every token."""
    return _access_token_ttl["seconds"]


def set_access_token_ttl(seconds):
    _access_token_ttl["seconds"] = int(seconds)


def count(path):
    if path.startswith(UNCOUNTED_PREFIXES):
        return
    with _lock:
        _counts[path] += 1


def counts():
    with _lock:
        return dict(_counts)


def reset_counts():
    with _lock:
        _counts.clear()


def count_requests(get_response):
    """Count every request by path, whatever view answers it (middleware)."""

    def middleware(request):
        count(request.path)
        return get_response(request)

    return middleware
