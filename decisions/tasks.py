"""Celery tasks of the decisions app. Thin: the work is in ``decisions.letters``.

Queue them after commit: ``transaction.on_commit(lambda: task.delay(...), robust=True)``.
"""

import logging

from celery import shared_task

from funding.celery import TASK_RETRY

from . import letters

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(Exception,), **TASK_RETRY)
def generate_decision_letter(letter_id):
    """Render and store a pending letter, then mail it; each step claims the row first.

    A failed step puts the letter back (rendering → pending, sending → rendered) and the task
    retries; running it again, or twice at once, never makes a second file or mail. After
    ``LETTER_RENDER_ATTEMPTS`` failed renderings the letter is ``failed`` (no more retries).
    """
    letters.produce(letter_id)
    letters.dispatch(letter_id)


@shared_task(acks_late=True)
def sweep_letters():
    """Re-queue unsent letters; letters stuck in sending become uncertain (never re-sent),
    letters stuck in rendering go back to pending (or failed, when out of attempts)."""
    queued = letters.sweep(generate_decision_letter.delay)
    if queued:
        logger.info("Letter sweep re-queued %d letter(s)", len(queued))
    return len(queued)
