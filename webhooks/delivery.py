"""Delivering an event: claim the row, POST the signed body, record the outcome.

Every attempt claims the delivery with a conditional UPDATE (``pending → sending``, its
``claimed_at`` is the claim's token, ``attempts + 1``), so two runs of the task at once, or a
run queued twice, make one POST; a delivered row is never claimed again. Only the holder of
the token records the outcome.

The POST: the stored body as is, ``Content-Type: application/json``,
``X-Risikokapital-Event``, ``X-Risikokapital-Delivery`` (the delivery's uuid, the same on every
attempt) and ``X-Risikokapital-Signature: sha256=<hex HMAC-SHA256 of the body>``; a timeout of
``TIMEOUT`` seconds; redirects are not followed (a 3xx answer is a failure). A 2xx answer
delivers it; anything else (another status, a timeout, a refused connection) is retried after
``BACKOFF`` (1 min, 5 min, 30 min, 2 h, 12 h), and after ``MAX_ATTEMPTS`` attempts the delivery
is ``failed``, shown in the endpoint's log; the office may send it again.

Faults: a delivery still ``sending`` after ``SEND_STALE_AFTER`` lost its worker; the sweep
puts it back to ``pending`` (or ``failed`` when its attempts are used up). The receiver may
then see it twice: deliveries are at least once, recognised by their id. A ``pending`` row
overdue by ``OVERDUE_AFTER`` (its task was lost: broker outage, crashed worker) is queued
again by the sweep.
"""

import logging
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from . import signing
from .models import Delivery, Endpoint

logger = logging.getLogger(__name__)

Status = Delivery.Status
TIMEOUT = 10
# The wait after the 1st, 2nd, ... failed attempt (seconds); the last attempt has none.
BACKOFF = (60, 5 * 60, 30 * 60, 2 * 3600, 12 * 3600)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A task may start a moment before the stored time (clocks of workers and database).
EARLY = timedelta(seconds=5)
SEND_STALE_AFTER = timedelta(minutes=5)
OVERDUE_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 500
USER_AGENT = "Risikokapital-Webhooks/1"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect: urllib then raises ``HTTPError`` with the 3xx status."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(NoRedirect)


def url_problems(url):
    """Why ``url`` may not receive webhooks ([] if it may).

    https only; plain http only for this machine (127.0.0.1, localhost) under ``DEBUG``, or
    anywhere when ``settings.WEBHOOKS_ALLOW_HTTP`` is true. No user name or password in it.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        credentials = parts.username is not None or parts.password is not None
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError:
        return [_("Enter a valid URL.")]
    scheme = parts.scheme.lower()
    problems = []
    if not host:
        problems.append(_("Enter a valid URL."))
    elif scheme == "http":
        local = host in LOCAL_HOSTS and settings.DEBUG
        if not (local or getattr(settings, "WEBHOOKS_ALLOW_HTTP", False)):
            problems.append(_("The URL must start with https://."))
    elif scheme != "https":
        problems.append(_("The URL must start with https://."))
    if credentials:
        problems.append(_("The URL must not contain a user name or password."))
    return problems


def backoff(attempts):
    """Seconds to wait after ``attempts`` failed attempts (None: no attempt is left)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


def claim(delivery_id, now):
    """Claim a pending delivery that is due, for an active endpoint; the token or None."""
    # No join in the UPDATE (Django would wrap it in ``id IN (SELECT ...)``, reading the status
    # from the statement's snapshot): the status is a condition on the row being updated, which
    # PostgreSQL re-checks after a concurrent claim; the endpoint is asked in a subquery.
    active = Endpoint.objects.filter(is_active=True).values("pk")
    rows = Delivery.objects.filter(
        pk=delivery_id,
        status=Status.PENDING,
        next_attempt_at__lte=now + EARLY,
        endpoint_id__in=active,
    ).update(status=Status.SENDING, claimed_at=now, last_attempt_at=now, attempts=F("attempts") + 1)
    return now if rows else None


