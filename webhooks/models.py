"""Webhook endpoints of integrations and the deliveries of events to them."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Endpoint(models.Model):
    """A URL the coordination office registered to receive the events.

    ``secret`` signs every delivery (HMAC-SHA256 of the body). The system generates it and
    shows it once, right after the endpoint was created; it is stored as is (an HMAC needs
    the key itself, a hash would not do) and never shown again, on no page and not in the
    admin.
    """

    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["pk"]

    def __str__(self):
        return self.url


class Delivery(models.Model):
    """One event for one endpoint: the signed POST, its attempts and its outcome.

    The body is fixed when the event happens (the state as of the transition, never read
    later); every attempt sends the same bytes under the same ``uuid`` (the receiver's key to
    ignore a repeated delivery).

    Concurrency contract (``webhooks.delivery``): a sender claims the row with a conditional
    UPDATE ``pending → sending`` (only once ``next_attempt_at`` has come and while the endpoint
    is active; ``claimed_at`` is the claim's token, ``attempts + 1``). Exactly one of any
    number of concurrent senders gets the row, and only the holder of the token moves it on:
    ``delivered`` (a 2xx answer), back to ``pending`` with the next attempt's time, or
    ``failed`` once ``MAX_ATTEMPTS`` are used. A row left in ``sending`` by a worker that died
    goes back to ``pending`` after ``delivery.SEND_STALE_AFTER`` (at least once: the receiver
    may see the delivery twice and recognises it by its id).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be delivered")
        SENDING = "sending", _("being delivered")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    uuid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    event = models.CharField(_("event"), max_length=60)
    # The application's reference as of the event (for the log; the body has the rest).
    reference = models.CharField(_("reference"), max_length=20, blank=True)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("occurred"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    resent_at = models.DateTimeField(_("sent again"), null=True, blank=True)
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent again by"),
    )

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at", "-id"], name="webhook_log_order"),
            models.Index(fields=["status", "next_attempt_at"], name="webhook_due"),
        ]

    def __str__(self):
        return f"{self.event} · {self.uuid}"

    @property
    def badge(self):
        """The CSS class of the status badge (the outbox's colours)."""
        return {
            self.Status.DELIVERED: "mail-sent",
            self.Status.FAILED: "mail-failed",
        }.get(self.status, "mail-pending")
