"""reverse() once per process for addresses every page draws (a reverse costs about 20 µs).

Kept per URLconf and script prefix, so a test's other URLconf or a deployment under a prefix gets its own.
For names of one application instance (the site's own, the admin's), whose arguments are plain values.
"""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def reverse_once(name, *args):
    """What reverse(name, args=args) gives, reversed once per process, URLconf and script prefix."""
    return _reversed(name, args, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@functools.lru_cache(maxsize=256)
def _reversed(name, args, urlconf, prefix):
    return reverse(name, args=args, urlconf=urlconf)
