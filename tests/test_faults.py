"""Nothing lost, nothing wrong under faults: the broker down, a worker killed, the database
connection dropped in the middle of a transition.

a. Redis unreachable (the broker pointed at a closed port, never the shared Redis stopped):
   the transitions commit and answer normally; outbox rows and the letter wait pending; with
   the broker back, a real worker and the sweeps deliver every mail and the letter exactly once.
b. A worker killed (SIGKILL) while rendering a letter: after the sweep another worker renders
   and mails it, one file and one mail.
c. PostgreSQL drops the request's connection inside a transition: a clean error page, nothing
   of the transition written (no state change, no log row, no outbox row, no mail).

(a) and (b) need PostgreSQL and Redis (``integration``), (c) PostgreSQL; under CI a missing
service fails.
"""

import datetime
import email
import email.header
import signal
import time
from datetime import timedelta

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications.models import Application, State
from decisions import services as decision_services
from decisions import tasks as letter_tasks
from decisions.models import DecisionLetter
from notifications import tasks as mail_tasks
from notifications.models import OutboxMail
from tests import factories, states
from tests.test_integration import start_worker, stop_worker, wait_for

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"
LetterStatus = DecisionLetter.Status


# ----- helpers ----------------------------------------------------------------------------------


def use_broker(url):
    """Point the test process's Celery app at ``url``: its pools are looked up again (kombu
    keeps one per URL, so the pool of the real broker is reused, never closed)."""
    from funding.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def queue():
    """The test's Redis database (``REDIS_URL``, our own): emptied of Celery's keys before and
    after, so that no task of another run is delivered."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = ("celery", "unacked", "unacked_index", "unacked_mutex")
    client.delete(*keys)
    yield client
    client.delete(*keys)
    client.close()


def drained(client):
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


SEPARATOR = "\n" + "-" * 79 + "\n"  # written after every message by the file mail backend


def sent_mails(mail_dir):
    """Every message the workers wrote (a file can hold several: one per backend and second)."""
    files = sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []
    texts = [path.read_text(errors="replace") for path in files]
    return [part for text in texts for part in text.split(SEPARATOR) if part.strip()]


def header(mail, name):
    return email.message_from_string(mail)[name]


def subject_of(mail):
    return str(email.header.make_header(email.header.decode_header(header(mail, "Subject"))))


def letter_files(media_root, application):
    folder = media_root / "letters" / str(application.pk)
    return sorted(folder.glob("*.pdf")) if folder.exists() else []


def age_outbox(minutes=2):
    OutboxMail.objects.update(created_at=timezone.now() - timedelta(minutes=minutes))


# ----- a. the broker down during transitions --------------------------------------------------


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_broker_down_loses_nothing_and_the_sweeps_deliver_once(media_root, tmp_path, queue, caplog):
    use_broker(CLOSED_PORT_BROKER)
    try:
        # the world, and two transitions by HTTP, all while the broker is unreachable
        approving = states.awaiting_decision()
        first, second = states.deciding_board(approving)
        decision = decision_services.propose_decision(
            first, approving, "approve", amount=approving.requested_amount
        )
        returning = states.submitted()
        coordinator = factories.coordinator()

        client = Client()
        client.force_login(second)
        started = time.monotonic()
        confirmed = client.post(reverse("decision-confirm", args=[decision.pk]))
        client.force_login(coordinator)
        deadline = timezone.localdate() + datetime.timedelta(days=14)
        returned = client.post(
            reverse("application-return", args=[returning.pk]),
            {"reason": "Handelsregisterauszug fehlt.", "deadline": deadline.isoformat()},
        )
        seconds = time.monotonic() - started
        print(f"two HTTP transitions with the broker down: {seconds:.2f} s")
    finally:
        use_broker(settings.CELERY_BROKER_URL)

    assert (confirmed.status_code, returned.status_code) == (302, 302)
    assert seconds < 10, f"two transitions with the broker down took {seconds:.1f} s"
    assert Application.objects.get(pk=approving.pk).state == State.APPROVED
    assert Application.objects.get(pk=returning.pk).state == State.RETURNED
    assert "not queued" in caplog.text
    letter = DecisionLetter.objects.get(application=approving)
    assert letter.status == LetterStatus.PENDING
    rows = list(OutboxMail.objects.order_by("pk"))
    kinds = sorted(row.kind for row in rows)
    assert kinds == [
        "assigned",
        "assigned",
        "decision_proposed",
        "returned",
        "review_started",
        "submitted",
        "submitted_receipt",
        "submitted_receipt",
    ]
    assert {row.status for row in rows} == {OutboxMail.Status.PENDING}
    returned_row = OutboxMail.objects.get(kind="returned")
    assert "Handelsregisterauszug fehlt." in returned_row.body
    assert deadline.strftime("%d.%m.%Y") in returned_row.body

    # the broker is back: a worker and the sweeps (beat runs them every few minutes)
    mail_dir = tmp_path / "mail"
    worker = start_worker(media_root, mail_dir, tmp_path / "worker.log")
    try:
        age_outbox()
        assert mail_tasks.sweep_outbox.delay() is not None
        letter_tasks.sweep_letters.delay()

        def delivered():
            letter.refresh_from_db()
            unsent = OutboxMail.objects.exclude(status=OutboxMail.Status.SENT).count()
            return letter.status == LetterStatus.SENT and unsent == 0

        assert wait_for(delivered, timeout=45), (
            f"letter {letter.status}; outbox "
            f"{list(OutboxMail.objects.values_list('kind', 'status'))}"
        )
        assert wait_for(lambda: drained(queue), timeout=20)
        mails = sent_mails(mail_dir)
        assert len(mails) == len(rows) + 1  # every progress mail and the letter, once each

        # duplicates (a sweep racing a retry, a task delivered twice) send nothing more
        mail_tasks.sweep_outbox.delay()
        letter_tasks.sweep_letters.delay()
        for row in rows:
            mail_tasks.send_outbox_mail.delay(row.pk)
        letter_tasks.generate_decision_letter.delay(letter.pk)
        assert wait_for(lambda: drained(queue), timeout=20)
        time.sleep(0.5)
        assert sent_mails(mail_dir) == mails
    finally:
        stop_worker(worker)

    # every row once, to its recipients, and the letter once
    letter.refresh_from_db()
    expected = [(row.subject, ", ".join(row.recipients)) for row in rows]
    expected.append(
        (f"Bescheid zu Ihrem Antrag {approving.reference}", ", ".join(letter.recipients))
    )
    received = [(subject_of(mail), " ".join(header(mail, "To").split())) for mail in mails]
    assert sorted(received) == sorted(expected)
    letter_mails = [mail for mail in mails if "application/pdf" in mail]
    assert len(letter_mails) == 1
    assert approving.reference in letter_mails[0]
    assert len(letter_files(media_root, approving)) == 1
    assert OutboxMail.objects.filter(attempts=1, sent_at__isnull=False).count() == len(rows)
    letter.refresh_from_db()
    assert letter.attempts == 1


# ----- b. a worker killed while rendering -------------------------------------------------------

SLOW_RENDERING = """
import time
from decisions import letters
_render = letters.render_letter_pdf
def _slow(letter):
    time.sleep(120)  # long enough to be killed in the middle of it
    return _render(letter)
