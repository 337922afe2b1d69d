"""List what each of a document's security schemes becomes, or why it cannot be imported."""

import dataclasses

from auth_types import registry

from .base import DocumentRefused, Scheme, _Unusable
from .discovery import _openid
from .oauth2 import _oauth2
from .spec import _declared_schemes, _key_text, _ref, server_url
from .text import _SCAN_LIMIT, clean_description, clean_parameter_name

MAX_SCHEMES = 50     # real documents declare a handful; each is validated, and each choice shown
MAX_DISCOVERIES = 3  # OpenID Connect discovery fetches per document, each up to DISCOVERY_TIMEOUT
# Set by the admin in Security (their own OAuth client), so not checked here.
ADMIN_COMPLETES = ("client_id",)


def security_schemes(spec):
    """Return a Scheme for each choice the document's security schemes offer, refused ones too."""
    declared = _declared_schemes(spec)
    if len(declared) > MAX_SCHEMES:
        raise DocumentRefused(f"The document declares {len(declared)} security schemes; at most {MAX_SCHEMES} "
                              "can be read.")
    base, choices, discoveries = server_url(spec), [], 0
    for key, raw in declared.items():
        key, raw = _key_text(key), _ref(spec, raw)
        if not isinstance(raw, dict):
            choices.append(Scheme(key, "unknown", "", False, "its definition is not an object", key=key))
            continue
        discoveries += raw.get("type") == "openIdConnect"
        if discoveries > MAX_DISCOVERIES and raw.get("type") == "openIdConnect":
            choices.append(Scheme(key, "openIdConnect", "", False, f"only the first {MAX_DISCOVERIES} OpenID "
                                  "Connect schemes of a document are looked up", key=key))
            continue
        choices += [_checked(choice) for choice in _choices_for(key, raw, base)]
    return choices


def _choices_for(key, raw, base):
    kind = str(raw.get("type", ""))
    detail = {"apiKey": raw.get("in"), "http": raw.get("scheme")}.get(kind)
    label = f"{kind} {'in ' if kind == 'apiKey' else ''}{detail}" if isinstance(detail, str) else kind
    try:
        if kind == "apiKey":
            return [_api_key(key, raw, label)]
        if kind in ("http", "basic"):  # Swagger 2 names Basic as its own type
            return [_http(key, raw, label, "basic" if kind == "basic" else str(detail).lower())]
        if kind == "oauth2":
            return _oauth2(key, raw, base)
        if kind == "openIdConnect":
            return [_openid(key, raw, base)]
        if kind == "mutualTLS":
            raise _Unusable("mutual TLS (client certificates) is not supported")
        raise _Unusable(f"the type “{kind[:40]}” is not one this importer knows")
    except _Unusable as error:
        return [Scheme(key, label, "", False, str(error), key=key)]


def _checked(choice):
    """Refuse a choice whose mapped configuration the auth type's own form would not accept."""
    if not choice.importable:
        return choice
    form = registry.get(choice.auth_type).config_form.from_stored(choice.config, {})
    form.is_valid()
    skipped = {f"{form.fields[name].label}: {error}" for name in ADMIN_COMPLETES + form.secret_fields
               if name in form.fields for error in form.errors.get(name, ())}
    problems = [problem for problem in form.error_list() if problem not in skipped]
    if problems:
        return dataclasses.replace(choice, importable=False, reason="its settings are not valid here: "
                                   + "; ".join(problems))
    return choice


def _api_key(key, raw, kind):
    location, parameter = raw.get("in"), raw.get("name")
    if location == "cookie":
        raise _Unusable("cookies are not supported as an API key location")
    if location not in ("header", "query"):
        raise _Unusable(f"“{str(location)[:20]}” is not a location an API key can be sent in (header or query)")
    if not isinstance(parameter, str) or not parameter:
        raise _Unusable("it names no parameter for the API key")
    # A short description names the key well ("Your API token"); a long one is prose: the key's name then.
    description = clean_parameter_name(raw.get("description"), limit=_SCAN_LIMIT)
    name = description if 0 < len(description) <= 50 else clean_parameter_name(key) or "API Key"
    config = {"parameters": [{"name": name, "key": parameter, "location": location}]}
    where = "the query string" if location == "query" else "a header"
    return Scheme(key, kind, f"API Key: {parameter} in {where}", True, key=key, auth_type="api_key", config=config)


def _http(key, raw, kind, scheme):
    if scheme == "basic":
        config = {"username_name": "Username", "username_key": "username",
                  "password_name": "Password", "password_key": "password"}
        return Scheme(key, kind, "Basic: the end user enters a username and a password", True, key=key,
                      auth_type="basic", config=config)
    if scheme == "bearer":
        config = {"location": "header", "parameter_name": "Bearer Token", "parameter_key": "Authorization",
                  "token_prefix": "Bearer"}
        token_format = clean_description(raw.get("bearerFormat"), 40)
        note = f"Bearer format: {token_format}." if token_format else ""
        summary = "Bearer Token: Authorization: Bearer <token>" + (f" ({token_format})" if token_format else "")
        return Scheme(key, kind, summary, True, key=key, auth_type="bearer", config=config, note=note)
    raise _Unusable(f"HTTP “{scheme[:20]}” authentication is not supported (only basic and bearer are)")
