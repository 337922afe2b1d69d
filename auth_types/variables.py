"""Connection variables: {placeholders} in a connector's URLs, filled per connection.

A connector's URLs (Security's authorization, token, refresh and revoke URLs, the Base URL, the
test request) and its OAuth scope values may hold placeholders such as
``https://{shop}.myshopify.com/admin/oauth/authorize``.
Each is a variable of the connector, defined as::

    {"name": "shop", "label": "Shop", "help": "...", "kind": "dns_label"}
    {"name": "region", "label": "Region", "kind": "choice", "choices": ["eu", "us"]}
    {"name": "instance_url", "label": "Instance", "kind": "token", "token_field": "instance_url",
     "hosts": ["*.salesforce.com"]}

The end user gives a dns_label or choice value at Add Connection; a token variable is filled from
the token response (Salesforce's instance_url: a whole origin, only at the start of a URL). A
value never makes a URL point at another host than its template says: values are checked
(a DNS label has no dot, slash, colon, @ or %; a choice is one the builder listed; a token origin
is scheme://host[:port] on one of the listed hosts), and the filled URL's scheme and authority
are compared with the template's, values put in as text.

Plain data, no models: the builder stores definitions, the connections app values.
"""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

DNS_LABEL, CHOICE, TOKEN = "dns_label", "choice", "token"
KINDS = {DNS_LABEL: "a DNS label", CHOICE: "one of a list", TOKEN: "from the token response"}
MAX_VARIABLES = 10
NAME = re.compile(r"[a-z_][a-z0-9_]{0,49}")
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]{0,49})\}")
_DNS_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
# A listed value may sit in a host or a path: no "/", "@", ":", "%", "?", "#" or "\".
_CHOICE = re.compile(r"[A-Za-z0-9._~-]{1,100}")
_HOST_PATTERN = re.compile(r"(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*")
_FIELD_PATH = re.compile(r"[A-Za-z0-9_$@-]+(\.[A-Za-z0-9_$@-]+)*")


class VariableProblem(ValueError):
    """A value (or a definition) cannot be used; the message is safe to show and names the variable."""


# --- definitions ------------------------------------------------------------------------------

def clean_definitions(definitions):
    """Return the definitions checked and normalised; raise ValidationError listing every problem."""
    if not isinstance(definitions, list):
        raise ValidationError("Give a list of connection variables.")
    if len(definitions) > MAX_VARIABLES:
        raise ValidationError(f"A connector has at most {MAX_VARIABLES} connection variables.")
    cleaned, errors, names = [], [], set()
    for number, definition in enumerate(definitions, start=1):
        try:
            row = _clean_definition(definition)
        except ValidationError as error:
            errors += [f"Variable {number}: {message}" for message in error.messages]
            continue
        if row["name"] in names:
            errors.append(f"Variable {number}: “{row['name']}” is defined twice.")
        names.add(row["name"])
        cleaned.append(row)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_definition(definition):
    if not isinstance(definition, dict):
        raise ValidationError("give name, label and kind.")
    name, label, kind = (definition.get(key) for key in ("name", "label", "kind"))
    help_text = definition.get("help") or ""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ValidationError("a name is lowercase letters, digits and _, starting with a letter or _ "
                              "(at most 50), as in {shop}.")
    if not isinstance(label, str) or not label.strip() or len(label) > 100 or not label.isprintable():
        raise ValidationError(f"{name}: give a label of at most 100 characters (shown to the end user).")
    if not isinstance(help_text, str) or len(help_text) > 300 or not help_text.isprintable():
        raise ValidationError(f"{name}: a help text is at most 300 characters on one line.")
    row = {"name": name, "label": label.strip(), "help": help_text.strip(), "kind": kind}
    if kind == DNS_LABEL:
        return row
    if kind == CHOICE:
        choices = definition.get("choices")
        if not isinstance(choices, list) or not choices or len(choices) > 50 or not all(
                isinstance(choice, str) and _CHOICE.fullmatch(choice) for choice in choices):
            raise ValidationError(f"{name}: list 1 to 50 choices of letters, digits and . _ ~ - only.")
        return {**row, "choices": list(dict.fromkeys(choices))}
    if kind == TOKEN:
        field, hosts = definition.get("token_field"), definition.get("hosts") or []
        if not isinstance(field, str) or not _FIELD_PATH.fullmatch(field):
            raise ValidationError(f"{name}: name the token response's field that holds it (instance_url).")
        if not isinstance(hosts, list) or not all(isinstance(host, str) and _HOST_PATTERN.fullmatch(host.lower())
                                                  for host in hosts):
            raise ValidationError(f"{name}: list the hosts it may name as example.com or *.example.com.")
        return {**row, "token_field": field, "hosts": [host.lower() for host in hosts]}
    raise ValidationError(f"{name}: the kind is {', '.join(KINDS)}.")


