"""Celery tasks of the applications app. Thin: the work is in ``applications.letters``.

Queue them after commit: ``transaction.on_commit(lambda: task.delay(...), robust=True)``.
"""

import logging
import smtplib

from celery import shared_task
from django.apps import apps
from django.core.mail import EmailMessage

from . import letters, notifications

logger = logging.getLogger(__name__)

RETRY = {
    "acks_late": True,
    "max_retries": 5,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
}


@shared_task(autoretry_for=(Exception,), **RETRY)
def generate_decision_letter(letter_id):
    """Render and store a pending letter, then mail it; each step claims the row first.

    A failed step puts the letter back (rendering → pending, sending → rendered) and the task
    retries; running it again, or twice at once, never makes a second file or mail.
    """
    letters.produce(letter_id)
    letters.dispatch(letter_id)


@shared_task(acks_late=True)
def sweep_letters():
    """Re-queue unsent letters; letters stuck in sending become uncertain (never re-sent)."""
    queued = letters.sweep(generate_decision_letter.delay)
    if queued:
        logger.info("Letter sweep re-queued %d letter(s)", len(queued))
    return len(queued)


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), **RETRY)
def send_email(recipients, subject, body):
    """Send one plain-text mail from DEFAULT_FROM_EMAIL."""
    return EmailMessage(subject, body, to=list(recipients)).send()


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), **RETRY)
def send_notification(kind, model, pk):
    """Render and send one progress mail; an object deleted meanwhile mails nobody."""
    obj = apps.get_model(model).objects.filter(pk=pk).first()
    return notifications.deliver(kind, obj) if obj is not None else 0
