"""Show a request or response without the credentials it carries."""

import base64
import functools
import json
import re
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

MASK = "••••••••"
# A type names its own credential-bearing headers (sensitive_names), e.g. AWS's X-Amz-Security-Token.
ALWAYS_SENSITIVE_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}


class Masker:
    """Replace secret values (and their encoded forms) and sensitive header/query values with a mask.

    Building one compiles a pattern per value (about 1.4 µs per character); ``merged`` combines
    maskers without compiling anything again.
    """

    def __init__(self, secret_values=(), sensitive_names=()):
        self.values = frozenset(value for value in secret_values if value and len(value) >= 4)
        self.names = frozenset(name.lower() for name in sensitive_names)
        self._patterns = {value: _value_pattern(value) for value in self.values}
        self._ordered = _longest_first(self._patterns)

    def merged(self, *others):
        """Return a Masker hiding what this one and each of `others` hide: this one's values first."""
        combined = Masker()
        combined._patterns = dict(self._patterns)
        combined._ordered = list(self._ordered)
        names = set(self.names)
        for other in others:
            for value in sorted(other.values - combined._patterns.keys(), key=len, reverse=True):
                combined._patterns[value] = other._patterns[value]
                combined._ordered.append(other._patterns[value])
            names |= other.names
        combined.values, combined.names = frozenset(combined._patterns), frozenset(names)
        return combined

    def sent_values(self, request):
        """Return the credentials `request` (a requests.PreparedRequest) carried that this masker does not know:
        a one-word Authorization credential and the whole header (a server may base64-encode it), the values
        of sensitive headers and query parameters."""
        found = []
        for name, value in (request.headers or {}).items():
            lowered = name.lower()
            if lowered in {"authorization", "proxy-authorization"}:
                words = str(value).split()
                if 1 <= len(words) <= 2:  # "<scheme> <credential>" or a bare credential; not OAuth1's k="v", ...
                    found += [words[-1], str(value)]
            elif lowered in self.names:
                found.append(str(value))
        query = urlsplit(request.url or "").query
        found += [value for name, value in parse_qsl(query, keep_blank_values=True) if name.lower() in self.names]
        return [value for value in found if len(value) >= 4 and value not in self.values]

    def text(self, text):
        if not text:
            return text
        for pattern in self._ordered:
            text = pattern.sub(MASK, text)
        return text

    def header(self, name, value):
        lowered = name.lower()
        if lowered in ALWAYS_SENSITIVE_HEADERS or lowered in self.names:
            scheme = value.split(" ", 1)[0] if " " in value and lowered in {"authorization", "proxy-authorization"} else ""
            return f"{scheme} {MASK}".strip()
        return self.text(value)

    def headers(self, headers):
        """Return [(name, value)] with values masked, and names too (a server may echo a value as a name)."""
        return [(self.text(name), self.header(name, str(value))) for name, value in headers.items()]

    def url(self, url):
        parts = urlsplit(url)
        query = [(k, MASK if k.lower() in self.names else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        # urlencode would percent-encode the mask itself (its safe= takes ASCII only).
        masked_query = urlencode(query).replace(quote_plus(MASK), MASK) if query else parts.query
        return self.text(urlunsplit(parts._replace(query=masked_query)))


def _longest_first(patterns):
    """Return the patterns of the values longest first, so a value containing another is masked whole."""
    return [patterns[value] for value in sorted(patterns, key=len, reverse=True)]


@functools.lru_cache(maxsize=4096)
def _value_pattern(value):
    """Return a regex matching value as a server may echo it: as is, base64-encoded, or with any of its
    characters percent-encoded once or twice (either hex case, space as +) or JSON-escaped.

    Servers re-encode what they echo each in their own way (werkzeug leaves / unencoded in a query
    string, PHP's JSON escapes it), so a fixed list of encodings would miss some.
    """
    encoded = re.escape(base64.b64encode(value.encode()).decode())
    return re.compile(encoded + "|" + "".join(_char_pattern(char) for char in value))


def _char_pattern(char):
    # Percent-encoded once or twice: a server may quote a value that arrived percent-encoded (an OAuth1
    # header's values, a query string) when it echoes it inside a URL or a form field.
    forms = [re.escape(char), "".join(_hex("%", byte, 2) for byte in char.encode()),
             "".join(_hex("%25", byte, 2) for byte in char.encode())]
    if char == " ":
        forms += [r"\+", "%2[bB]"]
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
