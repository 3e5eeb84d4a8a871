"""Password reset by mail, password change, and the profile (name, language, second factor)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from accounts import profile as profile_registry
from accounts.models import Profile
from tests.factories import UserFactory, applicant, coordinator, recovery_codes, totp_device

from .conftest import post_password

pytestmark = pytest.mark.django_db


def test_password_reset_mail_and_link(client, mailoutbox):
    user = UserFactory(email="julia@example.org")
    response = client.post(
        reverse("password_reset"), {"email": "julia@example.org"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["julia@example.org"]
    assert mail.subject == "Risikokapital: choose a new password"
    assert "&amp;" not in mail.body and "&#x27;" not in mail.body
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.body).group(1)

    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert response.context["validlink"]
    set_url = response.redirect_chain[-1][0]
    response = client.post(
        set_url, {"new_password1": "Kantinen-Umbau-2026", "new_password2": "Kantinen-Umbau-2026"}
    )
    assert response.status_code == 302
    assert response.url == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("Kantinen-Umbau-2026")
    assert "_auth_user_id" not in client.session  # no login by the reset link
    assert client.get(link, follow=True).context["validlink"] is False  # used once


def test_unknown_address_gets_the_same_answer(client, mailoutbox):
    UserFactory(email="julia@example.org")
    known = client.post(reverse("password_reset"), {"email": "julia@example.org"})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert unknown.status_code == known.status_code == 302
    assert unknown.url == known.url
    assert len(mailoutbox) == 1
    page = client.get(reverse("password_reset_done")).content.decode()
    with translation.override("de"):
        assert "css/app.css" in page


def test_password_pages_use_our_look(client):
    page = client.get(reverse("password_reset")).content.decode()
    assert "css/app.css" in page and 'name="email"' in page
    client.force_login(UserFactory())
    page = client.get(reverse("password_change")).content.decode()
    assert "css/app.css" in page and 'name="old_password"' in page


def test_profile_saves_name_and_language_and_activates_it(client):
    user = applicant(first_name="Julia", last_name="Wagner")
    client.force_login(user)
    response = client.get(reverse("profile"))
    assert response.status_code == 200
    assert response.context["form"].initial == {
        "first_name": "Julia",
        "last_name": "Wagner",
        "language": "de",
    }

    response = client.post(
        reverse("profile"), {"first_name": "Julia", "last_name": "Wagner-Schulz", "language": "en"}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.last_name == "Wagner-Schulz"
    assert Profile.objects.get(user=user).language == "en"
    response = client.get(reverse("home"))
    assert response.wsgi_request.LANGUAGE_CODE == "en"
    assert response["Content-Language"] == "en"


def test_stored_language_is_activated_at_the_next_login(client):
    user = applicant()
    Profile.objects.create(user=user, language="en")
    post_password(client, user.username)
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de")
    assert response.wsgi_request.LANGUAGE_CODE == "en"
    assert response["Content-Language"] == "en"


def test_anonymous_pages_follow_the_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.wsgi_request.LANGUAGE_CODE == "en"


def test_header_switch_persists_the_language(client):
    user = applicant()
    client.force_login(user)
    response = client.post(reverse("set-language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert Profile.objects.get(user=user).language == "en"
    assert client.get(reverse("home"))["Content-Language"] == "en"
    client.post(reverse("set-language"), {"language": "xx", "next": "/"})
    assert Profile.objects.get(user=user).language == "en"


def test_header_switch_for_anonymous_stores_nothing(client):
    response = client.post(reverse("set-language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert not Profile.objects.exists()


def test_profile_shows_the_two_factor_section(client):
    user = applicant()
    client.force_login(user)
    keys = [section.key for section, _context in client.get(reverse("profile")).context["sections"]]
    assert keys[:2] == ["two_factor", "password"]
    html = client.get(reverse("profile")).content.decode()
    assert reverse("two_factor:setup") in html
    totp_device(user)
    recovery_codes(user)
    html = client.get(reverse("profile")).content.decode()
    assert reverse("two_factor:backup_tokens") in html
    assert reverse("two_factor:disable") in html


def test_later_work_can_add_a_section(client):
    profile_registry.add_section(
        "test_extra", "Extra", "accounts/_profile_password.html", lambda r: {}, order=50
    )
    try:
        client.force_login(UserFactory())
        keys = [s.key for s, _c in client.get(reverse("profile")).context["sections"]]
        assert keys == ["two_factor", "password", "notifications", "test_extra", "api_tokens"]
    finally:
        profile_registry._sections.pop("test_extra")


def test_an_applicant_may_turn_two_factor_off(client, settings):
    settings.REQUIRE_2FA = True
    user = applicant()
    device = totp_device(user)
    from .conftest import current_code, post_token

    post_password(client, user.username)
    post_token(client, current_code(device))
    response = client.post(reverse("two_factor:disable"), {"understand": "on"})
    assert response.status_code == 302
    assert not user.totpdevice_set.exists()


def test_a_coordinator_may_not_turn_two_factor_off_while_required(client, settings):
    settings.REQUIRE_2FA = True
    user = coordinator()
    device = totp_device(user)
    from .conftest import current_code, post_token

    post_password(client, user.username)
    post_token(client, current_code(device))
    response = client.post(reverse("two_factor:disable"), {"understand": "on"})
    assert response.status_code == 403
    assert user.totpdevice_set.exists()
    html = client.get(reverse("profile")).content.decode()
    assert reverse("two_factor:disable") not in html
