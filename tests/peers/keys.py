"""Keys for the tests, generated with `cryptography` when asked for (none is ever committed).

Generation is cached per process: an RSA key takes a moment, and a test needing "a key" does not
care which. Ask with a different `name` for a second, different key.
"""

import functools

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


@functools.cache
def rsa_key(name="default", bits=2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@functools.cache
def ec_key(name="default", curve=ec.SECP256R1):
    return ec.generate_private_key(curve())


def private_pem(key, *, traditional=False, password=None):
    """Return the key as PKCS #8 PEM text (or the traditional PKCS #1 / SEC 1 form), optionally encrypted."""
    encryption = (serialization.BestAvailableEncryption(password.encode()) if password
                  else serialization.NoEncryption())
    private_format = serialization.PrivateFormat.TraditionalOpenSSL if traditional else serialization.PrivateFormat.PKCS8
    return key.private_bytes(serialization.Encoding.PEM, private_format, encryption).decode()


def public_pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()
