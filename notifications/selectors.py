"""Read queries over the outbox rows: the log of the mails sent."""

import json

from django.db.models import Q

from .models import OutboxMail


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
