"""Show a request or response without the credentials it carries."""

import base64
import json
import re
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

MASK = "••••••••"
# A type names its own credential-bearing headers (sensitive_names), e.g. AWS's X-Amz-Security-Token.
ALWAYS_SENSITIVE_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}


class Masker:
    """Replace secret values (and their encoded forms) and sensitive header/query values with a mask."""

    def __init__(self, secret_values=(), sensitive_names=()):
        values = {value for value in secret_values if value and len(value) >= 4}
        # Longest first, so a value containing another is masked whole.
        self.patterns = [_value_pattern(value) for value in sorted(values, key=len, reverse=True)]
        self.names = {name.lower() for name in sensitive_names}

    def text(self, text):
        if not text:
            return text
        for pattern in self.patterns:
            text = pattern.sub(MASK, text)
        return text

    def header(self, name, value):
        lowered = name.lower()
        if lowered in ALWAYS_SENSITIVE_HEADERS or lowered in self.names:
            scheme = value.split(" ", 1)[0] if " " in value and lowered in {"authorization", "proxy-authorization"} else ""
            return f"{scheme} {MASK}".strip()
        return self.text(value)

    def headers(self, headers):
        return [(name, self.header(name, str(value))) for name, value in headers.items()]

    def url(self, url):
        parts = urlsplit(url)
        query = [(k, MASK if k.lower() in self.names else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        # urlencode would percent-encode the mask itself (its safe= takes ASCII only).
        masked_query = urlencode(query).replace(quote_plus(MASK), MASK) if query else parts.query
        return self.text(urlunsplit(parts._replace(query=masked_query)))


def _value_pattern(value):
    """Return a regex matching value as a server may echo it: as is, base64-encoded, or with any of its
    characters percent-encoded (either hex case, space as +) or JSON-escaped.

    Servers re-encode what they echo each in their own way (werkzeug leaves / unencoded in a query
    string, PHP's JSON escapes it), so a fixed list of encodings would miss some.
    """
    encoded = re.escape(base64.b64encode(value.encode()).decode())
    return re.compile(encoded + "|" + "".join(_char_pattern(char) for char in value))


def _char_pattern(char):
    forms = [re.escape(char), "".join(_hex("%", byte, 2) for byte in char.encode())]
    if char == " ":
        forms.append(r"\+")
    if char in '"\\/':
        forms.append(re.escape("\\" + char))
    if not char.isascii() or not char.isprintable():
        escaped = json.dumps(char)[1:-1]  # \u00f6, a surrogate pair, or \n
        units = re.findall(r"\\u([0-9a-f]{4})", escaped)
        forms.append("".join(_hex(r"\\u", int(unit, 16), 4) for unit in units) if units else re.escape(escaped))
    return "(?:" + "|".join(forms) + ")"


def _hex(prefix, number, width):
    """Return a pattern for prefix + number in hex, either case (%2f and %2F)."""
    digits = f"{number:0{width}X}"
    return prefix + "".join(f"[{d}{d.lower()}]" if d.isalpha() else d for d in digits)
