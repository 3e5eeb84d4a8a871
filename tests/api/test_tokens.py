"""API tokens: stored hashed, expiry, revocation, the 401 answer, the command, and the second
factor (a token is a credential of its own; the 2FA middleware never redirects it)."""

import datetime
import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api import services
from api.models import ApiToken
from tests import factories

from .conftest import token_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/programmes/"


def with_key(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assert_401(response):
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert response.json()["type"] == "urn:risikokapital:problem:not-authenticated"


def test_the_key_is_stored_only_as_its_sha256():
    user = factories.applicant()
    token, key = token_for(user, "Buchhaltung")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(stored.prefix + ".")
    assert stored.prefix.startswith("rk_") and len(stored.prefix) == 11
    assert len(key) > 50
    values = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert key not in values
    assert key.split(".", 1)[1] not in "".join(values)


def test_two_tokens_have_different_keys_and_prefixes():
    user = factories.applicant()
    (first, key1), (second, key2) = token_for(user), token_for(user)
    assert key1 != key2
    assert first.prefix != second.prefix


def test_a_valid_token_authenticates_and_records_its_use():
    user = factories.applicant()
    token, key = token_for(user)
    assert token.last_used_at is None
    response = with_key(key).get(URL)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_use_is_written_at_most_once_a_minute(django_assert_num_queries):
    user = factories.applicant()
    token, key = token_for(user)
    assert services.token_for_key(key).pk == token.pk
    with django_assert_num_queries(1):  # only the lookup, no update
        assert services.token_for_key(key).pk == token.pk


def test_missing_credentials_answer_401_with_the_challenge():
    assert_401(APIClient().get(URL))


@pytest.mark.parametrize(
    "header",
    [
        "Token",
        "Token a b",
        "Token rk_00000000.nonsense",
        "Token not-even-a-prefix",
        "token rk_deadbeef.x",
    ],
)
def test_malformed_or_unknown_keys_answer_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_401(client.get(URL))


def test_the_right_prefix_with_a_wrong_secret_answers_401():
    token, key = token_for(factories.applicant())
    assert_401(with_key(f"{token.prefix}.{'x' * 43}").get(URL))
    assert_401(with_key(key[:-1] + ("A" if key[-1] != "A" else "B")).get(URL))


def test_an_expired_token_answers_401():
    user = factories.applicant()
    token, key = token_for(user, expires_at=timezone.now() + datetime.timedelta(days=1))
    assert with_key(key).get(URL).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert_401(with_key(key).get(URL))


def test_a_revoked_token_answers_401():
    user = factories.applicant()
    token, key = token_for(user)
    services.revoke_token(user, token)
    assert_401(with_key(key).get(URL))


def test_a_token_of_an_inactive_user_answers_401():
    user = factories.applicant()
    _token, key = token_for(user)
    user.is_active = False
    user.save()
    assert_401(with_key(key).get(URL))


def test_an_inactive_user_gets_no_token():
    from django.core.exceptions import PermissionDenied

    user = factories.applicant(is_active=False)
    with pytest.raises(PermissionDenied):
        services.create_token(user, "x")


def test_only_the_owner_revokes_and_only_once():
    from django.core.exceptions import PermissionDenied

    from funding.errors import StateConflict

    owner, other = factories.applicant(), factories.applicant()
    token, _key = token_for(owner)
    with pytest.raises(PermissionDenied):
        services.revoke_token(other, token)
    services.revoke_token(owner, token)
    with pytest.raises(StateConflict):
        services.revoke_token(owner, token)


def test_the_expiry_must_lie_in_the_future_and_within_the_limit(settings):
    from funding.errors import RuleViolation

    user = factories.applicant()
    with pytest.raises(RuleViolation) as past:
        services.create_token(user, "x", timezone.now() - datetime.timedelta(minutes=1))
    assert list(past.value.errors) == ["expires"]
    settings.API_TOKEN_MAX_DAYS = 30
    with pytest.raises(RuleViolation) as far:
        services.create_token(user, "x", timezone.now() + datetime.timedelta(days=40))
    assert list(far.value.errors) == ["expires"]
    with pytest.raises(RuleViolation) as unnamed:
        services.create_token(user, "  ")
    assert list(unnamed.value.errors) == ["name"]


# ----- the command ----------------------------------------------------------------------------


def test_the_command_prints_the_key_alone_on_the_last_line():
    user = factories.coordinator(username="office")
    out = StringIO()
    call_command("create_api_token", "office", "--name", "Buchhaltung", stdout=out)
    key = out.getvalue().splitlines()[-1]
    token = ApiToken.objects.get(user=user)
    assert token.name == "Buchhaltung"
    assert token.expires_at is None
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert with_key(key).get(URL).status_code == 200


def test_the_command_sets_an_expiry_in_days():
    factories.applicant(username="firma")
    out = StringIO()
    before = timezone.now()
    call_command("create_api_token", "firma", "--expires-days", "7", stdout=out)
    token = ApiToken.objects.get(user__username="firma")
    assert token.name == "manage.py create_api_token"
    expected = before + datetime.timedelta(days=7)
    assert abs((token.expires_at - expected).total_seconds()) < 60


@pytest.mark.parametrize(
    "args", [("nobody",), ("firma", "--expires-days", "0"), ("firma", "--name", " ")]
)
def test_the_command_refuses(args):
    factories.applicant(username="firma")
    with pytest.raises(CommandError):
        call_command("create_api_token", *args, stdout=StringIO())
    assert not ApiToken.objects.exists()


# ----- the second factor ----------------------------------------------------------------------


@pytest.mark.parametrize("make", [factories.coordinator, factories.board_member])
def test_a_token_of_a_privileged_user_is_not_redirected_by_the_2fa_middleware(settings, make):
    """The middleware sees no session user for a token request (DRF authenticates in the
    view): the token, created from a session that passed the second factor, answers."""
    settings.REQUIRE_2FA = True
    user = make()
    factories.totp_device(user)
    _token, key = token_for(user)
    response = with_key(key).get(URL)
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_an_unverified_privileged_session_is_still_sent_to_log_in(settings, client):
    settings.REQUIRE_2FA = True
    user = factories.coordinator()
    factories.totp_device(user)
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_session_authenticates_reads_and_needs_csrf_for_writes():
    user = factories.applicant()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(URL).status_code == 200
    programme = factories.ProgrammeFactory()
    organization = user.memberships.get().organization
    data = {"programme": programme.pk, "organization": organization.pk, "title": "Projekt"}
    response = client.post("/api/v1/applications/", data, format="json")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    client.get(reverse("profile"))  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = client.post("/api/v1/applications/", data, format="json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 201


def test_a_session_of_a_deactivated_user_answers_401():
    user = factories.applicant()
    client = APIClient()
    client.force_login(user)
    user.is_active = False
    user.save()
    assert_401(client.get(URL))