def prompted(definitions):
    """Return the definitions the end user gives a value for (not filled from the token response)."""
    return [definition for definition in definitions or [] if definition.get("kind") != TOKEN]


def from_token(definitions):
    return [definition for definition in definitions or [] if definition.get("kind") == TOKEN]


def placeholders(url):
    return PLACEHOLDER.findall(url or "")


def sample(url):
    """Return url with each placeholder replaced by a sample value, to check the rest of it as a URL."""
    leading = PLACEHOLDER.match(url)
    if leading:  # a whole origin (a token variable)
        url = "https://placeholder.example" + url[leading.end():]
    return PLACEHOLDER.sub(lambda m: "v" + m.group(1).replace("_", "-"), url)


# --- values -----------------------------------------------------------------------------------

def clean_value(definition, value):
    """Return the value checked and normalised for its variable; raise VariableProblem."""
    label = definition.get("label") or definition.get("name")
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        raise VariableProblem(f"Give a value for {label}.")
    kind = definition.get("kind")
    if kind == DNS_LABEL:
        value = value.lower()
        if not _DNS_LABEL.fullmatch(value):
            raise VariableProblem(f"{label}: use letters, digits and hyphens only (no dots, slashes or spaces), "
                                  "at most 63, not starting or ending with a hyphen.")
        return value
    if kind == CHOICE:
        if value not in (definition.get("choices") or []):
            raise VariableProblem(f"{label}: choose one of {', '.join(definition.get('choices') or [])}.")
        return value
    if kind == TOKEN:
        return _clean_origin(definition, label, value)
    raise VariableProblem(f"{label}: this connector's variable is not usable; ask its builder to fix it.")


def _clean_origin(definition, label, value):
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:
        port = None
        value = ""
    host = (parts.hostname or "").rstrip(".")
    if (parts.scheme not in ("https", "http") or not host or not _HOST_PATTERN.fullmatch(host)
            or "@" in parts.netloc or "\\" in value or parts.path not in ("", "/") or parts.query or parts.fragment
            or "#" in value or "?" in value):
        raise VariableProblem(f"{label}: the provider named no usable origin (scheme://host).")
    from .validators import validate_service_url  # the scheme rules (https only unless allowed)

    origin = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    try:
        validate_service_url(origin + "/")
    except ValidationError:
        raise VariableProblem(f"{label}: the provider named an origin that may not be called.") from None
    hosts = definition.get("hosts") or []
    if hosts and not any(host == allowed or (allowed.startswith("*.") and host.endswith(allowed[1:]))
                         for allowed in hosts):
        raise VariableProblem(f"{label}: the provider named a host that is not one of {', '.join(hosts)}.")
    return origin


def clean_values(definitions, values):
    """Return {name: value} for every prompted variable, checked; raise VariableProblem at the first problem."""
    return {definition["name"]: clean_value(definition, (values or {}).get(definition["name"]))
            for definition in prompted(definitions)}


def values_from_token(definitions, token_fields):
    """Return {name: value} for the token variables the token response filled (checked); raise VariableProblem."""
    return {definition["name"]: clean_value(definition, (token_fields or {}).get(definition["token_field"]))
            for definition in from_token(definitions)}


# --- filling ----------------------------------------------------------------------------------

def fill(url, definitions, values):
    """Return url with the connector's variables filled in; placeholders that are no variable stay.

    Raise VariableProblem when a value is missing or invalid, or when the filled URL would not have
    the scheme and authority its template says.
    """
    if not url or "{" not in url:
        return url
    defined = {definition["name"]: definition for definition in definitions or []}
    used = {name for name in placeholders(url) if name in defined}
    if not used:
        return url
    cleaned = {}
    for name in used:
        definition = defined[name]
        cleaned[name] = clean_value(definition, (values or {}).get(name))
        if definition["kind"] == TOKEN and not url.startswith("{" + name + "}"):
            raise VariableProblem(f"{definition['label']} is a whole origin: it may only start a URL.")
    filled = PLACEHOLDER.sub(lambda m: cleaned.get(m.group(1), m.group(0)), url)
    _check_authority(url, filled, cleaned)
    return filled


