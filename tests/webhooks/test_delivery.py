"""Delivering: the signed POST to a real server, retries with backoff, claims, the sweep."""

import hashlib
import hmac
import json
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone, translation

from webhooks import delivery, events, signing, tasks
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db

Status = Delivery.Status
DATA = {
    "application": {
        "id": 7,
        "reference": "RK-2026-0007",
        "state": "submitted",
        "programme_id": 1,
        "organization_id": 2,
    },
    "transition": {"name": "submit", "source": "draft", "target": "submitted", "by": 3},
}


def record(endpoint):
    (row,) = events.record("application.submit", DATA)
    return row


def make_due(row):
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(hours=1))


# ----- signing ------------------------------------------------------------------------------------


def test_signature_is_the_hex_hmac_sha256_of_the_raw_body():
    body = b'{"id":"x","event":"application.submit"}'
    expected = hmac.new(b"topsecret", body, hashlib.sha256).hexdigest()
    assert signing.signature("topsecret", body) == f"sha256={expected}"
    assert signing.verify("topsecret", body, f"sha256={expected}")
    assert not signing.verify("topsecret", body + b" ", f"sha256={expected}")
    assert not signing.verify("other", body, f"sha256={expected}")
    assert not signing.verify("topsecret", body, None)


def test_generated_secrets_are_64_hex_digits_and_differ():
    first, second = signing.generate_secret(), signing.generate_secret()
    assert len(first) == 64
    int(first, 16)
    assert first != second


def test_the_received_signature_matches_the_received_bytes(endpoint, receiver):
    row = record(endpoint)
    tasks.deliver(row.pk)
    (request,) = receiver.requests
    expected = hmac.new(b"s3cret-for-tests", request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Risikokapital-Signature"] == f"sha256={expected}"
    assert json.loads(request.body)["application"] == DATA["application"]
    assert request.headers["User-Agent"] == "Risikokapital-Webhooks/1"


# ----- one attempt --------------------------------------------------------------------------------


def test_running_the_task_twice_posts_once(endpoint, receiver):
    row = record(endpoint)
    tasks.deliver(row.pk)
    tasks.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.DELIVERED
    assert row.attempts == 1
    assert row.delivered_at is not None
    assert len(receiver.requests) == 1


def test_a_second_claim_of_the_same_delivery_is_refused(endpoint):
    row = record(endpoint)
    now = timezone.now()
    assert delivery.claim(row.pk, now) == now
    assert delivery.claim(row.pk, now + timedelta(seconds=1)) is None
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claimed_at) == (Status.SENDING, 1, now)


def test_a_delivery_that_is_not_due_is_not_claimed(endpoint, receiver):
    row = record(endpoint)
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=1))
    assert tasks.deliver(row.pk) is None
    assert receiver.requests == []


def test_an_inactive_endpoint_receives_nothing(endpoint, receiver):
    row = record(endpoint)
    Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    tasks.deliver(row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 0)
    assert receiver.requests == []


def test_a_deleted_delivery_is_skipped(endpoint, receiver):
    row = record(endpoint)
    endpoint.delete()
    assert tasks.deliver(row.pk) is None
    assert receiver.requests == []


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_every_2xx_answer_delivers(endpoint, receiver, status):
    receiver.answers = [status]
    row = record(endpoint)
    tasks.deliver(row.pk)
    row.refresh_from_db()
    assert (row.status, row.status_code) == (Status.DELIVERED, status)


def test_a_500_is_retried_with_the_backoff_then_fails(endpoint, receiver, caplog):
    receiver.answers = [500]
    row = record(endpoint)
    countdowns = []
    with mock.patch.object(tasks.deliver, "apply_async") as apply_async:
        for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
            before = timezone.now()
            tasks.deliver(row.pk)
            row.refresh_from_db()
            assert row.attempts == attempt
            assert row.status_code == 500
            assert row.last_error == "HTTP 500: Internal Server Error"
            if attempt < delivery.MAX_ATTEMPTS:
                assert row.status == Status.PENDING
                countdown = apply_async.call_args.kwargs["countdown"]
                assert apply_async.call_args.args == ((row.pk,),)
                countdowns.append(countdown)
                wait = (row.next_attempt_at - before).total_seconds()
                assert countdown - 1 < wait < countdown + 5
                make_due(row)
    assert countdowns == [60, 300, 1800, 7200, 43200]
    assert apply_async.call_count == 5
    assert row.status == Status.FAILED
    assert len(receiver.requests) == 6
    assert "failed after 6 attempt(s): HTTP 500" in caplog.text
    # a failed delivery is never posted again by itself
    make_due(row)
    tasks.deliver(row.pk)
    assert len(receiver.requests) == 6


def test_the_retry_is_queued_with_the_countdown_through_celery(endpoint, receiver):
    receiver.answers = [503, 204]
    row = record(endpoint)
    with mock.patch.object(tasks.deliver, "apply_async") as apply_async:
        assert tasks.deliver(row.pk) == 60
    apply_async.assert_called_once_with((row.pk,), countdown=60)
    row.refresh_from_db()
    assert (row.status, row.status_code) == (Status.PENDING, 503)
    # the queued run comes at its time and delivers
    make_due(row)
    assert tasks.deliver(row.pk) is None
    row.refresh_from_db()
    assert (row.status, row.attempts, row.status_code, row.last_error) == (
        Status.DELIVERED,
        2,
        204,
        "",
    )
    assert [r.headers["X-Risikokapital-Delivery"] for r in receiver.requests] == [str(row.uuid)] * 2
    assert receiver.requests[0].body == receiver.requests[1].body


