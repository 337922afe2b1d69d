"""Mutual TLS for any auth type: a client certificate and key, and a CA bundle, per connector.

Every type's Security form has these fields (MutualTLSFields, mixed into ConfigForm), behind
one checkbox: the certificate and its key (PEM; uploaded or pasted; stored encrypted, never shown
again) are presented on every API call of the connector's connections and on its OAuth token
requests (RFC 8705 tls_client_auth is a client-authentication strategy using them), and the CA
bundle (PEM; public, so stored in the config and exported) is trusted instead of the default CAs
for those calls, for APIs behind a private CA. Nothing is stored while the checkbox is off.

The certificate is checked when saved: it must parse, its key must be the one given, and it must
not have expired; its expiry is shown on connection pages and warned about EXPIRY_WARNING ahead.
"""

import dataclasses
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django import forms

from . import jwt_assertions
from .forms import shown_when
from .key_files import KeyFileField

EXPIRY_WARNING = datetime.timedelta(days=30)
CERTIFICATE, KEY, CA_BUNDLE, ENABLED = "tls_client_certificate", "tls_client_key", "tls_ca_bundle", "tls_enabled"
FIELDS = (ENABLED, CERTIFICATE, KEY, CA_BUNDLE)
MAX_BUNDLE_BYTES = 256 * 1024


