"""Celery tasks of the webhooks; thin: the work is in ``webhooks.delivery``.

``events.record`` queues ``deliver`` on commit. A failed attempt queues the next one itself
with the backoff as ``countdown`` (no beat needed); ``sweep_deliveries`` (beat) catches up on
what a lost task or a dead worker left behind.
"""

import logging

from celery import shared_task

from . import delivery

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def deliver(delivery_id):
    """One attempt at a delivery (claimed first: never posted twice at once, never again once
    delivered); after a failure the next attempt is queued with the backoff's countdown."""
    delay = delivery.attempt(delivery_id)
    if delay is not None:
        try:
            deliver.apply_async((delivery_id,), countdown=delay)
        except Exception:
            logger.warning(
                "Webhook delivery %s: retry not queued; the sweep will", delivery_id, exc_info=True
            )
    return delay


@shared_task(acks_late=True)
def sweep_deliveries():
    """Release deliveries stuck in sending; queue the pending ones that are overdue."""
    queued = delivery.sweep(deliver.delay)
    if queued:
        logger.info("Webhook sweep queued %d delivery(ies)", len(queued))
    return len(queued)