def test_a_lost_retry_is_logged(endpoint, receiver, caplog):
    receiver.answers = [500]
    row = record(endpoint)
    with mock.patch.object(tasks.deliver, "apply_async", side_effect=OSError("broker down")):
        assert tasks.deliver(row.pk) == 60
    assert f"Webhook delivery {row.pk}: retry not queued" in caplog.text


def test_a_redirect_is_not_followed(endpoint, receiver):
    receiver.answers = [302]
    receiver.location = "http://127.0.0.1:9/elsewhere"
    row = record(endpoint)
    with mock.patch.object(tasks.deliver, "apply_async"):
        tasks.deliver(row.pk)
    row.refresh_from_db()
    assert (row.status, row.status_code) == (Status.PENDING, 302)
    assert row.last_error == "HTTP 302: redirect not followed"
    assert len(receiver.requests) == 1


def test_a_slow_endpoint_times_out(endpoint, receiver, monkeypatch):
    monkeypatch.setattr(delivery, "TIMEOUT", 0.2)
    receiver.delay = 1
    row = record(endpoint)
    with mock.patch.object(tasks.deliver, "apply_async"):
        tasks.deliver(row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.status_code) == (Status.PENDING, 1, None)
    assert "timed out" in row.last_error


def test_the_request_times_out_after_ten_seconds(endpoint):
    row = record(endpoint)
    row = Delivery.objects.select_related("endpoint").get(pk=row.pk)
    with mock.patch.object(delivery._opener, "open", side_effect=TimeoutError("t")) as open_:
        assert delivery.post(row) == (None, "TimeoutError: t")
    assert open_.call_args.kwargs == {"timeout": 10}


def test_a_url_no_longer_allowed_fails_at_once(endpoint, receiver, settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    settings.DEBUG = False
    row = record(endpoint)
    with mock.patch.object(tasks.deliver, "apply_async") as apply_async, translation.override("en"):
        tasks.deliver(row.pk)
    apply_async.assert_not_called()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.status_code) == (Status.FAILED, 1, None)
    assert row.last_error == "The URL must start with https://."
    assert receiver.requests == []


def test_backoff_table():
    assert [delivery.backoff(n) for n in range(1, 7)] == [60, 300, 1800, 7200, 43200, None]


# ----- the sweep ----------------------------------------------------------------------------------


def test_sweep_releases_stuck_deliveries_and_queues_overdue_ones(endpoint, caplog):
    now = timezone.now()
    stuck = record(endpoint)
    Delivery.objects.filter(pk=stuck.pk).update(
        status=Status.SENDING, claimed_at=now - timedelta(minutes=6), attempts=2
    )
    exhausted = record(endpoint)
    Delivery.objects.filter(pk=exhausted.pk).update(
        status=Status.SENDING, claimed_at=now - timedelta(minutes=6), attempts=6
    )
    busy = record(endpoint)
    Delivery.objects.filter(pk=busy.pk).update(
        status=Status.SENDING, claimed_at=now - timedelta(minutes=1)
    )
    overdue = record(endpoint)
    Delivery.objects.filter(pk=overdue.pk).update(next_attempt_at=now - timedelta(minutes=6))
    fresh = record(endpoint)
    waiting = record(endpoint)
    Delivery.objects.filter(pk=waiting.pk).update(next_attempt_at=now + timedelta(hours=2))
    delivered = record(endpoint)
    Delivery.objects.filter(pk=delivered.pk).update(
        status=Status.DELIVERED, next_attempt_at=now - timedelta(hours=1)
    )
    requeue = mock.Mock()

    queued = delivery.sweep(requeue, now=now)

    assert sorted(queued) == sorted([stuck.pk, overdue.pk])
    assert sorted(call.args[0] for call in requeue.call_args_list) == sorted(queued)
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert statuses[stuck.pk] == Status.PENDING
    assert statuses[exhausted.pk] == Status.FAILED
    assert statuses[busy.pk] == Status.SENDING
    assert statuses[fresh.pk] == statuses[waiting.pk] == Status.PENDING
    assert Delivery.objects.get(pk=stuck.pk).last_error == (
        "Interrupted: the worker stopped while delivering."
    )
    assert "2 delivery(ies) stuck in sending released" in caplog.text


def test_sweep_skips_inactive_endpoints(endpoint):
    row = record(endpoint)
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(hours=1))
    Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    assert delivery.sweep(mock.Mock()) == []


def test_sweep_task_delivers_what_was_lost(endpoint, receiver):
    row = record(endpoint)
    make_due(row)
    assert tasks.sweep_deliveries() == 1
    row.refresh_from_db()
    assert row.status == Status.DELIVERED
    assert len(receiver.requests) == 1


def test_sweep_runs_a_constant_number_of_queries(endpoint, django_assert_num_queries):
    for _ in range(3):
        make_due(record(endpoint))
    with django_assert_num_queries(2):
        delivery.sweep(lambda pk: None)
