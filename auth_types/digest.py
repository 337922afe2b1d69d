"""HTTP Digest access authentication (RFC 7616): the server challenges, the connection answers once.

Nothing is sent until the server asks. A 401 carrying a Digest challenge is answered through
the outbound client's challenge-response (DigestAuth.handle_challenge), within its timeouts and
size cap, with a response computed from the password: the password itself never travels.
Algorithms MD5, SHA-256 and SHA-512-256 and their -sess variants; qop auth (preferred) or
auth-int (the body hashed), or none for RFC 2069 servers; userhash; a username a quoted string
cannot hold goes as username* (RFC 8187). Of several challenges, the first one this module
supports is answered (RFC 7616 3.7: servers list them in their order of preference).
"""

import hashlib
import re
import secrets
from urllib.parse import quote

import requests
from django import forms
from requests.auth import AuthBase

from .base import AuthType, ConfigForm, OpenAPIChoice
from .credentials import CredentialForm, secret_text_field
from .validators import parameter_name_validator

HASHES = {"MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512_256"}
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"', re.S)


class DigestConfigForm(ConfigForm):
    username_name = forms.CharField(
        label="Username Parameter Name", max_length=50, initial="Username", validators=[parameter_name_validator],
        help_text="Display name of the field the end user fills in when authorizing a connection.",
    )
    password_name = forms.CharField(
        label="Password Parameter Name", max_length=50, initial="Password", validators=[parameter_name_validator],
    )


class DigestCredentialForm(CredentialForm):
    secret_fields = ("password",)

    def add_fields(self, config):
        self.fields["username"] = forms.CharField(
            label=config.get("username_name") or "Username", max_length=500,
            help_text="Sent in the Authorization header when the server asks (HTTP Digest).")
        self.fields["password"] = secret_text_field(
            config.get("password_name") or "Password", strip=False,
            help_text="Never sent: it answers the server's challenge with a hash (HTTP Digest).")

    def clean_username(self):
        username = self.cleaned_data["username"]
        if not username.isprintable():
            raise forms.ValidationError("A username cannot hold control characters.")
        return username


class Digest(AuthType):
    key = "digest"
    name = "Digest"
    description = (
        "The end user enters a username and a password; the password never travels: each request "
        "answers the server's HTTP Digest challenge (RFC 7616, MD5 or SHA-256)."
    )
    config_form = DigestConfigForm
    openapi_http_scheme = "digest"

    def credential_form(self, config):
        return DigestCredentialForm

    def auth(self, config, credentials, client=None):
        return DigestAuth(credentials["username"], credentials["password"])

    def openapi_choices(self, name, scheme, context):
        kind = self.openapi_http_kind(scheme)
        if not kind:
            return []
        config = {"username_name": "Username", "password_name": "Password"}
        return [OpenAPIChoice(name, kind, "Digest: the end user enters a username and a password",
                              auth_type=self.key, config=config)]


class DigestAuth(AuthBase):
    """Send nothing at first; answer a Digest challenge once (connectors_site.outbound calls handle_challenge)."""

    def __init__(self, username, password):
        self.username, self.password = username, password

    def __call__(self, request):
        return request

    def handle_challenge(self, response):
        """Return the request answering the response's Digest challenge, or None when none can be answered."""
        challenge = next((params for scheme, params in parse_challenges(response.headers.get("WWW-Authenticate", ""))
                          if scheme == "digest" and supported(params)), None)
        if challenge is None:
            return None
        sent = response.request
        headers = {name: value for name, value in sent.headers.items() if name.lower() not in ("authorization", "cookie")}
        headers["Authorization"] = authorization(challenge, self.username, self.password, method=sent.method,
                                                 uri=sent.path_url, body=sent.body)
        return requests.Request(sent.method, sent.url, headers=headers, data=sent.body)

    def __repr__(self):
        return "<DigestAuth ••••>"


# --- the challenge ----------------------------------------------------------------------------

