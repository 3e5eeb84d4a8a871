"""The outbox: progress mails written in the change's transaction, each sent once by a worker.

``services.notify`` writes an ``OutboxMail`` (rendered, pending) inside the transaction of the
change it reports and queues ``tasks.send_outbox_mail`` on commit. If the broker is down then,
the change still commits and the row waits: ``tasks.sweep_outbox`` (Celery beat, every 5
minutes) queues every row pending for longer than ``REQUEUE_AFTER`` again.

Sending claims the row first (conditional UPDATE ``pending → sending``, see ``OutboxMail``), so
a row queued twice, or swept while its task is queued, is sent once. A transient error (SMTP,
network) puts the row back to ``pending`` and the task retries with the project's policy (the
sweep keeps trying after that) until the row is ``GIVE_UP_AFTER`` old; any other error, or a
transient one after that, makes it ``failed`` with the error recorded. The sweep tries a
failed row again until it has had ``MAX_ATTEMPTS`` attempts; then it stays ``failed``.

A row still ``sending`` after ``STALE_AFTER`` means a worker died while sending: between the
SMTP server's acceptance and our commit, or before. We cannot tell which, so the sweep marks
it ``uncertain`` and logs an error naming it; it is never re-sent automatically (a doubled
mail is worse than one to check by hand in the mail server's log).
"""

import logging
import smtplib
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.db.models import F
from django.utils import timezone

from .models import OutboxMail

logger = logging.getLogger(__name__)

Status = OutboxMail.Status
REQUEUE_AFTER = timedelta(minutes=1)  # pending longer: its task was lost (broker down)
STALE_AFTER = timedelta(minutes=10)  # sending longer: the worker died (SMTP timeout is shorter)
GIVE_UP_AFTER = timedelta(days=2)  # transient errors are retried this long
MAX_ATTEMPTS = 5  # a failed row is retried by the sweep until it has been tried this often
SWEEP_BATCH = 1000  # rows queued per sweep; the next sweep takes the rest
TRANSIENT = (smtplib.SMTPException, OSError)


def record(composed):
    """Write the composed mail (``mails.Composed``) as a pending row; call it in a transaction.

    Its Message-ID is fixed now: the mail server's log and the reader's copy name the row.
    """
    return OutboxMail.objects.create(
        kind=composed.kind,
        recipients=composed.recipients,
        language=composed.language,
        subject=composed.subject,
        body=composed.body,
        html=composed.html,
        reference=composed.reference,
        application_id=composed.application_id,
        message_id=make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "localhost"),
    )


def claim(mail_id):
    """Take a pending row for sending; the claim's token, or None if it is not pending."""
    token = timezone.now()
    rows = OutboxMail.objects.filter(pk=mail_id, status=Status.PENDING).update(
        status=Status.SENDING, claimed_at=token, attempts=F("attempts") + 1
    )
    return token if rows else None


def finish(mail_id, token, target, **changes):
    """Move a row we claimed with ``token`` on; False if the claim was taken from us.

    A mail that did go out is marked sent even if the sweep has meanwhile flagged it
    uncertain (a slow SMTP server): that is the truth.
    """
    sources = [Status.SENDING, Status.UNCERTAIN] if target == Status.SENT else [Status.SENDING]
    rows = OutboxMail.objects.filter(pk=mail_id, claimed_at=token, status__in=sources).update(
        status=target, **changes
    )
    return rows == 1


def send(mail_id):
    """Send one pending mail. True if this run sent it, False if another run has it (or had).

    On an error the row goes back to ``pending`` (transient, young enough) or to ``failed``,
    with the error recorded, and the error is raised (the task retries transient ones).
    """
    token = claim(mail_id)
    if token is None:
        return False
    mail = OutboxMail.objects.get(pk=mail_id)
    try:
        message(mail).send()
    except Exception as error:
        retry = isinstance(error, TRANSIENT) and mail.created_at > timezone.now() - GIVE_UP_AFTER
        target = Status.PENDING if retry else Status.FAILED
        finish(mail_id, token, target, last_error=describe(error))
        log = logger.warning if retry else logger.error
        log("Outbox mail %s (%s, %s): sending failed, now %s: %s", mail_id, mail.kind,
            mail.reference, target, describe(error))  # fmt: skip
        raise
    if not finish(mail_id, token, Status.SENT, sent_at=timezone.now()):
        logger.error("Outbox mail %s: sent, but its claim was lost", mail_id)
    return True


def message(mail):
    """The ``EmailMultiAlternatives`` of a row: its text, its HTML part, its Message-ID."""
    headers = {"Message-ID": mail.message_id} if mail.message_id else {}
    email = EmailMultiAlternatives(mail.subject, mail.body, to=mail.recipients, headers=headers)
    if mail.html:
        email.attach_alternative(mail.html, "text/html")
    return email


def describe(error):
    return f"{type(error).__name__}: {error}"[:2000]


def sweep(requeue, now=None):
    """Flag rows stuck in sending as uncertain; retry failed rows; queue pending rows again.

    ``requeue(mail_id)`` queues one row (``tasks.send_outbox_mail.delay``). Returns the ids.
    """
    now = now or timezone.now()
    mark_uncertain(now - STALE_AFTER)
    retry_failed()
    ids = list(
        OutboxMail.objects.filter(status=Status.PENDING, created_at__lt=now - REQUEUE_AFTER)
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for mail_id in ids:
        requeue(mail_id)
    return ids


def retry_failed():
    """Failed rows with attempts left go back to pending: the sweep sends them again.

    After ``MAX_ATTEMPTS`` a row stays failed and visible on the sent mails page.
    """
    return OutboxMail.objects.filter(status=Status.FAILED, attempts__lt=MAX_ATTEMPTS).update(
        status=Status.PENDING
    )


def mark_uncertain(stale):
    """A worker died while sending: flag the row, log it, never send it again by itself."""
    stuck = OutboxMail.objects.filter(status=Status.SENDING, claimed_at__lt=stale)
    rows = list(stuck.values_list("pk", "kind", "reference", "recipients"))
    if rows:
        stuck.filter(pk__in=[row[0] for row in rows]).update(status=Status.UNCERTAIN)
    for pk, kind, reference, recipients in rows:
        logger.error(
            "Outbox mail %s (%s, %s, to %s) was stuck in sending: marked uncertain; check the "
            "mail server's log, it may have been sent",
            pk,
            kind,
            reference or "-",
            ", ".join(recipients),
        )
    return [row[0] for row in rows]
