"""``Idempotency-Key`` on POSTs that create or change something.

The first successful answer (2xx) is stored with the key, per user, method and path, and with
the hash of the request's data: a retry with the same key and data gets that answer again
(``Idempotent-Replayed: true``) and nothing is done twice; the same key with other data is
refused (422). Keys are kept ``API_IDEMPOTENCY_HOURS`` (24 h). A refused request (4xx) stores
nothing: it may be retried with the same key.

The key's row is written first, in the same transaction as the work: a second request with the
same key waits for the first (the unique constraint) and then replays its answer.
"""

import datetime
import functools
import hashlib
import json

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.response import Response

from .models import IdempotencyRecord
from .problems import IdempotencyKeyReused

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
# The answer's headers kept for a replay.
KEPT_HEADERS = ("Location", "ETag")

PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique key per intended action (e.g. a UUID): a retry with the same key and body "
        "returns the first answer and does nothing twice (kept 24 hours)."
    ),
)


def _plain(value):
    """An uploaded file by the SHA-256 of its content (and its name), anything else as text."""
    if isinstance(value, File):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return f"{value.name}:{digest.hexdigest()}"
    return str(value)


def request_hash(request):
    data = request.data
    if hasattr(data, "lists"):  # a QueryDict (with a multipart body's files): every value
        data = dict(data.lists())
    text = json.dumps(data, sort_keys=True, default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()


def _expired_before():
    return timezone.now() - datetime.timedelta(hours=settings.API_IDEMPOTENCY_HOURS)


def replay(record):
    headers = {**record.headers, "Idempotent-Replayed": "true"}
    return Response(record.body, status=record.status, headers=headers)


def idempotent(handler):
    """Decorate a view method (after authentication: the key is the user's)."""

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(self, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_LENGTH:
            message = _("Send a key of 1 to %(n)s characters.") % {"n": MAX_LENGTH}
            raise exceptions.ValidationError({HEADER: [message]})
        scope = {"user": request.user, "key": key, "method": request.method, "path": request.path}
        digest = request_hash(request)
        # the user's expired keys go (this one's too, so that it may be used anew)
        IdempotencyRecord.objects.filter(
            user=request.user, created_at__lt=_expired_before()
        ).delete()
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        **scope, request_hash=digest, status=0, body=None
                    )
            except IntegrityError:
                record = IdempotencyRecord.objects.get(**scope)
                if record.request_hash != digest:
                    raise IdempotencyKeyReused() from None
                return replay(record)
            response = handler(self, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                record.status = response.status_code
                record.body = json.loads(json.dumps(response.data, default=str))
                record.headers = {h: response[h] for h in KEPT_HEADERS if response.has_header(h)}
                record.save(update_fields=["status", "body", "headers"])
            else:
                transaction.set_rollback(True)
        return response

    return wrapper
