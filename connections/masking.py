"""Show a request or response without the credentials it carries."""

import base64
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

MASK = "••••••••"
ALWAYS_SENSITIVE_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-amz-security-token"}


class Masker:
    """Replace secret values (and their encoded forms) and sensitive header/query values with a mask."""

    def __init__(self, secret_values=(), sensitive_names=()):
        values = set()
        for value in secret_values:
            if value and len(value) >= 4:
                values |= {value, quote(value, safe=""), quote_plus(value),
                           base64.b64encode(value.encode()).decode()}
        # Longest first, so a value containing another is masked whole.
        self.values = sorted(values, key=len, reverse=True)
        self.names = {name.lower() for name in sensitive_names}

    def text(self, text):
        if not text:
            return text
        for value in self.values:
            text = text.replace(value, MASK)
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
        pieces = []
        for piece in parts.query.split("&") if parts.query else []:
            name = piece.split("=", 1)[0]
            pieces.append(f"{name}={MASK}" if unquote_plus(name).lower() in self.names else piece)
        return self.text(urlunsplit(parts._replace(query="&".join(pieces))))
