"""Celery tasks of ``notifications``; thin: the work is in ``outbox`` and ``reminders``.

``services.notify`` queues ``send_outbox_mail`` on commit; ``sweep_outbox`` (beat, every 5
minutes) catches up on what could not be queued.
"""

import logging
import smtplib

from celery import shared_task
from django.apps import apps
from django.db import transaction

from funding.celery import TASK_RETRY

from . import digest, outbox, reminders

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), **TASK_RETRY)
def send_outbox_mail(mail_id):
    """Send one outbox row, once (claimed first); retried on SMTP and network errors."""
    return outbox.send(mail_id)


@shared_task(acks_late=True)
def sweep_outbox():
    """Flag rows stuck in sending as uncertain (never re-sent); queue pending rows again."""
    queued = outbox.sweep(send_outbox_mail.delay)
    if queued:
        logger.info("Outbox sweep queued %d mail(s)", len(queued))
    return len(queued)


@shared_task(acks_late=True)
def send_notification(kind, model, pk):
    """Deprecated: a task queued before the outbox existed (remove one release later).

    Writes the mail to the outbox as of now and queues it; an object deleted meanwhile mails
    nobody. Returns the number of outbox rows written (one per language).
    """
    obj = apps.get_model(model).objects.filter(pk=pk).first()
    if obj is None:
        return 0
    from .services import notify

    with transaction.atomic():
        return len(notify(kind, obj))


@shared_task(acks_late=True)
def send_reminders():
    """The hourly reminder sweep over every registered rule (Celery beat); returns the keys."""
    return reminders.send_reminders()


@shared_task(acks_late=True)
def send_digests():
    """The daily digest mails (Celery beat, 07:00 Europe/Berlin); returns how many."""
    return len(digest.send())
