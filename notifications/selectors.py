"""Read queries over the outbox rows (the log of the mails sent) and the users' inboxes."""

import json

from django.db.models import Q
from django.http import Http404

from .models import Notification, OutboxMail

MAX_ID = 2**63 - 1  # the largest id a BigAutoField holds


def sent_log():
    """Every outbox row, newest first (the model's ordering)."""
    return OutboxMail.objects.all()


def mails_to(email):
    """The rows whose recipients include ``email``, newest first; none for an empty address.

    Matches the quoted address in the JSON text of the list, so that it finds whole entries
    only, on SQLite (no JSON ``contains``) and PostgreSQL alike; both spellings of non-ASCII
    characters (SQLite stores ``\\u`` escapes, PostgreSQL the characters).
    """
    if not email:
        return OutboxMail.objects.none()
    spellings = {json.dumps(email), json.dumps(email, ensure_ascii=False)}
    matches = Q()
    for quoted in sorted(spellings):
        matches |= Q(recipients__icontains=quoted)
    return OutboxMail.objects.filter(matches)


def search_recipients(queryset, text):
    """Rows with a recipient address containing ``text`` (case-insensitive)."""
    return queryset.filter(recipients__icontains=text.strip())


def inbox_of(user, unread_only=False):
    """The user's inbox entries, newest first (index ``inbox_user_created``)."""
    entries = Notification.objects.filter(user=user)
    if unread_only:
        entries = entries.filter(read_at=None)
    return entries.order_by("-created_at", "-id")


def entry_of(user, pk):
    """The user's entry ``pk``; 404 when it does not exist or is someone else's."""
    if not 0 < pk <= MAX_ID:
        raise Http404("No such inbox entry.")
    entry = Notification.objects.filter(user=user, pk=pk).first()
    if entry is None:
        raise Http404("No such inbox entry.")
    return entry
