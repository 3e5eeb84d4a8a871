"""Celery tasks of ``notifications``; thin: the work is in ``mails`` and ``reminders``.

Queue them after commit: ``transaction.on_commit(lambda: task.delay(...), robust=True)``.
"""

import smtplib

from celery import shared_task
from django.apps import apps

from funding.celery import TASK_RETRY

from . import mails, reminders


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), **TASK_RETRY)
def send_notification(kind, model, pk):
    """Render and send one progress mail; an object deleted meanwhile mails nobody."""
    obj = apps.get_model(model).objects.filter(pk=pk).first()
    return mails.deliver(kind, obj) if obj is not None else 0


@shared_task(acks_late=True)
def send_reminders():
    """The hourly reminder sweep over every registered rule (Celery beat); returns the keys."""
    return reminders.send_reminders()
