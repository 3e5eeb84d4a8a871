"""Celery tasks of the reviews app (thin: they call the reminder sweep)."""

from celery import shared_task

from . import reminders


@shared_task(acks_late=True)
def send_reminders():
    """The hourly reminder sweep (Celery beat); returns the keys sent."""
    return reminders.send_reminders()
