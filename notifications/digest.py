"""The daily digest: one mail per user with the entries that wait for it.

An optional mail kind that a user takes "in a daily digest" (``Preference``) writes only an
inbox entry with ``digest=True``. Once a day (Celery beat, 07:00 Europe/Berlin) ``send``
writes one outbox mail per such user, in their language, listing those entries, and clears
their flag in the same transaction. The rows are locked (``SKIP LOCKED`` where the database
has it) and cleared with a conditional UPDATE, so two runs at once never list an entry twice;
the mail goes out through the outbox like every other.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import translation

from . import outbox, registry
from .mails import Composed
from .models import Notification

logger = logging.getLogger(__name__)

KIND = "digest"


def send():
    """Write the digest mail of every user who has entries waiting; return the mails written."""
    user_ids = Notification.objects.filter(digest=True).order_by().values_list("user_id", flat=True)
    written = []
    for user_id in sorted(set(user_ids)):
        mail = send_one(user_id)
        if mail is not None:
            written.append(mail)
    if written:
        logger.info("Daily digest: %d mail(s) written", len(written))
    return written


def send_one(user_id):
    """The digest of one user (one transaction), or None when nothing waits for it."""
    user = get_user_model().objects.filter(pk=user_id).first()
    with transaction.atomic():
        waiting = Notification.objects.filter(user_id=user_id, digest=True).order_by(
            "created_at", "id"
        )
        if connection.features.has_select_for_update_skip_locked:
            waiting = waiting.select_for_update(skip_locked=True)
        entries = list(waiting)
        ids = [entry.pk for entry in entries]
        if not ids or Notification.objects.filter(pk__in=ids, digest=True).update(
            digest=False
        ) != len(ids):
            return None
        if user is None or not user.is_active or not user.email:
            return None  # the entries stay in the inbox
        language = registry.languages_of([user]).get(user.pk) or settings.LANGUAGE_CODE
        mail = outbox.record(_composed(user, entries, language))
    from .services import queue

    transaction.on_commit(lambda: queue(mail.pk), robust=True)
    return mail


def _composed(user, entries, language):
    context = {
        "name": user.get_full_name() or user.get_username(),
        "entries": entries,
        "inbox_url": settings.SITE_URL.rstrip("/") + "/notifications/",
        "language": language,
    }
    with translation.override(language):
        text = render_to_string("mail/digest.txt", context)
        html = render_to_string("mail/digest.html", context)
    subject, _, body = text.strip().partition("\n")
    return Composed(
        kind=KIND,
        recipients=[user.email],
        language=language,
        subject=" ".join(subject.split())[:255],
        body=body.strip(),
        reference="",
        application_id=None,
        html=html.strip(),
    )
