"""The profile section "API tokens": list, create (the key shown once), revoke."""

import datetime
import hashlib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from tests import factories

from .conftest import token_for

pytestmark = pytest.mark.django_db

CREATE = reverse("api:token-create")


@pytest.fixture
def user(client):
    user = factories.applicant()
    client.force_login(user)
    return user


def shown_key(response):
    match = re.search(r'value="(rk_[0-9a-f]{8}\.[A-Za-z0-9_-]+)"', response.content.decode())
    return match.group(1)


def test_the_profile_lists_own_tokens_only(client, user):
    mine, _key = token_for(user, "Buchhaltung")
    token_for(factories.applicant(), "Fremdes System")
    page = client.get(reverse("profile")).content.decode()
    assert 'id="profile-api_tokens"' in page
    assert "Buchhaltung" in page
    assert mine.prefix in page
    assert "Fremdes System" not in page
    assert reverse("api:token-revoke", args=[mine.pk]) in page
    assert f'action="{CREATE}"' in page


def test_creating_shows_the_key_once_and_stores_only_its_hash(client, user):
    response = client.post(CREATE, {"name": "Buchhaltung", "expires": ""})
    assert response.status_code == 201
    key = shown_key(response)
    token = ApiToken.objects.get(user=user)
    assert token.name == "Buchhaltung"
    assert token.expires_at is None
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert response["Cache-Control"].startswith("max-age=0")
    assert "no-store" in response["Cache-Control"]
    # never again: not on the profile page
    profile = client.get(reverse("profile")).content.decode()
    assert token.prefix in profile
    assert key not in profile
    assert key.split(".", 1)[1] not in profile


def test_the_expiry_date_is_the_end_of_that_day(client, user):
    day = timezone.localdate() + datetime.timedelta(days=10)
    response = client.post(CREATE, {"name": "CI", "expires": day.isoformat()})
    assert response.status_code == 201
    token = ApiToken.objects.get(user=user)
    assert timezone.localtime(token.expires_at).date() == day + datetime.timedelta(days=1)
    assert timezone.localtime(token.expires_at).time() == datetime.time(0, 0)


def test_the_expiry_date_is_read_in_the_readers_format(client, user):
    day = timezone.localdate() + datetime.timedelta(days=10)
    response = client.post(
        CREATE, {"name": "CI", "expires": day.strftime("%d.%m.%Y")}, HTTP_ACCEPT_LANGUAGE="de"
    )
    assert response.status_code == 201
    token = ApiToken.objects.get(user=user)
    assert timezone.localtime(token.expires_at).date() == day + datetime.timedelta(days=1)


def test_an_expiry_in_the_past_is_refused_with_the_form(client, user):
    day = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(CREATE, {"name": "CI", "expires": day.isoformat()})
    assert response.status_code == 422
    assert response.context["form"].errors["expires"]
    assert not ApiToken.objects.exists()


def test_a_missing_name_is_refused(client, user):
    response = client.post(CREATE, {"name": "", "expires": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_creating_takes_only_post(client, user):
    assert client.get(CREATE).status_code == 405


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.post(CREATE, {"name": "x"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not ApiToken.objects.exists()


def test_the_owner_revokes_a_token(client, user):
    token, _key = token_for(user, "Buchhaltung")
    response = client.post(reverse("api:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    assert response.url == reverse("profile") + "#profile-api_tokens"
    token.refresh_from_db()
    assert token.revoked_at is not None
    page = client.get(reverse("profile")).content.decode()
    assert reverse("api:token-revoke", args=[token.pk]) not in page


def test_revoking_twice_answers_409(client, user):
    token, _key = token_for(user)
    client.post(reverse("api:token-revoke", args=[token.pk]))
    assert client.post(reverse("api:token-revoke", args=[token.pk])).status_code == 409


def test_another_users_token_answers_404(client, user):
    other, _key = token_for(factories.applicant())
    response = client.post(reverse("api:token-revoke", args=[other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_revoking_needs_csrf(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token, _key = token_for(user)
    assert client.post(reverse("api:token-revoke", args=[token.pk])).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    "make", [factories.coordinator, factories.reviewer, factories.board_member]
)
def test_every_role_has_the_section(client, make):
    client.force_login(make())
    assert 'id="profile-api_tokens"' in client.get(reverse("profile")).content.decode()
