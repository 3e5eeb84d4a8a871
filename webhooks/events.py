"""The events: their JSON bodies, and one delivery per active endpoint.

``record`` runs inside the transaction of the change it reports (the outbox pattern, as the
progress mails): the bodies say what was true at the transition, a rolled-back change leaves
no delivery, and the deliveries are queued only once the change has committed. It never does
network I/O and never raises: a failure to record an event is logged and the change goes on
(its own savepoint is rolled back, not the change).

The body has no personal data and nothing of the reviews: ids, the reference, states, the
transition's name and the id of the user who fired it.
"""

import json
import logging
import uuid

from django.db import transaction
from django.utils import timezone

from .models import Delivery, Endpoint

logger = logging.getLogger(__name__)


def application_data(application):
    return {
        "id": application.pk,
        "reference": application.reference,
        "state": application.state,
        "programme_id": application.programme_id,
        "organization_id": application.organization_id,
    }


def transition_event(application, name, source, target, by=None):
    """``(event, data)`` of an application's transition, e.g. ``application.submit``."""
    user_id = getattr(by, "pk", by)
    return f"application.{name}", {
        "application": application_data(application),
        "transition": {"name": name, "source": source, "target": target, "by": user_id},
    }


def letter_event(letter):
    """``(event, data)`` of a decision letter that was sent."""
    return "letter.sent", {
        "application": application_data(letter.application),
        "letter": {
            "id": letter.pk,
            "number": letter.number,
            "application_id": letter.application_id,
        },
    }


def encode(payload):
    """The body's exact text: compact JSON, ASCII only (the bytes that are signed)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True)


def record(event, data):
    """One pending delivery of ``event`` per active endpoint, queued on commit.

    Returns the deliveries ([] when no endpoint is active, or when recording failed: logged,
    never raised). Without an active endpoint this is one query; the rows are written in a
    savepoint of their own, so that a failure to write them never undoes the transition.
    """
    endpoints = list(Endpoint.objects.filter(is_active=True).values_list("pk", flat=True))
    if not endpoints:
        return []
    try:
        with transaction.atomic():
            deliveries = _write(endpoints, event, data)
    except Exception:
        logger.exception("Webhook event %s could not be recorded", event)
        return []
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: queue(ids), robust=True)
    return deliveries


def _write(endpoints, event, data):
    now = timezone.now()
    reference = (data.get("application") or {}).get("reference") or ""
    deliveries = []
    for endpoint_id in endpoints:
        delivery_id = uuid.uuid4()
        payload = {"id": str(delivery_id), "event": event, "occurred_at": now.isoformat(), **data}
        deliveries.append(
            Delivery(
                uuid=delivery_id,
                endpoint_id=endpoint_id,
                event=event,
                reference=reference,
                body=encode(payload),
                next_attempt_at=now,
            )
        )
    return Delivery.objects.bulk_create(deliveries)


def queue(ids):
    """Queue the delivery task for each id; a broker error is logged (the sweep catches up)."""
    from .tasks import deliver

    for delivery_id in ids:
        try:
            deliver.delay(delivery_id)
        except Exception:
            logger.warning(
                "Webhook delivery %s could not be queued; the sweep will",
                delivery_id,
                exc_info=True,
            )