def finish(delivery_id, token, **changes):
    """Record the outcome of our claim; False if the claim was taken from us."""
    rows = Delivery.objects.filter(pk=delivery_id, claimed_at=token, status=Status.SENDING).update(
        **changes
    )
    return rows == 1


def attempt(delivery_id, now=None):
    """One attempt at a delivery. Returns the seconds until the next attempt, or None.

    None when it was delivered, failed for good, or not ours to send (already delivered or
    being delivered, not due yet, its endpoint inactive or deleted).
    """
    now = now or timezone.now()
    token = claim(delivery_id, now)
    if token is None:
        return None
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    code, error = post(delivery)
    if error is None:
        if not finish(
            delivery_id,
            token,
            status=Status.DELIVERED,
            status_code=code,
            last_error="",
            delivered_at=timezone.now(),
        ):
            logger.error("Webhook delivery %s: delivered, but its claim was lost", delivery_id)
        return None
    delay = backoff(delivery.attempts) if code != 0 else None
    if delay is None:
        finish(delivery_id, token, status=Status.FAILED, status_code=code or None, last_error=error)
        logger.error(
            "Webhook delivery %s (%s to %s) failed after %s attempt(s): %s",
            delivery_id,
            delivery.event,
            delivery.endpoint.url,
            delivery.attempts,
            error,
        )
        return None
    finish(
        delivery_id,
        token,
        status=Status.PENDING,
        status_code=code,
        last_error=error,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    logger.warning(
        "Webhook delivery %s (%s to %s), attempt %s: %s; next in %s s",
        delivery_id,
        delivery.event,
        delivery.endpoint.url,
        delivery.attempts,
        error,
        delay,
    )
    return delay


def post(delivery):
    """POST the delivery. ``(status code, None)`` on a 2xx answer, else ``(code, error)``:
    code None without an answer, 0 when the URL may not be used (no retry)."""
    endpoint = delivery.endpoint
    problems = url_problems(endpoint.url)
    if problems:
        return 0, "; ".join(str(problem) for problem in problems)
    body = delivery.body.encode()
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Risikokapital-Event": delivery.event,
            "X-Risikokapital-Delivery": str(delivery.uuid),
            "X-Risikokapital-Signature": signing.signature(endpoint.secret, body),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            code = response.status
    except urllib.error.HTTPError as error:
        error.close()
        reason = "redirect not followed" if 300 <= error.code < 400 else error.reason
        return error.code, f"HTTP {error.code}: {reason}"[:2000]
    except Exception as error:  # timeouts, refused connections, TLS and protocol errors
        return None, f"{type(error).__name__}: {error}"[:2000]
    if 200 <= code < 300:
        return code, None
    return code, f"HTTP {code}"


def sweep(requeue, now=None):
    """Put deliveries stuck in sending back (failed when out of attempts) and queue them with
    the pending ones that are overdue (their task was lost). Returns the ids queued. At most
    four queries."""
    now = now or timezone.now()
    stuck = list(
        Delivery.objects.filter(
            status=Status.SENDING, claimed_at__lt=now - SEND_STALE_AFTER
        ).values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    if stuck:
        Delivery.objects.filter(pk__in=stuck, status=Status.SENDING).update(
            status=Case(
                When(attempts__gte=MAX_ATTEMPTS, then=Value(Status.FAILED)),
                default=Value(Status.PENDING),
            ),
            next_attempt_at=now,
            last_error="Interrupted: the worker stopped while delivering.",
        )
        logger.warning("Webhook sweep: %d delivery(ies) stuck in sending released", len(stuck))
    due = Q(next_attempt_at__lt=now - OVERDUE_AFTER) | Q(pk__in=stuck)
    ids = list(
        Delivery.objects.filter(due, status=Status.PENDING, endpoint__is_active=True)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for delivery_id in ids:
        requeue(delivery_id)
    return ids
