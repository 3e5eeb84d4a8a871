"""Shared helpers for the accounts tests: logging in through the two_factor wizard."""

from binascii import unhexlify

import pytest
from django.urls import reverse
from django_otp.oath import totp

PASSWORD = "pw"  # the factories' password


def current_code(device):
    """The code the authenticator app shows now for ``device``."""
    return f"{totp(unhexlify(device.key), step=device.step, digits=device.digits):06d}"


def post_password(client, username, password=PASSWORD, next_url=None, **extra):
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    return client.post(
        url,
        {
            "login_view-current_step": "auth",
            "auth-username": username,
            "auth-password": password,
        },
        **extra,
    )


def post_token(client, code, step="token"):
    return client.post(
        reverse("login"), {"login_view-current_step": step, f"{step}-otp_token": code}
    )


@pytest.fixture
def require_2fa(settings):
    settings.REQUIRE_2FA = True
