"""Celery tasks of the records app. Thin: the work is in ``records.services``."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task
def find_expired_records():
    """Daily: mark the records past their retention period for a coordinator to confirm.

    The same as ``python manage.py retention`` (without ``--dry-run``); deletes nothing.
    """
    records, created = services.mark_candidates()
    if records:
        logger.info("Retention: %d record(s) due, %d newly marked", len(records), created)
    return len(records)
