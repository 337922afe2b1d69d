"""Show a request or response without the credentials it carries."""

import base64
import collections
import functools
import hashlib
import json
import re
import threading
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

from requests.structures import CaseInsensitiveDict

MASK = "••••••••"
# A type names its own credential-bearing headers (sensitive_names), e.g. AWS's X-Amz-Security-Token.
ALWAYS_SENSITIVE_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
AUTHORIZATION_HEADERS = frozenset({"authorization", "proxy-authorization"})


class Masker:
    """Replace secret values (and their encoded forms) and sensitive header/query values with a mask.

    Building one compiles a pattern per value (about 1.4 µs per character); ``merged`` combines
    maskers without compiling anything again.
    """

    version = None  # set by MaskerCache: the digest of what it hides

    def __init__(self, secret_values=(), sensitive_names=()):
        self.values = frozenset(value for value in secret_values if value and len(value) >= 4)
        self.names = frozenset(name.lower() for name in sensitive_names)
        self._patterns = {value: _value_pattern(value) for value in self.values}
        self._ordered = _longest_first(self._patterns)

    @functools.cached_property
    def stream_plan(self):
        """What a StreamMasker of this masker's values needs, worked out once (_stream_plan)."""
        return _stream_plan(self.values)

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
        headers = request.headers or {}
        if not isinstance(headers, CaseInsensitiveDict):
            headers = CaseInsensitiveDict(headers)
        found = []
        for name in AUTHORIZATION_HEADERS:
            value = headers.get(name)
            if value is not None:
                words = str(value).split()
                if 1 <= len(words) <= 2:  # "<scheme> <credential>" or a bare credential; not OAuth1's k="v", ...
                    found += [words[-1], str(value)]
        for name in self._header_names:
            value = headers.get(name)
            if value is not None:
                found.append(str(value))
        query = urlsplit(request.url or "").query if self.names else ""
        if query:
            found += [value for name, value in parse_qsl(query, keep_blank_values=True) if name.lower() in self.names]
        return [value for value in found if len(value) >= 4 and value not in self.values]

    @functools.cached_property
    def _header_names(self):
        """The sensitive names looked up among a request's headers, in a steady order."""
        return sorted(self.names - AUTHORIZATION_HEADERS)

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