letters.render_letter_pdf = _slow
"""


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_while_rendering_makes_one_letter_and_one_mail(media_root, tmp_path, queue):
    mail_dir = tmp_path / "mail"
    slow = start_worker(media_root, mail_dir, tmp_path / "slow.log", patch=SLOW_RENDERING)
    try:
        application = states.approved()
        letter = application.letters.get()

        def rendering():
            letter.refresh_from_db()
            return letter.status == LetterStatus.RENDERING

        assert wait_for(rendering, timeout=30), f"letter still {letter.status}"
        slow.send_signal(signal.SIGKILL)
        slow.wait(timeout=10)
    finally:
        stop_worker(slow)
    assert slow.returncode == -signal.SIGKILL
    letter.refresh_from_db()
    assert (letter.status, letter.attempts) == (LetterStatus.RENDERING, 1)
    assert letter_files(media_root, application) == []

    # minutes later: the sweep finds it stuck and another worker renders and mails it
    DecisionLetter.objects.filter(pk=letter.pk).update(
        claimed_at=timezone.now() - timedelta(minutes=3)
    )
    worker = start_worker(media_root, mail_dir, tmp_path / "worker.log")
    try:
        letter_tasks.sweep_letters.delay()

        def sent():
            letter.refresh_from_db()
            return letter.status == LetterStatus.SENT

        assert wait_for(sent, timeout=40), f"letter still {letter.status}"
        letter_tasks.sweep_letters.delay()
        letter_tasks.generate_decision_letter.delay(letter.pk)
        assert wait_for(lambda: queue.llen("celery") == 0, timeout=20)
        time.sleep(0.5)
    finally:
        stop_worker(worker)

    assert letter.attempts == 2
    assert letter.last_error == "Rendering interrupted: the worker stopped while rendering."
    assert [path.name for path in letter_files(media_root, application)] == [
        f"1-{letter.sha256}.pdf"
    ]
    letter_mails = [mail for mail in sent_mails(mail_dir) if "application/pdf" in mail]
    assert len(letter_mails) == 1
    assert application.reference in letter_mails[0]


# ----- c. the database connection dropped inside a transition ------------------------------------


def terminate(pid):
    """Kill the backend ``pid`` from a connection of our own; wait until it is gone."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):
            alive = other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
            if alive.fetchone() is None:
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} still alive")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_dropped_database_connection_mid_transition_writes_nothing(mailoutbox):
    application = states.submitted()
    coordinator = factories.coordinator()
    logs = StateLog.objects.count()
    mails = OutboxMail.objects.count()
    killed = []

    def drop_connection(sender, instance, created, **kwargs):
        # the outbox row is the transition's last write: the commit meets a dead connection
        killed.append(connection.connection.info.backend_pid)
        terminate(killed[-1])

    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    mailoutbox.clear()  # the receipt of the submission above
    post_save.connect(drop_connection, sender=OutboxMail)
    try:
        response = client.post(
            reverse("application-return", args=[application.pk]),
            {"reason": "Fehlt.", "deadline": (timezone.localdate() + timedelta(days=9))},
        )
    finally:
        post_save.disconnect(drop_connection, sender=OutboxMail)
        connection.close()  # the test's connection was the request's: open a new one

    assert len(killed) == 1
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "Ihre Änderung wurde nicht gespeichert" in page
    assert "/static/css/app.css" in page
    assert "Traceback" not in page
    application.refresh_from_db()
    assert (application.state, application.return_reason) == (State.SUBMITTED, "")
    assert StateLog.objects.count() == logs
    assert OutboxMail.objects.count() == mails
    assert mailoutbox == []
