import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from accounts.models import Authenticator
from tests.conftest import PASSWORD


def sign_in(client, username, password=PASSWORD, *, ip="192.0.2.10", url=None, **extra):
    """Post the login form (the site's, or the admin's with `url`) from the client address `ip`."""
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip,
                       **extra)


def code_for(device, *, steps_ahead=0):
    """Return the code the user's authenticator app shows (`steps_ahead` 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def authenticator():
    """Give `user` a confirmed authenticator app; return its device."""
    def add(user):
        return Authenticator.objects.create(user=user, name="Authenticator app", confirmed=True)

    return add


@pytest.fixture
def browser_client():
    return Client()
