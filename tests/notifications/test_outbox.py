"""The outbox: every mail written with its change, sent once, retried, swept, never doubled."""

import smtplib
import threading
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from applications import services
from notifications import outbox, tasks
from notifications.models import OutboxMail
from tests import factories, states

pytestmark = pytest.mark.django_db

Status = OutboxMail.Status


def pending_mail(**fields):
    values = {
        "kind": "submitted",
        "recipients": ["a@example.org", "b@example.org"],
        "language": "de",
        "subject": "Antrag RK-2026-0001 wurde eingereicht",
        "body": "Hallo,\n\ndie Firma hat eingereicht.",
        "reference": "RK-2026-0001",
        "application_id": 1,
        **fields,
    }
    return OutboxMail.objects.create(**values)


def age(row, minutes, field="created_at"):
    OutboxMail.objects.filter(pk=row.pk).update(
        **{field: timezone.now() - timedelta(minutes=minutes)}
    )


def test_sending_twice_sends_once(mailoutbox):
    row = pending_mail()
    assert tasks.send_outbox_mail.delay(row.pk).get() is True
    assert tasks.send_outbox_mail.delay(row.pk).get() is False
    (message,) = mailoutbox
    assert (message.subject, message.body, message.to) == (row.subject, row.body, row.recipients)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 1)


def test_a_claim_is_taken_once():
    row = pending_mail()
    token = outbox.claim(row.pk)
    assert token is not None
    assert outbox.claim(row.pk) is None
    row.refresh_from_db()
    assert (row.status, row.claimed_at, row.attempts) == (Status.SENDING, token, 1)


def test_only_the_claims_holder_finishes():
    row = pending_mail()
    token = outbox.claim(row.pk)
    assert outbox.finish(row.pk, token - timedelta(seconds=1), Status.SENT) is False
    assert outbox.finish(row.pk, token, Status.SENT, sent_at=token) is True
    assert OutboxMail.objects.get(pk=row.pk).status == Status.SENT


def test_a_mail_that_went_out_is_sent_even_if_flagged_uncertain_meanwhile():
    row = pending_mail()
    token = outbox.claim(row.pk)
    OutboxMail.objects.filter(pk=row.pk).update(status=Status.UNCERTAIN)
    assert outbox.finish(row.pk, token, Status.SENT) is True
    # but never back to pending: only a mail that really went out leaves uncertain
    OutboxMail.objects.filter(pk=row.pk).update(status=Status.UNCERTAIN)
    assert outbox.finish(row.pk, token, Status.PENDING) is False


@pytest.mark.parametrize(
    "failure", [smtplib.SMTPServerDisconnected("lost"), ConnectionRefusedError("refused")]
)
def test_smtp_and_network_errors_put_the_row_back_and_retry(failure, mailoutbox):
    row = pending_mail()
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=failure),
        pytest.raises(Retry) as retry,
    ):
        tasks.send_outbox_mail.delay(row.pk)
    assert retry.value.exc is failure
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert row.last_error == f"{type(failure).__name__}: {failure}"

    assert tasks.send_outbox_mail.delay(row.pk).get() is True
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)
    assert len(mailoutbox) == 1


def test_other_errors_fail_the_row_without_retry(mailoutbox):
    row = pending_mail()
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=ValueError("bad header")),
        pytest.raises(ValueError),
    ):
        tasks.send_outbox_mail.delay(row.pk)
    row.refresh_from_db()
    assert (row.status, row.last_error) == (Status.FAILED, "ValueError: bad header")
    assert tasks.send_outbox_mail.delay(row.pk).get() is False
    assert mailoutbox == []


def test_transient_errors_give_up_after_two_days():
    row = pending_mail()
    age(row, minutes=2 * 24 * 60 + 1)
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("down")),
        pytest.raises(Retry),
    ):
        tasks.send_outbox_mail.delay(row.pk)
    assert OutboxMail.objects.get(pk=row.pk).status == Status.FAILED


def test_a_mail_to_a_deleted_row_sends_nothing(mailoutbox):
    assert tasks.send_outbox_mail.delay(0).get() is False
    assert mailoutbox == []


# ----- broker down and the sweep -------------------------------------------------------------