def fill_scope(value, definitions, values):
    """Return a scope value with the connector's variables filled in (Dynamics 365's
    ``https://{org}.crm.dynamics.com/user_impersonation``); raise VariableProblem as fill() does.

    A scope that is a URL (or starts with a token variable) is filled by the URL rules; any other is
    filled with the checked values as text (a DNS label or a listed choice has no delimiter in it).
    """
    if not value or "{" not in value:
        return value
    defined = {definition["name"]: definition for definition in definitions or []}
    used = [name for name in placeholders(value) if name in defined]
    if "://" in value or any(defined[name]["kind"] == TOKEN for name in used):
        return fill(value, definitions, values)
    cleaned = {name: clean_value(defined[name], (values or {}).get(name)) for name in used}
    return PLACEHOLDER.sub(lambda m: cleaned.get(m.group(1), m.group(0)), value)


def scope_placeholder_problem(value, definitions):
    """Return why a scope value's {placeholders} cannot be filled (a message), or "" when they can."""
    defined = {definition.get("name"): definition for definition in definitions or [] if isinstance(definition, dict)}
    for name in dict.fromkeys(placeholders(value)):
        if name not in defined:
            return f"{{{name}}} is not a connection variable (define it under API)."
        if defined[name].get("kind") == TOKEN and not value.startswith("{" + name + "}"):
            return f"{{{name}}} is a whole origin: it may only start a scope value."
    return ""


def _authority(url):
    """Return (scheme, authority text) of a URL or template, by text: up to the first / ? or #."""
    scheme, sep, rest = url.partition("://")
    return (scheme.lower(), re.split(r"[/?#]", rest, maxsplit=1)[0]) if sep else ("", "")


def _check_authority(template, filled, values):
    if template.startswith("{"):
        name = PLACEHOLDER.match(template).group(1)
        expected_scheme, expected = _authority(values[name])
        rest = template[len(name) + 2:]
        if rest and rest[0] not in "/?#":
            raise VariableProblem("A URL that starts with a variable continues with a path (/...).")
    else:
        expected_scheme, text = _authority(template)
        expected = PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    parts = urlsplit(filled)
    if (parts.scheme.lower() != expected_scheme or parts.netloc.lower() != expected.lower()
            or "@" in parts.netloc or "\\" in filled or "%" in parts.netloc):
        raise VariableProblem("A connection variable would make this URL point elsewhere than its template says.")


# --- the builder's text form: one variable per line -------------------------------------------

LINE_HELP = ("One variable per line: name | Label | kind | help. The kind is dns (a DNS label, the default), "
             "one of: eu, us (a list), or token: instance_url within *.salesforce.com (filled from the token "
             "response; the hosts are optional). Use it as {name} in the URLs.")


def parse_lines(text):
    """Return the definitions the builder typed (see LINE_HELP), checked; raise ValidationError naming the line."""
    definitions, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) < 2 or len(cells) > 4:
            errors.append(f"Line {number}: write name | Label | kind | help (kind and help are optional).")
            continue
        name, label, kind, help_text = (cells + ["", ""])[:4]
        definition = {"name": name, "label": label, "help": help_text}
        spec, _, detail = kind.partition(":")
        spec = spec.strip().lower()
        if spec in ("", "dns", "dns label", "dns_label"):
            definition["kind"] = DNS_LABEL
        elif spec == "one of":
            definition.update(kind=CHOICE, choices=[choice.strip() for choice in detail.split(",") if choice.strip()])
        elif spec == "token":
            field, _, hosts = detail.strip().partition(" within ")
            definition.update(kind=TOKEN, token_field=field.strip(),
                              hosts=[host.strip() for host in hosts.split(",") if host.strip()])
        else:
            errors.append(f"Line {number}: the kind is dns, one of: a, b, or token: field.")
            continue
        definitions.append(definition)
    if errors:
        raise ValidationError(errors)
    try:
        return clean_definitions(definitions)
    except ValidationError as error:
        raise ValidationError(error.messages) from None


def format_lines(definitions):
    """Return definitions as the builder types them."""
    lines = []
    for definition in definitions or []:
        if not isinstance(definition, dict):
            continue
        kind = definition.get("kind")
        if kind == CHOICE:
            spec = "one of: " + ", ".join(definition.get("choices") or [])
        elif kind == TOKEN:
            hosts = ", ".join(definition.get("hosts") or [])
            spec = f"token: {definition.get('token_field', '')}" + (f" within {hosts}" if hosts else "")
        else:
            spec = "dns"
        cells = [definition.get("name", ""), definition.get("label", ""), spec, definition.get("help", "")]
        lines.append(" | ".join(cells).rstrip(" |"))
    return "\n".join(lines)