def version_of(*parts):
    """Return a digest naming what a masker built from `parts` (JSON data) hides: its secrets version."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class MaskerCache:
    """Maskers by version (version_of what they hide), the most recently used kept; thread-safe."""

    def __init__(self, size=1024):
        self.size = size
        self._items = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, version, build):
        """Return the masker of `version`, calling build() to make it when it is not kept."""
        with self._lock:
            masker = self._items.get(version)
            if masker is not None:
                self._items.move_to_end(version)
                return masker
        masker = build()
        masker.version = version
        with self._lock:
            masker = self._items.setdefault(version, masker)  # another thread's, if it was first
            self._items.move_to_end(version)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return masker

    def clear(self):
        with self._lock:
            self._items.clear()


def _longest_first(patterns):
    """Return the patterns of the values longest first, so a value containing another is masked whole."""
    return [patterns[value] for value in sorted(patterns, key=len, reverse=True)]


@functools.lru_cache(maxsize=4096)
def _value_pattern(value, raw=False):
    """Return a regex matching value as a server may echo it: as is, base64-encoded, or with any of its
    characters percent-encoded once or twice (either hex case, space as +) or JSON-escaped.

    Servers re-encode what they echo each in their own way (werkzeug leaves / unencoded in a query
    string, PHP's JSON escapes it), so a fixed list of encodings would miss some. `raw`: match in bytes
    read as Latin-1 (a value's non-ASCII characters as their UTF-8 bytes).
    """
    encoded = re.escape(base64.b64encode(value.encode()).decode())
    return re.compile(encoded + "|" + "".join(_char_pattern(char, raw) for char in value))


def _char_pattern(char, raw=False):
    return "(?:" + "|".join("".join(re.escape(token) if len(token) == 1 else f"[{token}]" for token in form)
                            for form in _char_forms(char, raw)) + ")"


@functools.lru_cache(maxsize=4096)
def _char_forms(char, raw=False):
    """Return the forms a server may echo char in, each a tuple of tokens: the characters one position
    may hold (a hex digit's two cases, "fF"). `raw`: as is means char's UTF-8 bytes read as Latin-1."""
    # Percent-encoded once or twice: a server may quote a value that arrived percent-encoded (an OAuth1
    # header's values, a query string) when it echoes it inside a URL or a form field.
    forms = [tuple(char.encode().decode("latin-1") if raw else char),
             sum((_hex("%", byte, 2) for byte in char.encode()), ()),
             sum((_hex("%25", byte, 2) for byte in char.encode()), ())]
    if char == " ":
        forms += [("+",), _hex("%", 0x2B, 2)]
    if char in '"\\/':
        forms.append(("\\", char))
    if not char.isascii() or not char.isprintable():
        escaped = json.dumps(char)[1:-1]  # \u00f6, a surrogate pair, or \n
        units = re.findall(r"\\u([0-9a-f]{4})", escaped)
        forms.append(sum((_hex("\\u", int(unit, 16), 4) for unit in units), ()) if units else tuple(escaped))
    return tuple(forms)


def _hex(prefix, number, width):
    """Return the tokens of prefix + number in hex, either case (%2f and %2F)."""
    return tuple(prefix) + tuple(d + d.lower() if d.isalpha() else d for d in f"{number:0{width}X}")


def _could_begin(value, tail):
    """Return whether tail (bytes read as Latin-1) is the beginning, not the whole, of value in a form
    _value_pattern(value, raw=True) matches."""
    encoded = base64.b64encode(value.encode()).decode()
    if len(tail) < len(encoded) and encoded.startswith(tail):
        return True
    states = {(0, form) for form in _char_forms(value[0], True)}  # (character index, its form's tokens left)
    for char in tail:
        following = set()
        for index, form in states:
            if char not in form[0]:
                continue
            if len(form) > 1:
                following.add((index, form[1:]))
            elif index + 1 < len(value):
                following.update((index + 1, next_form) for next_form in _char_forms(value[index + 1], True))
        if not following:
            return False
        states = following
    return True


def _longest_form(value):
    return max(len(base64.b64encode(value.encode())),
               sum(max(len(form) for form in _char_forms(char, True)) for char in value))


def _stream_plan(values):
    """What StreamMasker needs for these values, worked out once: the values (longest first), their patterns,
    the longest tail ever held, and every character a form of a value can begin with."""
    values = sorted(values, key=len, reverse=True)
    openers = set()
    for value in values:
        openers.update(base64.b64encode(value.encode()).decode()[:1])
        openers.update(*(form[0] for form in _char_forms(value[0], True)))
    return (values, [_value_pattern(value, raw=True) for value in values],
            max(map(_longest_form, values), default=1) - 1, frozenset(openers))


class StreamMasker:
    """Mask a body arriving in chunks of bytes (read as Latin-1, so binary passes unchanged) without holding
    more than a tail that could begin a secret: feed() each chunk, then close() for what is left."""

    RAW_MASK = MASK.encode().decode("latin-1")

    def __init__(self, masker):
        self._values, self._patterns, self._window, self._openers = masker.stream_plan
        self._held = ""

    def feed(self, chunk):
        text = self._held + chunk.decode("latin-1")
        cut = self._cut(text)
        self._held = text[cut:]
        return self._mask(text[:cut])

    def close(self):
        text, self._held = self._held, ""
        return self._mask(text)

    def whole(self, data):
        """Mask a body that arrived whole: what feed(data) and close() give, without looking for a tail."""
        text, self._held = self._held + data.decode("latin-1"), ""
        return self._mask(text)

    def _mask(self, text):
        for pattern in self._patterns:
            text = pattern.sub(self.RAW_MASK, text)
        return text.encode("latin-1")

    def _cut(self, text):
        """Return where the part that can be sent ends: before the first tail that could begin a secret and
        is not inside a secret wholly in `text` (that one is masked whole)."""
        start = max(0, len(text) - self._window)
        spans = [match.span() for pattern in self._patterns
                 for match in pattern.finditer(text, max(0, start - self._window))]
        while start < len(text):
            inside = [end for begin, end in spans if begin < start < end]
            if inside:
                start = max(inside)
            elif text[start] in self._openers and any(_could_begin(value, text[start:]) for value in self._values):
                return start
            else:
                start += 1
        return len(text)
