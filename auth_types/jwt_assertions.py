"""JSON Web Token assertions (RFC 7523): signing keys read from PEM, and compact JWS signed with them.

Used by the client-authentication strategies private_key_jwt and client_secret_jwt
(oauth2_client_auth) and by the JWT bearer grant type (jwt_bearer). Signing is done here with
`cryptography` (a runtime dependency already): RS256 with an RSA key of 2048 bits or more,
ES256 with a P-256 key, HS256 with a shared secret. Nothing here verifies tokens; the tests
verify what is signed here with Authlib (joserfc), another implementation.

A key is given as PEM text, as an admin or an end user pastes it: line breaks a single-line
input removed are put back, and an encrypted or unsupported key is refused with a message
that says what to give instead (never quoting the key).
"""

import base64
import hashlib
import hmac
import json
import re
import secrets
import time

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

ASSERTION_LIFETIME = 300  # seconds: long enough for a slow clock, short enough to be useless later
MIN_RSA_BITS = 2048
SIGNING_ALGORITHMS = ("RS256", "ES256")
MAX_PEM_LENGTH = 16000

_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)


class KeyRefused(ValueError):
    """The text is not a private key this module signs with; ``str()`` says why (never the key)."""


def normalize_pem(text):
    """Return the first PEM block of text with its base64 body wrapped at 64 characters.

    A PEM pasted into a single-line field arrives without line breaks, or with literal "\\n"
    (copied out of a JSON file); both are put right. Raise KeyRefused when there is no block.
    """
    text = (text or "").replace("\\n", "\n").strip()
    match = _PEM.search(text)
    if not match:
        raise KeyRefused("Paste the whole key in PEM form, from -----BEGIN ...----- to -----END ...-----.")
    label, body = match.group(1), match.group(2)
    if "Proc-Type:" in body or label == "ENCRYPTED PRIVATE KEY":
        raise KeyRefused("This key is protected by a passphrase. Export it without one "
                         "(openssl pkey -in key.pem -out plain.pem); it is stored encrypted here.")
    body = "".join(body.split())
    lines = [body[start:start + 64] for start in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]) + "\n"


def load_private_key(text):
    """Return the RSA or EC P-256 private key in PEM `text`; raise KeyRefused saying what is wrong."""
    key = read_private_key(text)
    algorithm_for(key)  # refuses the kinds of key that cannot sign RS256 or ES256
    return key


def read_private_key(text):
    """Return the private key in PEM `text`, of any kind (a TLS client key); raise KeyRefused otherwise."""
    if len(text or "") > MAX_PEM_LENGTH:
        raise KeyRefused("This is longer than any private key this app signs with.")
    pem = normalize_pem(text)
    if "PRIVATE KEY-----" not in pem.splitlines()[0]:
        raise KeyRefused("This is not a private key (a certificate or a public key?): give the private key.")
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except TypeError:
        raise KeyRefused("This key is protected by a passphrase. Export it without one "
                         "(openssl pkey -in key.pem -out plain.pem); it is stored encrypted here.") from None
    except (ValueError, UnsupportedAlgorithm, UnicodeEncodeError):
        raise KeyRefused("This private key cannot be read: check that it was copied whole.") from None
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < MIN_RSA_BITS:
        raise KeyRefused(f"This RSA key has {key.key_size} bits; use one of {MIN_RSA_BITS} bits or more.")
    return key


def algorithm_for(key):
    """Return the JWS algorithm a key signs with: RS256 (RSA, 2048 bits or more) or ES256 (P-256)."""
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise KeyRefused(f"This RSA key has {key.key_size} bits; use one of {MIN_RSA_BITS} bits or more.")
        return "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise KeyRefused(f"This EC key is on the curve {key.curve.name}; ES256 needs P-256 (prime256v1).")
        return "ES256"
    raise KeyRefused("This key is neither RSA nor EC P-256: RS256 and ES256 are supported.")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_part(value):
    return b64url(json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8"))


def sign(claims, *, key=None, secret=None, kid=None):
    """Return the compact JWS of `claims`: signed with `key` (RS256/ES256) or `secret` (HS256)."""
    algorithm = "HS256" if key is None else algorithm_for(key)
    header = {"alg": algorithm, "typ": "JWT", **({"kid": kid} if kid else {})}
    signing_input = f"{_json_part(header)}.{_json_part(claims)}".encode("ascii")
    if key is None:
        if not secret:
            raise KeyRefused("An HS256 assertion needs the client secret.")
        signature = hmac.new(secret.encode("utf-8"), signing_input, hashlib.sha256).digest()
    elif algorithm == "RS256":
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:  # ES256: JWS wants r and s as two 32-byte big-endian numbers, not DER (RFC 7518 3.4)
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{signing_input.decode('ascii')}.{b64url(signature)}"


def assertion(*, issuer, subject, audience, key=None, secret=None, kid=None, lifetime=ASSERTION_LIFETIME,
              claims=None, now=None):
    """Return a signed assertion (RFC 7523 section 3): iss, sub, aud, iat, exp and a fresh jti."""
    issued = int(time.time() if now is None else now)
    body = {"iss": issuer, "aud": audience, "iat": issued, "exp": issued + lifetime,
            "jti": secrets.token_urlsafe(24), **(claims or {})}
    if subject:
        body["sub"] = subject
    return sign(body, key=key, secret=secret, kid=kid)
