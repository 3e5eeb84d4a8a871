"""REQUIRE_2FA: the privileged roles reach nothing but the setup until their session is verified;
sessions of the privileged roles end when the browser closes."""

import pytest
from django.urls import reverse

from tests.factories import (
    UserFactory,
    applicant,
    board_member,
    coordinator,
    reviewer,
    totp_device,
)
from tests.helpers import close_file

from .conftest import current_code, post_password, post_token

pytestmark = pytest.mark.django_db


def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


def staff():
    return UserFactory(is_staff=True)


PRIVILEGED = [coordinator, board_member, superuser, staff]
OTHERS = [applicant, reviewer]


@pytest.mark.parametrize("make", PRIVILEGED, ids=lambda f: f.__name__)
def test_privileged_without_device_are_sent_to_the_setup(client, require_2fa, make):
    client.force_login(make())
    for path in (reverse("home"), reverse("profile"), reverse("admin:index"), "/reviews/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url == reverse("two_factor:setup"), path
    assert client.get(reverse("two_factor:setup")).status_code == 200
    # The health check answers itself (503 here: no broker in the tests), never a redirect.
    assert client.get(reverse("healthz"))["Content-Type"] == "application/json"
    static = client.get("/static/css/app.css")
    assert static.status_code == 200
    close_file(static)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("make", PRIVILEGED, ids=lambda f: f.__name__)
def test_privileged_with_device_but_unverified_session_log_in_again(client, require_2fa, make):
    user = make()
    totp_device(user)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=%2F"
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("make", PRIVILEGED, ids=lambda f: f.__name__)
def test_privileged_pass_once_verified(client, require_2fa, make):
    user = make()
    device = totp_device(user)
    post_password(client, user.username)
    post_token(client, current_code(device))
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("profile")).status_code == 200


@pytest.mark.parametrize("make", OTHERS, ids=lambda f: f.__name__)
def test_applicants_and_reviewers_are_not_forced(client, require_2fa, make):
    client.force_login(make())
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("profile")).status_code == 200
    assert client.get(reverse("two_factor:setup")).status_code == 200  # they may enrol


@pytest.mark.parametrize("make", PRIVILEGED, ids=lambda f: f.__name__)
def test_switched_off_nobody_is_forced(client, settings, make):
    settings.REQUIRE_2FA = False
    client.force_login(make())
    assert client.get(reverse("home")).status_code == 200


def test_admin_login_redirects_to_our_login_with_next(client):
    response = client.get(reverse("admin:login"), {"next": "/admin/auth/user/"})
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=%2Fadmin%2Fauth%2Fuser%2F"
    response = client.get(reverse("admin:login"))
    assert response.url == f"{reverse('login')}?next=%2Fadmin%2F"
    # Posting a password to the admin's own login does not log in either.
    user = superuser()
    response = client.post(reverse("admin:login"), {"username": user.username, "password": "pw"})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_enrolment_with_a_real_code_verifies_the_session(client, require_2fa):
    from binascii import unhexlify

    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = coordinator()
    post_password(client, user.username)
    assert client.get(reverse("home")).url == reverse("two_factor:setup")
    setup = reverse("two_factor:setup")
    response = client.post(setup, {"setup_view-current_step": "welcome"})
    assert response.context["wizard"]["steps"].current == "generator"
    key = response.context["wizard"]["form"].key
    assert response.context["otpauth_url"].startswith("otpauth://totp/Risikokapital")
    qr = client.get(reverse("two_factor:qr"))
    assert qr.status_code == 200
    assert qr["Content-Type"].startswith("image/svg+xml")

    code = f"{totp(unhexlify(key)):06d}"
    response = client.post(setup, {"setup_view-current_step": "generator", "generator-token": code})

    assert response.status_code == 302
    assert response.url == reverse("two_factor:setup_complete")
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and device.name == "default"
    assert client.session["otp_device_id"] == device.persistent_id
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("two_factor:setup_complete")).status_code == 200
    response = client.post(reverse("two_factor:backup_tokens"))
    assert response.status_code == 302
    tokens = list(user.staticdevice_set.get().token_set.values_list("token", flat=True))
    assert len(tokens) == 10
    page = client.get(reverse("two_factor:backup_tokens")).content.decode()
    assert all(f"<code>{token}</code>" in page for token in tokens)


@pytest.mark.parametrize("make", PRIVILEGED, ids=lambda f: f.__name__)
def test_privileged_sessions_end_with_the_browser(client, make, settings):
    user = make()
    post_password(client, user.username)
    assert client.session.get_expire_at_browser_close() is True
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""


@pytest.mark.parametrize("make", OTHERS, ids=lambda f: f.__name__)
def test_other_sessions_last_session_hours(client, make, settings):
    user = make()
    post_password(client, user.username)
    assert client.session.get_expire_at_browser_close() is False
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE


def test_recovery_codes_alone_lead_to_the_setup_not_a_login_loop(client, require_2fa):
    from tests.factories import recovery_codes

    user = coordinator()
    recovery_codes(user)
    response = post_password(client, user.username)
    assert response.status_code == 302
    response = client.get(reverse("home"))
    assert response.url == reverse("two_factor:setup")
    assert client.session["_auth_user_id"] == str(user.pk)
