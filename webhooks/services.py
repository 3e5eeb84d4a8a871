"""The coordination office's use cases for the webhooks: register, (de)activate, delete an
endpoint, send a failed delivery again. Each checks ``webhooks.manage`` (403)."""

import logging

import rules
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from funding.errors import RuleViolation, StateConflict

from . import signing
from .delivery import url_problems
from .events import queue
from .models import Delivery, Endpoint

logger = logging.getLogger(__name__)


def ensure_manage(user):
    if not rules.has_perm("webhooks.manage", user):
        raise PermissionDenied(_("Only the coordination office may manage webhooks."))


def create_endpoint(user, url, description=""):
    """Register an endpoint; returns ``(endpoint, secret)``.

    Effects: ``webhooks.manage`` 403; a URL that may not receive webhooks 422
    (``delivery.url_problems``: https only); a new secret (shown to the user once, never
    again); the endpoint active from now on (it receives the events that happen from now).
    """
    ensure_manage(user)
    url = (url or "").strip()
    problems = url_problems(url)
    if problems:
        raise RuleViolation({"url": problems})
    secret = signing.generate_secret()
    endpoint = Endpoint.objects.create(
        url=url, description=(description or "").strip(), secret=secret, created_by=user
    )
    logger.info("Webhook endpoint %s registered by user %s: %s", endpoint.pk, user.pk, url)
    return endpoint, secret


def set_active(user, endpoint, active):
    """Activate or deactivate an endpoint.

    Effects: ``webhooks.manage`` 403; the endpoint locked; deactivating fails its pending
    deliveries (they can be sent again once it is active again); an inactive endpoint
    receives no new events. Returns the endpoint.
    """
    ensure_manage(user)
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.is_active = bool(active)
        endpoint.save(update_fields=["is_active"])
        if not endpoint.is_active:
            endpoint.deliveries.filter(status=Delivery.Status.PENDING).update(
                status=Delivery.Status.FAILED, last_error="Endpoint deactivated."
            )
    logger.info(
        "Webhook endpoint %s %s by user %s",
        endpoint.pk,
        "activated" if endpoint.is_active else "deactivated",
        user.pk,
    )
    return endpoint


def delete_endpoint(user, endpoint):
    """Delete an endpoint with its delivery log (``webhooks.manage`` 403). A delivery being
    sent at this moment still finishes its POST; nothing is sent after."""
    ensure_manage(user)
    pk, url = endpoint.pk, endpoint.url
    Endpoint.objects.filter(pk=pk).delete()
    logger.info("Webhook endpoint %s deleted by user %s: %s", pk, user.pk, url)


def redeliver(user, delivery):
    """Send a failed delivery again: the same body, the same id, a fresh set of attempts.

    Effects: ``webhooks.manage`` 403; the delivery locked; 409 unless ``failed``; 422 when
    its endpoint is inactive; back to ``pending`` (attempts from 0), who and when recorded;
    the task queued on commit (the sweep re-queues it if the broker is down). Returns the
    delivery.
    """
    ensure_manage(user)
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
        )
        if delivery.status != Delivery.Status.FAILED:
            raise StateConflict(_("Only a failed delivery can be sent again."))
        if not delivery.endpoint.is_active:
            raise RuleViolation([_("Activate the endpoint before sending a delivery again.")])
        now = timezone.now()
        delivery.status = Delivery.Status.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = now
        delivery.claimed_at = None
        delivery.resent_at, delivery.resent_by = now, user
        delivery.save(
            update_fields=[
                "status",
                "attempts",
                "next_attempt_at",
                "claimed_at",
                "resent_at",
                "resent_by",
            ]
        )
        transaction.on_commit(lambda: queue([delivery.pk]), robust=True)
    logger.info("Webhook delivery %s sent again by user %s", delivery.pk, user.pk)
    return delivery
