"""django-axes: failed logins in the wizard's first step are counted per user name and per
address; a lockout answers 429 with our page; the admin lifts it."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import UserFactory, applicant

from .conftest import post_password

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def fail(client, username, ip, times=LIMIT):
    for _ in range(times):
        response = post_password(client, username, password="wrong", REMOTE_ADDR=ip)
    return response


def test_wrong_passwords_lock_even_the_right_one_out(client):
    user = applicant()
    response = fail(client, user.username, "10.0.0.1")
    assert response.status_code == 429

    response = post_password(client, user.username, REMOTE_ADDR="10.0.0.1")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert AccessAttempt.objects.get().username == user.username


def test_the_lockout_page_says_when_to_retry_and_whom_to_ask(client, english):
    user = applicant()
    response = fail(client, user.username, "10.0.0.1")
    html = response.content.decode()
    assert "Please try again in 30 minutes." in html
    assert "contact the coordination office" in html
    assert f"({LIMIT})" in html


def test_the_user_is_locked_from_every_address(client):
    user = applicant()
    for index in range(LIMIT):
        post_password(client, user.username, password="wrong", REMOTE_ADDR=f"10.0.1.{index}")
    response = post_password(client, user.username, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_address_is_locked_for_every_user(client):
    users = [UserFactory() for _ in range(LIMIT)]
    for user in users:
        post_password(client, user.username, password="wrong", REMOTE_ADDR="10.0.2.1")
    other = UserFactory()
    response = post_password(client, other.username, REMOTE_ADDR="10.0.2.1")
    assert response.status_code == 429
    # Another address still works for that user.
    response = post_password(client, other.username, REMOTE_ADDR="10.0.2.2")
    assert response.status_code == 302


def test_fewer_failures_do_not_lock(client):
    user = applicant()
    fail(client, user.username, "10.0.3.1", times=LIMIT - 1)
    response = post_password(client, user.username, REMOTE_ADDR="10.0.3.1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_admin_lifts_the_lock(client):
    user = applicant()
    fail(client, user.username, "10.0.4.1")
    assert post_password(client, user.username, REMOTE_ADDR="10.0.4.1").status_code == 429
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    assert attempts

    admin_client = client.__class__()
    admin_client.force_login(UserFactory(is_staff=True, is_superuser=True))
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert admin_client.get(changelist).status_code == 200
    response = admin_client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()

    response = post_password(client, user.username, REMOTE_ADDR="10.0.4.1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_behind_a_proxy_the_client_address_counts_not_the_proxy(client, settings):
    settings.TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    users = [UserFactory() for _ in range(LIMIT)]
    for user in users:
        # a client's own X-Forwarded-For entry (left) is not trusted, the proxy's (right) is
        post_password(
            client, user.username, password="wrong",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.4.1", **proxy,
        )  # fmt: skip
    other = UserFactory()
    locked = post_password(client, other.username, HTTP_X_FORWARDED_FOR="10.0.4.1", **proxy)
    assert locked.status_code == 429
    # another client behind the same proxy is not locked out
    response = post_password(client, other.username, HTTP_X_FORWARDED_FOR="10.0.4.2", **proxy)
    assert response.status_code == 302


def test_without_proxies_a_forwarded_header_is_ignored(client):
    users = [UserFactory() for _ in range(LIMIT)]
    for index, user in enumerate(users):
        post_password(
            client, user.username, password="wrong",
            HTTP_X_FORWARDED_FOR=f"10.0.5.{index}", REMOTE_ADDR="10.0.6.1",
        )  # fmt: skip
    response = post_password(client, UserFactory().username, REMOTE_ADDR="10.0.6.1")
    assert response.status_code == 429
