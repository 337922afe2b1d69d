"""Encryption of secrets at rest: MultiFernet over CONNECTORS_ENCRYPTION_KEYS, in a model field.

The first key encrypts; every key decrypts. Views and services only ever see plain values:
the field encrypts on the way to the database and decrypts on the way back.
"""

import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=8)
def _multifernet(keys):
    return MultiFernet([Fernet(key) for key in keys])


def multifernet():
    """Return the MultiFernet for the keys configured now (read at call time)."""
    return _multifernet(tuple(settings.CONNECTORS_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return multifernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """Return the plaintext of a token; raise InvalidToken when no configured key decrypts it."""
    return _decrypted(tuple(settings.CONNECTORS_ENCRYPTION_KEYS), token)


# Plaintexts by token, for the keys configured: a row read again (each call through the API's proxy or the
# console reads its connection and connector) decrypts nothing, about 25 µs saved per value. A token is
# unique to one encryption (its random IV), so an entry is one version of one stored value; a changed value
# is a new token. Kept in this process's memory only, which holds the values while they are used anyway.
@lru_cache(maxsize=4096)
def _decrypted(keys, token):
    return _multifernet(keys).decrypt(token.encode()).decode()


class Undecryptable:
    """Stands for a stored value that no configured key can decrypt.

    Falsy and empty, so a list page shows nothing for it; detail pages check
    `is_undecryptable(value)` and say the row needs to be reconfigured. It keeps the
    ciphertext it was read from, so saving the row writes that back unchanged.
    """

    def __init__(self, ciphertext=None):
        self.ciphertext = ciphertext

    def __bool__(self):
        return False

    def __repr__(self):
        return "<undecryptable secret>"

    def __iter__(self):
        return iter(())

    def items(self):
        return ()

    def get(self, key, default=None):
        return default

    def __contains__(self, key):
        return False


UNDECRYPTABLE = Undecryptable()


def is_undecryptable(value):
    return isinstance(value, Undecryptable)


class EncryptedJSONField(models.TextField):
    """A dict (or any JSON value) stored as one Fernet token.

    An empty dict is stored encrypted too, so the column never reveals which secrets exist.
    A value no key could decrypt is saved back as the ciphertext it was read from (editing
    another field of the row must not destroy it: a key configured later may decrypt it);
    saving a bare UNDECRYPTABLE, which has no ciphertext, is refused.
    """

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        try:
            return json.loads(decrypt(value))
        except (InvalidToken, ValueError):
            return Undecryptable(value)

    def to_python(self, value):
        # A string is the ciphertext value_to_string wrote (loaddata); the app stores dicts.
        if isinstance(value, str):
            return self.from_db_value(value, None, None)
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        if is_undecryptable(value):
            if value.ciphertext is not None:
                return value.ciphertext
            raise ValueError("Refusing to overwrite a secret that could not be decrypted.")
        return encrypt(json.dumps(value, sort_keys=True))

    def value_to_string(self, obj):
        # Serialization (dumpdata, fixtures) gets the ciphertext, never the plain value.
        return self.get_prep_value(self.value_from_object(obj))
