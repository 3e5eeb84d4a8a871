"""The in-app inbox: entries written with each mail, and the unread count in the header.

The count is kept in the shared cache per user (``inbox:unread:<id>``) so that pages do not
count on every request: new entries add to it (``cache.incr``), reading recounts it, and a
missing key is counted on the next page (one indexed query).
"""

import contextlib

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .models import Notification

TIMEOUT = 24 * 60 * 60


def key(user_id):
    return f"inbox:unread:{user_id}"


def deliver(entries):
    """Write inbox entries (unsaved ``Notification`` objects); counts follow on commit."""
    if not entries:
        return []
    rows = Notification.objects.bulk_create(entries)
    added = {}
    for row in rows:
        added[row.user_id] = added.get(row.user_id, 0) + 1
    transaction.on_commit(lambda: _add(added), robust=True)
    return rows


def _add(added):
    for user_id, count in added.items():
        with contextlib.suppress(ValueError):  # not cached: counted on the user's next page
            cache.incr(key(user_id), count)


def unread_count(user):
    """The user's unread entries: from the cache, counted once when missing."""
    count = cache.get(key(user.pk))
    if count is None:
        count = recount(user.pk)
    return count


def recount(user_id):
    count = Notification.objects.filter(user_id=user_id, read_at=None).count()
    cache.set(key(user_id), count, TIMEOUT)
    return count


def mark_read(user, ids=None):
    """Mark the user's entries read (``ids`` or all); returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    changed = unread.update(read_at=timezone.now())
    transaction.on_commit(lambda: cache.delete(key(user.pk)), robust=True)
    return changed
