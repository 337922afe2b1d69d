"""A user's authenticator app: a django-otp device whose TOTP key is encrypted at rest like every secret."""

import time
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import random_hex

from connectors_site.crypto import EncryptedJSONField, is_undecryptable


def new_secret():
    """A new random key (20 bytes, as django-otp's TOTPDevice makes them), hex-encoded."""
    return {"key": random_hex(20)}


class Authenticator(TimestampMixin, ThrottlingMixin, Device):
    """A user's authenticator app (TOTP, RFC 6238: by default 6 digits every 30 seconds, one step of tolerance).

    django-otp's own TOTPDevice keeps its key in clear in the database; this one keeps it in
    `secret`, encrypted (connectors_site.crypto, rotated by rotate_encryption_keys), with the same
    settings and state. A code is verified with django-otp's TOTP, never twice (`last_t`), following
    the app's clock drift; failed tries are throttled (ThrottlingMixin, OTP_TOTP_THROTTLE_FACTOR).
    """

    secret = EncryptedJSONField(default=new_secret, editable=False)
    step = models.PositiveSmallIntegerField(default=30, editable=False, help_text="The time step in seconds.")
    t0 = models.BigIntegerField(default=0, editable=False, help_text="The Unix time steps are counted from.")
    digits = models.PositiveSmallIntegerField(default=6, editable=False, help_text="The digits of a code.")
    tolerance = models.PositiveSmallIntegerField(default=1, editable=False,
                                                 help_text="Steps before or after now a code may be from.")
    drift = models.SmallIntegerField(default=0, editable=False,
                                     help_text="Steps the app's clock is known to be off from ours.")
    last_t = models.BigIntegerField(default=-1, editable=False,
                                    help_text="The time step of the last code accepted: the next must be later.")

    class Meta(Device.Meta):
        verbose_name = "authenticator app"

    @property
    def readable(self):
        """False when no configured encryption key decrypts the stored key: no code can match, and its
        user sets the app up again (staff delete a confirmed one)."""
        return not is_undecryptable(self.secret)

    @property
    def bin_key(self):
        return unhexlify(self.secret["key"])

    def verify_token(self, token):
        allowed, _ = self.verify_is_allowed()
        if not allowed or not self.readable:
            return False
        code = int(token) if isinstance(token, str) and token.isascii() and token.isdigit() else None
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        if code is not None and totp.verify(code, self.tolerance, self.last_t + 1):
            self.last_t, self.drift = totp.t(), totp.drift
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment(commit=True)
        return False

    def get_throttle_factor(self):
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @property
    def config_url(self):
        """The otpauth:// URL an authenticator app reads from the QR code (Google's Key Uri Format)."""
        issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
        label = f"{issuer}:{self.user.get_username()}"
        query = urlencode({"secret": b32encode(self.bin_key), "algorithm": "SHA1", "digits": self.digits,
                           "period": self.step})
        return f"otpauth://totp/{quote(label)}?{query}&issuer={quote(issuer)}"
