"""Login through the two_factor wizard: password, then a code from the app or a recovery code."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from tests.factories import UserFactory, applicant, coordinator, recovery_codes, totp_device

from .conftest import current_code, post_password, post_token

pytestmark = pytest.mark.django_db


def test_login_page_is_the_wizard_in_our_look(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="auth-username"' in html
    assert 'name="auth-password"' in html
    assert "css/app.css" in html  # our base.html
    assert "bootstrap" not in html
    assert f'href="{reverse("password_reset")}"' in html


def test_without_a_device_the_password_logs_in(client):
    user = applicant()
    response = post_password(client, user.username)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_keeps_a_safe_next(client):
    user = applicant()
    response = post_password(client, user.username, next_url="/reviews/")
    assert response.url == "/reviews/"


def test_wrong_password_stays_on_the_form(client):
    user = applicant()
    response = post_password(client, user.username, password="wrong")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["wizard"]["form"].errors


def test_with_a_device_the_code_is_asked(client):
    user = coordinator()
    device = totp_device(user)
    response = post_password(client, user.username)
    assert response.status_code == 200
    assert response.context["wizard"]["steps"].current == "token"
    assert "_auth_user_id" not in client.session

    response = post_token(client, current_code(device))

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session["otp_device_id"] == device.persistent_id


def test_a_wrong_code_does_not_log_in(client):
    user = coordinator()
    device = totp_device(user)
    post_password(client, user.username)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"

    response = post_token(client, wrong)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_works_once(client):
    user = coordinator()
    totp_device(user)
    static = recovery_codes(user, codes=("abcd1234", "efgh5678"))

    post_password(client, user.username)
    response = client.post(
        reverse("login"), {"login_view-current_step": "token", "wizard_goto_step": "backup"}
    )
    assert response.context["wizard"]["steps"].current == "backup"
    response = post_token(client, "abcd1234", step="backup")
    assert response.status_code == 302
    assert client.session["otp_device_id"] == static.persistent_id
    assert list(StaticToken.objects.filter(device=static).values_list("token", flat=True)) == [
        "efgh5678"
    ]

    client.post(reverse("logout"))
    post_password(client, user.username)
    client.post(
        reverse("login"), {"login_view-current_step": "token", "wizard_goto_step": "backup"}
    )
    response = post_token(client, "abcd1234", step="backup")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_shows_our_page(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("logout")).status_code == 405