def load_certificates(text, what="certificate"):
    """Return the PEM certificates in text (leaf first); raise ValidationError saying what is wrong."""
    try:
        certificates = x509.load_pem_x509_certificates(text.replace("\\n", "\n").encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise forms.ValidationError(f"This is not a {what} in PEM form (-----BEGIN CERTIFICATE----- …).",
                                    code="invalid_certificate") from None
    return certificates


def parse_certificate(text):
    """Return the certificate chain as PEM text to store; refuse what is no certificate or has expired."""
    certificates = load_certificates(text, "client certificate")
    expires = certificates[0].not_valid_after_utc
    if expires <= datetime.datetime.now(datetime.timezone.utc):
        raise forms.ValidationError(f"This certificate expired on {expires:%Y-%m-%d}: give a current one.",
                                    code="expired_certificate")
    return "".join(certificate.public_bytes(serialization.Encoding.PEM).decode() for certificate in certificates)


def parse_key(text):
    try:
        jwt_assertions.read_private_key(text)  # RSA, EC on any curve, Ed25519: what TLS takes
    except jwt_assertions.KeyRefused as refused:
        raise forms.ValidationError(str(refused), code="invalid_private_key") from None
    return jwt_assertions.normalize_pem(text)


def parse_bundle(text):
    if not text:
        return text
    certificates = load_certificates(text, "CA bundle")
    return "".join(certificate.public_bytes(serialization.Encoding.PEM).decode() for certificate in certificates)


class MutualTLSFields(forms.Form):
    """The mutual TLS fields of every type's Security form (see the module's docstring)."""

    tls_secret_fields = (CERTIFICATE, KEY)

    tls_enabled = forms.BooleanField(
        label="Mutual TLS or a private CA", required=False,
        help_text="Present a client certificate to the API (and the token endpoint), or trust a private CA.",
    )
    tls_client_certificate = shown_when(KeyFileField(
        parse=parse_certificate, accept=".pem,.crt,.cer", label="Client Certificate", required=False,
        help_text="PEM, the certificate first, then any intermediates. Presented in the TLS handshake of every call.",
    ), tls_enabled=True)
    tls_client_key = shown_when(KeyFileField(
        parse=parse_key, accept=".pem,.key", label="Client Certificate Key", required=False,
        help_text="The certificate's private key (PEM, without a passphrase). Never sent; stored encrypted, never "
        "shown again.",
    ), tls_enabled=True)
    tls_ca_bundle = shown_when(forms.CharField(
        label="CA Bundle", required=False, max_length=MAX_BUNDLE_BYTES, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: PEM certificates of the CAs that issued the API's server certificate, trusted instead "
        "of the public CAs (for a private CA).",
    ), tls_enabled=True)

    def clean_tls_ca_bundle(self):
        return parse_bundle(self.cleaned_data.get(CA_BUNDLE, "").strip())

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get(ENABLED):
            return cleaned
        stored = getattr(self, "stored_secrets", {})
        certificate = cleaned.get(CERTIFICATE) or stored.get(CERTIFICATE)
        key = cleaned.get(KEY) or stored.get(KEY)
        if CERTIFICATE in self.errors or KEY in self.errors:
            return cleaned
        if bool(certificate) != bool(key):
            self.add_error(KEY if certificate else CERTIFICATE, "Give the client certificate and its key together.")
        elif certificate and not _matches(certificate, key):
            self.add_error(KEY, "This key does not belong to the client certificate.")
        elif not certificate and not cleaned.get(CA_BUNDLE):
            self.add_error(CERTIFICATE, "Give a client certificate and its key, or a CA bundle (or turn this off).")
        return cleaned


def _matches(certificate_pem, key_pem):
    public = serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    leaf = load_certificates(certificate_pem)[0]
    key = jwt_assertions.read_private_key(key_pem)
    return leaf.public_key().public_bytes(*public) == key.public_key().public_bytes(*public)


def stored_config(config):
    """Drop the TLS settings from a form's config while mutual TLS is off (nothing of it is kept)."""
    if config.get(ENABLED):
        return config
    return {name: value for name, value in config.items() if name not in FIELDS}


def stored_secrets(secrets, config):
    """Drop empty TLS secrets, and all of them while mutual TLS is off (a stored one is dropped: "")."""
    kept = {}
    for name, value in secrets.items():
        if name in MutualTLSFields.tls_secret_fields and (not value or not config.get(ENABLED)):
            if value:
                kept[name] = ""
            continue
        kept[name] = value
    return kept


@dataclasses.dataclass(frozen=True)
class Options:
    """What outbound needs: a client certificate chain and key, and the CAs to trust (PEM, may be empty)."""

    client_cert_pem: str = dataclasses.field(default="", repr=False)
    client_key_pem: str = dataclasses.field(default="", repr=False)
    ca_bundle_pem: str = dataclasses.field(default="", repr=False)


def options(config, client):
    """Return the connector's TLS Options, or None when it has none (or mutual TLS is off)."""
    if not (config or {}).get(ENABLED):
        return None
    client = client or {}
    certificate, key, bundle = client.get(CERTIFICATE, ""), client.get(KEY, ""), config.get(CA_BUNDLE, "")
    if not (certificate and key) and not bundle:
        return None
    return Options(certificate if key else "", key if certificate else "", bundle)


@dataclasses.dataclass(frozen=True)
class Expiry:
    """A client certificate's expiry, for the pages."""

    subject: str
    expires_at: datetime.datetime
    warn: bool  # expires within EXPIRY_WARNING (or has expired)
    expired: bool


def certificate_expiry(config, client, *, now=None):
    """Return the Expiry of the connector's client certificate, or None when it has none."""
    found = options(config, client)
    if found is None or not found.client_cert_pem:
        return None
    try:
        leaf = load_certificates(found.client_cert_pem)[0]
    except forms.ValidationError:
        return None
    now = now or datetime.datetime.now(datetime.timezone.utc)
    expires = leaf.not_valid_after_utc
    return Expiry(leaf.subject.rfc4514_string(), expires, expires - now <= EXPIRY_WARNING, expires <= now)


def outbound_options(config, client):
    """Return the connector's TLS options as the outbound client takes them (its TLSOptions), or None."""
    found = options(config, client)
    if found is None:
        return None
    from connectors_site.outbound import TLSOptions

    return TLSOptions(client_cert_pem=found.client_cert_pem, client_key_pem=found.client_key_pem,
                      ca_bundle_pem=found.ca_bundle_pem)


def send_kwargs(config, client):
    """Return {"tls": ...} for outbound.send when the connector has TLS options, else {}."""
    found = outbound_options(config, client)
    return {"tls": found} if found is not None else {}


def secret_values(client):
    return [value for value in ((client or {}).get(KEY),) if value]
