"""Every named URL of the site, with its arguments filled in: for tests that must hold on every page.

A pattern's arguments come from `samples` by name (the connector's pk, a connection's link
name...); Django admin's object pages get an object of their own model. An argument nobody
named gets a value of its converter's kind, so a URL added later is walked too.
"""

import uuid

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

FALLBACK_BY_CONVERTER = {"IntConverter": 1, "UUIDConverter": uuid.UUID(int=1)}


def named_patterns(patterns=None, namespace=""):
    """Yield (qualified name, pattern) for every named URL pattern, included ones too."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else (
                pattern.namespace or namespace)
            yield from named_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def admin_object_pk(name):
    """Return the pk of an object of the model an admin URL name is about, or None."""
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            obj = model._default_manager.order_by("pk").first()
            return obj.pk if obj else None
    return None


def argument_names(pattern):
    return list(pattern.pattern.regex.groupindex)


def site_urls(samples):
    """Return [(name, path)] for every named URL; `samples` maps argument names to values."""
    urls = []
    for name, pattern in named_patterns():
        converters = getattr(pattern.pattern, "converters", {})
        kwargs = {}
        for argument in argument_names(pattern):
            if argument in ("object_id", "id") and admin_object_pk(name) is not None:
                kwargs[argument] = admin_object_pk(name)
            elif argument in samples:
                kwargs[argument] = samples[argument]
            else:
                kwargs[argument] = FALLBACK_BY_CONVERTER.get(type(converters.get(argument)).__name__, "x")
        urls.append((name, reverse(name, kwargs=kwargs)))
    return urls
