"""Which events become deliveries, with what body, and when they are queued."""

import json
import uuid
from datetime import datetime
from unittest import mock

import pytest
from django.db import transaction

from applications import services as application_services
from decisions import letters
from decisions import services as decision_services
from decisions import tasks as decision_tasks
from decisions.models import DecisionLetter
from tests import factories, states
from tests.decisions.letter_factories import make_letter
from webhooks import events, signing
from webhooks import tasks as webhook_tasks
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db

Status = Delivery.Status


def bodies(event=None):
    rows = Delivery.objects.order_by("pk")
    if event:
        rows = rows.filter(event=event)
    return [json.loads(row.body) for row in rows]


def test_a_transition_posts_a_signed_event_to_the_endpoint(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    application = states.draft()
    user = application.created_by
    with django_capture_on_commit_callbacks(execute=True):
        application = application_services.submit(user, application, states.DECLARATIONS)

    delivery = Delivery.objects.get()
    assert delivery.status == Status.DELIVERED
    assert (delivery.attempts, delivery.status_code, delivery.last_error) == (1, 204, "")
    assert delivery.event == "application.submit"
    assert delivery.reference == application.reference
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.path == "/hook"
    assert request.body == delivery.body.encode()
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Risikokapital-Event"] == "application.submit"
    assert request.headers["X-Risikokapital-Delivery"] == str(delivery.uuid)
    assert signing.verify(
        "s3cret-for-tests", request.body, request.headers["X-Risikokapital-Signature"]
    )

    payload = json.loads(request.body)
    occurred_at = payload.pop("occurred_at")
    assert abs((datetime.fromisoformat(occurred_at) - delivery.created_at).total_seconds()) < 5
    assert payload == {
        "id": str(delivery.uuid),
        "event": "application.submit",
        "application": {
            "id": application.pk,
            "reference": application.reference,
            "state": "submitted",
            "programme_id": application.programme_id,
            "organization_id": application.organization_id,
        },
        "transition": {"name": "submit", "source": "draft", "target": "submitted", "by": user.pk},
    }


def test_every_transition_of_the_journey_is_an_event(endpoint, receiver):
    application = states.approved()
    assert [body["event"] for body in bodies()] == [
        "application.submit",
        "application.start_review",
        "application.complete_review",
        "application.approve",
    ]
    assert [(b["transition"]["source"], b["transition"]["target"]) for b in bodies()] == [
        ("draft", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "awaiting_decision"),
        ("awaiting_decision", "approved"),
    ]
    approve = bodies("application.approve")[0]
    assert approve["application"]["state"] == "approved"
    assert approve["application"]["reference"] == application.reference


def test_the_body_carries_no_personal_data_or_review_content(endpoint):
    application = states.awaiting_decision()
    text = "".join(Delivery.objects.values_list("body", flat=True))
    for secret in (
        application.title,
        application.organization.name,
        application.created_by.email,
        application.created_by.username,
        states.REVIEW["comment"],
    ):
        assert secret not in text
    keys = {key for body in bodies() for key in body}
    assert keys == {"id", "event", "occurred_at", "application", "transition"}


def test_one_delivery_per_active_endpoint_each_with_its_own_id(endpoint, allow_http):
    other = Endpoint.objects.create(url="https://erp.example.org/hook", secret="x")
    Endpoint.objects.create(url="https://old.example.org/hook", secret="y", is_active=False)
    states.submitted()
    rows = list(Delivery.objects.order_by("endpoint_id"))
    assert [row.endpoint_id for row in rows] == [endpoint.pk, other.pk]
    assert len({row.uuid for row in rows}) == 2
    assert [json.loads(row.body)["id"] for row in rows] == [str(row.uuid) for row in rows]


def test_no_endpoint_no_delivery():
    states.submitted()
    assert Delivery.objects.count() == 0


def test_a_rolled_back_transition_leaves_no_delivery_and_queues_nothing(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    application = states.draft()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        mock.patch.object(webhook_tasks.deliver, "delay") as delay,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        application_services.submit(application.created_by, application, states.DECLARATIONS)
        assert Delivery.objects.count() == 1  # written in the transition's transaction
        raise RuntimeError("the change fails after the transition")
    assert Delivery.objects.count() == 0
    assert callbacks == []
    delay.assert_not_called()
    assert receiver.requests == []
    application.refresh_from_db()
    assert application.state == "draft"


def test_the_task_is_queued_only_on_commit(endpoint, django_capture_on_commit_callbacks):
    application = states.draft()
    with mock.patch.object(webhook_tasks.deliver, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            application_services.submit(application.created_by, application, states.DECLARATIONS)
        delay.assert_not_called()
        for callback in callbacks:
            callback()
    delivery = Delivery.objects.get()
    delay.assert_called_once_with(delivery.pk)


def test_a_failing_endpoint_does_not_block_the_transition(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [500]
    application = states.draft()
    with django_capture_on_commit_callbacks(execute=True):
        application = application_services.submit(
            application.created_by, application, states.DECLARATIONS
        )
    application.refresh_from_db()
    assert application.state == "submitted"
    delivery = Delivery.objects.get()
    assert delivery.status == Status.PENDING
    assert (delivery.attempts, delivery.status_code) == (1, 500)
    assert delivery.last_error == "HTTP 500: Internal Server Error"
    assert len(receiver.requests) == 1


def test_an_unreachable_endpoint_does_not_block_the_transition(
    allow_http, django_capture_on_commit_callbacks
):
    Endpoint.objects.create(url="http://127.0.0.1:9/nothing-listens", secret="x")
    application = states.draft()
    with django_capture_on_commit_callbacks(execute=True):
        application_services.submit(application.created_by, application, states.DECLARATIONS)
    application.refresh_from_db()
    assert application.state == "submitted"
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.status_code) == (Status.PENDING, 1, None)
    assert delivery.last_error.startswith("URLError")


def test_an_error_while_recording_is_logged_and_the_transition_commits(endpoint, caplog):
    application = states.draft()
    with mock.patch.object(Delivery.objects, "bulk_create", side_effect=RuntimeError("disk")):
        application = application_services.submit(
            application.created_by, application, states.DECLARATIONS
        )
    application.refresh_from_db()
    assert application.state == "submitted"
    assert Delivery.objects.count() == 0
    assert "Webhook event application.submit could not be recorded" in caplog.text


def test_a_broker_error_after_the_commit_is_logged(endpoint, caplog):
    with mock.patch.object(webhook_tasks.deliver, "delay", side_effect=OSError("broker down")):
        events.queue([41, 42])
    assert "Webhook delivery 41 could not be queued; the sweep will" in caplog.text
    assert "Webhook delivery 42 could not be queued; the sweep will" in caplog.text


# ----- letters ----------------------------------------------------------------------------------


def test_letter_sent_fires_once_when_the_letter_is_sent(
    endpoint, receiver, mailoutbox, django_capture_on_commit_callbacks
):
    letter = make_letter()
    with django_capture_on_commit_callbacks(execute=True):
        decision_tasks.generate_decision_letter.delay(letter.pk)
        decision_tasks.generate_decision_letter.delay(letter.pk)

    letter.refresh_from_db()
    assert letter.status == DecisionLetter.Status.SENT
    assert len(mailoutbox) == 1
    delivery = Delivery.objects.get(event="letter.sent")
    assert delivery.status == Status.DELIVERED
    payload = json.loads(delivery.body)
    payload.pop("occurred_at")
    application = letter.application
    assert payload == {
        "id": str(delivery.uuid),
        "event": "letter.sent",
        "application": {
            "id": application.pk,
            "reference": "RK-2026-0042",
            "state": application.state,
            "programme_id": application.programme_id,
            "organization_id": application.organization_id,
        },
        "letter": {"id": letter.pk, "number": 1, "application_id": application.pk},
    }
    assert [r.headers["X-Risikokapital-Event"] for r in receiver.requests] == ["letter.sent"]


def test_no_letter_event_while_the_letter_is_not_sent(endpoint, mailoutbox):
    letter = make_letter()
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("smtp down")):
        letters.produce(letter.pk)
        with pytest.raises(OSError):
            letters.dispatch(letter.pk)
    letter.refresh_from_db()
    assert letter.status == DecisionLetter.Status.RENDERED
    assert not Delivery.objects.filter(event="letter.sent").exists()


def test_a_letter_sent_again_is_a_new_event(endpoint, mailoutbox):
    letter = make_letter()
    decision_tasks.generate_decision_letter.delay(letter.pk)
    decision_services.resend_letter(factories.coordinator(), letter)
    letters.dispatch(letter.pk)
    rows = list(Delivery.objects.filter(event="letter.sent").order_by("pk"))
    assert len(rows) == 2
    assert rows[0].uuid != rows[1].uuid
    assert [json.loads(row.body)["letter"]["id"] for row in rows] == [letter.pk, letter.pk]


def test_the_letter_event_survives_an_error_of_the_receiver(endpoint, mailoutbox, caplog):
    letter = make_letter()
    with mock.patch.object(events, "record", side_effect=RuntimeError("boom")):
        decision_tasks.generate_decision_letter.delay(letter.pk)
    letter.refresh_from_db()
    assert letter.status == DecisionLetter.Status.SENT
    assert f"Webhook event for letter {letter.pk}" in caplog.text


def test_delivery_ids_are_uuids(endpoint):
    states.submitted()
    delivery = Delivery.objects.get()
    assert uuid.UUID(json.loads(delivery.body)["id"]) == delivery.uuid