def parse_challenges(header):
    """Return [(scheme in lower case, {parameter in lower case: value})] of a WWW-Authenticate value.

    Several challenges may share one value (and requests joins repeated fields with commas):
    a token not followed by "=" starts the next one.
    """
    challenges, position = [], 0
    while position < len(header):
        while position < len(header) and header[position] in " \t,":
            position += 1
        name = _TOKEN.match(header, position)
        if not name:
            break  # not a challenge: stop rather than guess
        position = _skip_spaces(header, name.end())
        if header.startswith("=", position) and challenges:
            position = _skip_spaces(header, position + 1)
            value = _QUOTED.match(header, position) or _TOKEN.match(header, position)
            if not value:
                break
            text = value.group(1) if value.re is _QUOTED else value.group()
            challenges[-1][1][name.group().lower()] = re.sub(r"\\(.)", r"\1", text) if value.re is _QUOTED else text
            position = value.end()
        else:
            challenges.append((name.group().lower(), {}))
    return challenges


def _skip_spaces(text, position):
    while position < len(text) and text[position] in " \t":
        position += 1
    return position


def supported(params):
    """Return whether a Digest challenge's algorithm and quality of protection are ones answered here."""
    return bool(params.get("nonce")) and _algorithm(params) is not None and _qop(params) is not False


def _algorithm(params):
    """Return (hash name, -sess) of the challenge's algorithm (MD5 when it names none), or None."""
    name = params.get("algorithm", "MD5").upper()
    session = name.endswith("-SESS")
    hash_name = HASHES.get(name.removesuffix("-SESS"))
    return (hash_name, session) if hash_name else None


def _qop(params):
    """Return "auth" or "auth-int" (auth preferred), None when the server names none, False when neither."""
    if "qop" not in params:
        return None
    offered = {value.strip().lower() for value in params["qop"].split(",")}
    return "auth" if "auth" in offered else "auth-int" if "auth-int" in offered else False


# --- the answer ------------------------------------------------------------------------------

def authorization(params, username, password, *, method, uri, body=None, cnonce=None, nc=1):
    """Return the Authorization header value answering the Digest challenge `params` (RFC 7616 3.4)."""
    hash_name, session = _algorithm(params)

    def h(text):
        return hashlib.new(hash_name, text.encode("utf-8") if isinstance(text, str) else text).hexdigest()

    realm, nonce, qop = params.get("realm", ""), params["nonce"], _qop(params)
    cnonce = cnonce or secrets.token_urlsafe(24)
    count = f"{nc:08x}"
    secret = h(f"{username}:{realm}:{password}")
    if session:
        secret = h(f"{secret}:{nonce}:{cnonce}")
    entity = (f"{method}:{uri}:{h(_bytes(body))}" if qop == "auth-int" else f"{method}:{uri}")
    answer = (h(f"{secret}:{nonce}:{count}:{cnonce}:{qop}:{h(entity)}") if qop
              else h(f"{secret}:{nonce}:{h(entity)}"))
    fields = [_username(params, username, h), f"realm={_quoted(realm)}", f"uri={_quoted(uri)}",
              f"algorithm={params.get('algorithm', 'MD5')}", f"nonce={_quoted(nonce)}"]
    if qop:
        fields += [f"nc={count}", f"cnonce={_quoted(cnonce)}", f"qop={qop}"]
    fields.append(f"response={_quoted(answer)}")
    if "opaque" in params:
        fields.append(f"opaque={_quoted(params['opaque'])}")
    if params.get("userhash", "").lower() == "true":
        fields.append("userhash=true")
    return "Digest " + ", ".join(fields)


def _username(params, username, h):
    """Return the username field: hashed (userhash), quoted, or username* when a quoted string cannot hold it."""
    if params.get("userhash", "").lower() == "true":
        realm = params.get("realm", "")
        return f"username={_quoted(h(f'{username}:{realm}'))}"
    if username.isascii() and username.isprintable():
        return f"username={_quoted(username)}"
    return f"username*=UTF-8''{quote(username, safe='')}"


def _quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _bytes(body):
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)
