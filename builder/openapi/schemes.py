"""List what each of a document's security schemes becomes, or why it cannot be imported."""

import dataclasses

from auth_types import registry
from auth_types.base import OPENAPI_DISCOVERY, OpenAPISchemeRefused

from .base import DocumentRefused, Scheme
from .context import _Context
from .discovery import _discovered
from .spec import _declared_schemes, _key_text, _ref, server_url

MAX_SCHEMES = 50     # real documents declare a handful; each is validated, and each choice shown
MAX_DISCOVERIES = 3  # OpenID Connect discovery fetches per document, each up to DISCOVERY_TIMEOUT


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
    """Return the Schemes the auth types offer for one declared scheme, or one saying why there are none."""
    kind = str(raw.get("type", ""))
    detail = {"apiKey": raw.get("in"), "http": raw.get("scheme")}.get(kind)
    label = f"{kind} {'in ' if kind == 'apiKey' else ''}{detail}" if isinstance(detail, str) else kind
    try:
        raw = {name: value for name, value in raw.items() if name != OPENAPI_DISCOVERY}  # only a fetch adds it
        if kind == "openIdConnect":  # the types read its provider's discovery document
            found = registry.openapi_choices(key, _discovered(raw, base), _Context(None, resolve=False))
            found = [dataclasses.replace(choice, kind=label) for choice in found]
        else:
            found = registry.openapi_choices(key, raw, _Context(base))
        if found:
            return [_scheme(key, choice) for choice in found]
        if kind == "http":
            raise OpenAPISchemeRefused(f"HTTP “{str(detail).lower()[:20]}” authentication is not supported "
                                       f"(only {_listed(registry.openapi_http_schemes())} are)")
        if kind == "mutualTLS":
            raise OpenAPISchemeRefused("mutual TLS (client certificates) is not supported")
        raise OpenAPISchemeRefused(f"the type “{kind[:40]}” is not one this importer knows")
    except OpenAPISchemeRefused as error:
        return [Scheme(key, label, "", False, str(error), key=key)]


def _scheme(key, choice):
    """Return the Scheme for an auth type's OpenAPIChoice."""
    if choice.reason:
        return Scheme(choice.name, choice.kind, "", False, choice.reason, key=key)
    return Scheme(choice.name, choice.kind, choice.summary, True, key=key, auth_type=choice.auth_type,
                  config=choice.config, scopes=choice.scopes, note=choice.note, warnings=list(choice.warnings))


def _listed(names):
    return " and ".join(filter(None, [", ".join(names[:-1]), *names[-1:]]))


def _checked(choice):
    """Refuse a choice whose mapped configuration the auth type's own form would not accept."""
    if not choice.importable:
        return choice
    kind = registry.get(choice.auth_type)
    form = kind.config_form.from_stored(choice.config, {})
    form.is_valid()
    # What the admin enters in Security (their own client, its secrets) is not in the document.
    skipped = {f"{form.fields[name].label}: {error}" for name in kind.admin_completes + form.secret_fields
               if name in form.fields for error in form.errors.get(name, ())}
    problems = [problem for problem in form.error_list() if problem not in skipped]
    if problems:
        return dataclasses.replace(choice, importable=False, reason="its settings are not valid here: "
                                   + "; ".join(problems))
    return choice