def test_a_broker_outage_keeps_the_transition_and_the_sweep_sends_it_later(
    django_capture_on_commit_callbacks, caplog, mailoutbox
):
    coordinator = factories.coordinator()
    application = states.draft()
    down = OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")
    with (
        mock.patch.object(tasks.send_outbox_mail, "delay", side_effect=down),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.submit(application.created_by, application, states.DECLARATIONS)
    application.refresh_from_db()
    assert application.state == "submitted"
    rows = list(OutboxMail.objects.order_by("pk"))  # the office's notice, the receipt
    assert [row.kind for row in rows] == ["submitted", "submitted_receipt"]
    assert {row.status for row in rows} == {Status.PENDING}
    for row in rows:
        assert f"Outbox mail {row.pk} not queued" in caplog.text
    assert mailoutbox == []

    assert tasks.sweep_outbox.delay().get() == 0  # younger than a minute: its task may run
    for row in rows:
        age(row, minutes=2)
    assert tasks.sweep_outbox.delay().get() == 2
    assert tasks.sweep_outbox.delay().get() == 0
    assert [coordinator.email] in [message.to for message in mailoutbox]
    assert len(mailoutbox) == 2
    assert set(OutboxMail.objects.values_list("status", flat=True)) == {Status.SENT}


def test_the_sweep_flags_rows_stuck_in_sending_and_never_sends_them(caplog, mailoutbox):
    stale = pending_mail(reference="RK-2026-0002")
    outbox.claim(stale.pk)
    age(stale, minutes=11, field="claimed_at")
    busy = pending_mail(reference="RK-2026-0003")
    outbox.claim(busy.pk)
    age(busy, minutes=2, field="claimed_at")
    waiting = pending_mail(reference="RK-2026-0004")
    age(waiting, minutes=2)

    assert tasks.sweep_outbox.delay().get() == 1

    statuses = dict(OutboxMail.objects.values_list("reference", "status"))
    assert statuses == {
        "RK-2026-0002": Status.UNCERTAIN,
        "RK-2026-0003": Status.SENDING,
        "RK-2026-0004": Status.SENT,
    }
    assert [m.subject for m in mailoutbox] == [waiting.subject]
    assert f"Outbox mail {stale.pk} (submitted, RK-2026-0002" in caplog.text
    assert "marked uncertain" in caplog.text
    tasks.sweep_outbox.delay()
    assert len(mailoutbox) == 1


def test_the_sweep_runs_a_constant_number_of_queries(django_assert_num_queries):
    def sweep_queries(count):
        for _number in range(count):
            row = pending_mail()
            outbox.claim(row.pk)
            age(row, minutes=20, field="claimed_at")
            age(pending_mail(), minutes=5)
        with (
            mock.patch.object(tasks.send_outbox_mail, "delay") as delay,
            django_assert_num_queries(4),  # stuck, flag them, retry failed, pending
        ):
            tasks.sweep_outbox()
        OutboxMail.objects.update(status=Status.SENT)
        return delay.call_count

    assert sweep_queries(1) == 1
    assert sweep_queries(5) == 5


def test_the_legacy_task_writes_the_mail_to_the_outbox(mailoutbox):
    application = states.submitted()
    factories.coordinator()
    OutboxMail.objects.all().delete()
    assert tasks.send_notification.delay("submitted", "applications.application", 0).get() == 0
    assert (
        tasks.send_notification.delay("submitted", "applications.application", application.pk).get()
        == 1
    )
    assert OutboxMail.objects.get().kind == "submitted"


# ----- the admin ---------------------------------------------------------------------------------


def test_the_outbox_is_read_only_in_the_admin(client):
    row = pending_mail()
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get("/admin/notifications/outboxmail/")
    assert listing.status_code == 200
    assert row.reference in listing.content.decode()
    detail = client.get(f"/admin/notifications/outboxmail/{row.pk}/change/")
    assert detail.status_code == 200
    assert row.subject in detail.content.decode()
    assert client.get("/admin/notifications/outboxmail/add/").status_code == 403
    response = client.post(f"/admin/notifications/outboxmail/{row.pk}/change/", {"kind": "x"})
    assert response.status_code == 403
    assert OutboxMail.objects.get(pk=row.pk).kind == "submitted"


# ----- concurrency on PostgreSQL -----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_senders_send_a_row_once(mailoutbox):
    row = pending_mail()
    barrier = threading.Barrier(4)
    results = []

    def sender():
        barrier.wait()
        try:
            results.append(outbox.send(row.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert len(mailoutbox) == 1
    assert OutboxMail.objects.get().attempts == 1
