"""The coordination office's webhook pages, the services behind them and who may use them."""

import re
from datetime import timedelta

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from funding.errors import RuleViolation, StateConflict
from tests import factories
from webhooks import delivery as delivery_module
from webhooks import services
from webhooks.models import Delivery, Endpoint

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.webhooks.urls")]

Status = Delivery.Status


def make_delivery(endpoint, status=Status.PENDING, **fields):
    values = {
        "event": "application.submit",
        "reference": "RK-2026-0001",
        "body": '{"id":"x"}',
        "next_attempt_at": timezone.now(),
        "status": status,
        **fields,
    }
    return Delivery.objects.create(endpoint=endpoint, **values)


@pytest.fixture
def office(client):
    user = factories.coordinator()
    client.force_login(user)
    return user


@pytest.fixture
def https_endpoint():
    return Endpoint.objects.create(
        url="https://erp.example.org/hook", secret="abc", description="Buchhaltung"
    )


def pages(endpoint, delivery):
    return [
        ("get", reverse("webhooks-list")),
        ("get", reverse("webhooks-create")),
        ("post", reverse("webhooks-create")),
        ("get", reverse("webhooks-log", args=[endpoint.pk])),
        ("post", reverse("webhooks-active", args=[endpoint.pk])),
        ("get", reverse("webhooks-delete", args=[endpoint.pk])),
        ("post", reverse("webhooks-delete", args=[endpoint.pk])),
        ("post", reverse("webhooks-send-again", args=[endpoint.pk, delivery.pk])),
    ]


# ----- permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_user", [factories.applicant, factories.reviewer, factories.board_member], ids=str
)
def test_others_get_403_on_every_page(client, https_endpoint, make_user):
    failed = make_delivery(https_endpoint, Status.FAILED)
    client.force_login(make_user())
    for method, url in pages(https_endpoint, failed):
        response = getattr(client, method)(url, {"url": "https://x.example.org", "active": "0"})
        assert response.status_code == 403, url
    assert Endpoint.objects.count() == 1
    https_endpoint.refresh_from_db()
    assert https_endpoint.is_active
    failed.refresh_from_db()
    assert failed.status == Status.FAILED


