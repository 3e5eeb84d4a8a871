"""Use cases of ``notifications``: queue a progress mail (call it inside ``on_commit``)."""

from . import tasks


def notify(kind, obj):
    """Queue the mail ``kind`` about ``obj``; the worker renders and sends it."""
    tasks.send_notification.delay(kind, obj._meta.label_lower, obj.pk)