def test_anonymous_is_sent_to_the_login(client, https_endpoint):
    response = client.get(reverse("webhooks-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_permission():
    assert rules.has_perm("webhooks.manage", factories.coordinator())
    for user in (
        factories.applicant(),
        factories.reviewer(),
        factories.board_member(),
        factories.UserFactory(is_superuser=True, is_staff=True),
        AnonymousUser(),
    ):
        assert not rules.has_perm("webhooks.manage", user)


def test_services_refuse_others(https_endpoint):
    failed = make_delivery(https_endpoint, Status.FAILED)
    reviewer = factories.reviewer()
    with pytest.raises(PermissionDenied):
        services.create_endpoint(reviewer, "https://x.example.org")
    with pytest.raises(PermissionDenied):
        services.set_active(reviewer, https_endpoint, False)
    with pytest.raises(PermissionDenied):
        services.delete_endpoint(reviewer, https_endpoint)
    with pytest.raises(PermissionDenied):
        services.redeliver(reviewer, failed)


# ----- the list -----------------------------------------------------------------------------------


def test_the_list_shows_each_endpoint_with_its_latest_deliveries(
    client, office, english, https_endpoint
):
    other = Endpoint.objects.create(url="https://dms.example.org/in", secret="x", is_active=False)
    for n, status in enumerate([Status.FAILED, *[Status.DELIVERED] * 5]):
        row = make_delivery(https_endpoint, status, event=f"application.e{n}", status_code=200)
        Delivery.objects.filter(pk=row.pk).update(
            created_at=timezone.now() - timedelta(minutes=10 - n)
        )
    response = client.get(reverse("webhooks-list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "https://erp.example.org/hook" in text and "Buchhaltung" in text
    assert "https://dms.example.org/in" in text
    # the five latest of the first endpoint; the oldest (failed) is counted, not listed
    shown = re.findall(r"(application\.e\d): delivered", text)
    assert shown == [f"application.e{n}" for n in (5, 4, 3, 2, 1)]
    assert "application.e0" not in text
    assert f'href="{reverse("webhooks-log", args=[https_endpoint.pk])}?status=failed">1<' in text
    assert "none yet" in text
    assert reverse("webhooks-log", args=[other.pk]) in text


def test_the_list_runs_a_constant_number_of_queries(client, office, https_endpoint):
    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("webhooks-list")).status_code == 200
        return len(queries)

    make_delivery(https_endpoint)
    small = count()
    for n in range(4):
        endpoint = Endpoint.objects.create(url=f"https://e{n}.example.org", secret="x")
        for _ in range(3):
            make_delivery(endpoint, Status.FAILED)
    assert count() == small


# ----- registering ----------------------------------------------------------------------------


def test_registering_shows_the_secret_once(client, office, english, settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    response = client.post(
        reverse("webhooks-create"),
        {"url": "https://erp.example.org/hooks/risk", "description": "ERP"},
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("webhooks-log", args=[endpoint.pk])
    assert (endpoint.url, endpoint.description, endpoint.is_active) == (
        "https://erp.example.org/hooks/risk",
        "ERP",
        True,
    )
    assert endpoint.created_by == office
    assert re.fullmatch(r"[0-9a-f]{64}", endpoint.secret)

    first = client.get(response["Location"]).content.decode()
    assert f'<code id="webhook-secret">{endpoint.secret}</code>' in first
    assert "it will not be shown again" in first
    second = client.get(response["Location"]).content.decode()
    assert endpoint.secret not in second
    assert endpoint.secret not in client.get(reverse("webhooks-list")).content.decode()


def test_the_secret_is_not_in_the_admin(client, https_endpoint):
    admin = factories.UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    page = client.get(reverse("admin:webhooks_endpoint_change", args=[https_endpoint.pk]))
    assert page.status_code == 200
    assert "Buchhaltung" in page.content.decode()
    assert ">abc<" not in page.content.decode()


@pytest.mark.parametrize(
    ("url", "debug", "allow_http", "accepted"),
    [
        ("https://erp.example.org/hook", False, False, True),
        ("http://erp.example.org/hook", False, False, False),
        ("http://erp.example.org/hook", True, False, False),
        ("http://127.0.0.1:8001/hook", False, False, False),
        ("http://127.0.0.1:8001/hook", True, False, True),
        ("http://localhost/hook", True, False, True),
        ("http://erp.example.org/hook", False, True, True),
        ("ftp://erp.example.org/hook", False, True, False),
        ("https://user:pw@erp.example.org/hook", False, False, False),
    ],
)
def test_https_is_required(url, debug, allow_http, accepted, settings):
    settings.DEBUG = debug
    settings.WEBHOOKS_ALLOW_HTTP = allow_http
    assert (delivery_module.url_problems(url) == []) is accepted


def test_a_plain_http_url_is_refused_with_400(client, office, english, settings):
    settings.DEBUG = False
    settings.WEBHOOKS_ALLOW_HTTP = False
    response = client.post(reverse("webhooks-create"), {"url": "http://erp.example.org/hook"})
    assert response.status_code == 400
    assert "The URL must start with https://." in response.content.decode()
    assert Endpoint.objects.count() == 0


def test_a_malformed_url_is_refused_with_400(client, office):
    response = client.post(reverse("webhooks-create"), {"url": "not a url"})
    assert response.status_code == 400
    assert Endpoint.objects.count() == 0


def test_the_service_refuses_plain_http_with_422(office, settings):
    settings.DEBUG = False
    settings.WEBHOOKS_ALLOW_HTTP = False
    with pytest.raises(RuleViolation) as refused:
        services.create_endpoint(office, "http://erp.example.org/hook")
    assert list(refused.value.errors) == ["url"]


# ----- the delivery log ---------------------------------------------------------------------------


def test_the_log_shows_the_deliveries_with_their_status(client, office, english, https_endpoint):
    make_delivery(https_endpoint, Status.DELIVERED, status_code=204, attempts=1)
    failed = make_delivery(
        https_endpoint,
        Status.FAILED,
        event="letter.sent",
        status_code=500,
        attempts=6,
        last_error="HTTP 500: Internal Server Error",
    )
    make_delivery(
        https_endpoint,
        Status.PENDING,
        event="application.withdraw",
        status_code=503,
        attempts=2,
        last_error="HTTP 503: Service Unavailable",
    )
    response = client.get(reverse("webhooks-log", args=[https_endpoint.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert '<span class="badge mail-sent">delivered</span>' in text
    assert '<span class="badge mail-failed">failed</span>' in text
    assert '<span class="badge mail-pending">waiting to be delivered</span>' in text
    assert "next attempt" in text
    assert "HTTP 500: Internal Server Error" in text
    assert "HTTP 503: Service Unavailable" in text
    assert "<code>letter.sent</code>" in text
    assert "3 deliveries" in text
    assert text.count("Send again") == 1
    assert reverse("webhooks-send-again", args=[https_endpoint.pk, failed.pk]) in text


def test_the_log_filters_by_status(client, office, english, https_endpoint):
    make_delivery(https_endpoint, Status.DELIVERED, event="application.submit")
    make_delivery(https_endpoint, Status.FAILED, event="letter.sent")
    response = client.get(reverse("webhooks-log", args=[https_endpoint.pk]), {"status": "failed"})
    text = response.content.decode()
    assert "<code>letter.sent</code>" in text
    assert "<code>application.submit</code>" not in text
    bad = client.get(reverse("webhooks-log", args=[https_endpoint.pk]), {"status": "bogus"})
    assert bad.status_code == 400


def test_an_unknown_endpoint_is_404(client, office):
    assert client.get(reverse("webhooks-log", args=[999])).status_code == 404


def test_the_log_lists_only_this_endpoints_deliveries(client, office, https_endpoint):
    other = Endpoint.objects.create(url="https://dms.example.org/in", secret="x")
    make_delivery(other, event="application.reject")
    text = client.get(reverse("webhooks-log", args=[https_endpoint.pk])).content.decode()
    assert "application.reject" not in text


# ----- send again -------------------------------------------------------------------------------


def test_send_again_posts_a_failed_delivery_once_more(
    client, office, endpoint, receiver, django_capture_on_commit_callbacks
):
    failed = make_delivery(
        endpoint, Status.FAILED, attempts=6, status_code=500, last_error="HTTP 500"
    )
    url = reverse("webhooks-send-again", args=[endpoint.pk, failed.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("webhooks-log", args=[endpoint.pk])
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.status_code) == (Status.DELIVERED, 1, 204)
    assert failed.resent_by == office
    assert failed.resent_at is not None
    assert [r.headers["X-Risikokapital-Delivery"] for r in receiver.requests] == [str(failed.uuid)]


def test_send_again_needs_a_failed_delivery(client, office, https_endpoint):
    delivered = make_delivery(https_endpoint, Status.DELIVERED)
    response = client.post(reverse("webhooks-send-again", args=[https_endpoint.pk, delivered.pk]))
    assert response.status_code == 409
    with pytest.raises(StateConflict):
        services.redeliver(office, delivered)


def test_send_again_needs_an_active_endpoint(client, office, https_endpoint):
    failed = make_delivery(https_endpoint, Status.FAILED)
    Endpoint.objects.filter(pk=https_endpoint.pk).update(is_active=False)
    response = client.post(reverse("webhooks-send-again", args=[https_endpoint.pk, failed.pk]))
    assert response.status_code == 422
    failed.refresh_from_db()
    assert failed.status == Status.FAILED


def test_send_again_of_another_endpoints_delivery_is_404(client, office, https_endpoint):
    other = Endpoint.objects.create(url="https://dms.example.org/in", secret="x")
    failed = make_delivery(other, Status.FAILED)
    response = client.post(reverse("webhooks-send-again", args=[https_endpoint.pk, failed.pk]))
    assert response.status_code == 404


def test_send_again_only_by_post(client, office, https_endpoint):
    failed = make_delivery(https_endpoint, Status.FAILED)
    response = client.get(reverse("webhooks-send-again", args=[https_endpoint.pk, failed.pk]))
    assert response.status_code == 405


# ----- deactivate, delete -----------------------------------------------------------------------


def test_deactivating_fails_pending_deliveries_and_stops_new_events(client, office, https_endpoint):
    pending = make_delivery(https_endpoint, Status.PENDING)
    delivered = make_delivery(https_endpoint, Status.DELIVERED)
    response = client.post(reverse("webhooks-active", args=[https_endpoint.pk]), {"active": "0"})
    assert response.status_code == 302
    https_endpoint.refresh_from_db()
    assert not https_endpoint.is_active
    pending.refresh_from_db()
    assert (pending.status, pending.last_error) == (Status.FAILED, "Endpoint deactivated.")
    delivered.refresh_from_db()
    assert delivered.status == Status.DELIVERED

    from tests import states

    states.submitted()
    assert Delivery.objects.count() == 2

    client.post(reverse("webhooks-active", args=[https_endpoint.pk]), {"active": "1"})
    https_endpoint.refresh_from_db()
    assert https_endpoint.is_active


def test_deleting_asks_first_then_deletes_the_log(client, office, english, https_endpoint):
    make_delivery(https_endpoint)
    url = reverse("webhooks-delete", args=[https_endpoint.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Delete the endpoint?" in page.content.decode()
    assert Endpoint.objects.count() == 1
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("webhooks-list")
    assert Endpoint.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_the_pages_render_in_german(client, office, https_endpoint):
    make_delivery(https_endpoint, Status.FAILED)
    for url in (
        reverse("webhooks-list"),
        reverse("webhooks-create"),
        reverse("webhooks-log", args=[https_endpoint.pk]),
        reverse("webhooks-delete", args=[https_endpoint.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="de"' in response.content.decode(), url
