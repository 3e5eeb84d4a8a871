"""What the webhooks listen to: every transition of an application, every letter sent.

- django-fsm's ``post_transition`` for ``Application`` runs inside the service's transaction
  (before the row is saved; the instance already has the target state): the event
  ``application.<transition>``.
- ``decisions.signals.letter_sent``, sent once a letter's status has become ``sent``: the
  event ``letter.sent``.

The receivers only write rows (``events.record``: own savepoint, queued on commit); they do
no network I/O and never raise, so a failing or slow endpoint never blocks or rolls back a
transition.
"""

import logging

from django_fsm.signals import post_transition

from applications.models import Application
from decisions.models import DecisionLetter
from decisions.signals import letter_sent

from . import events

logger = logging.getLogger(__name__)


def on_transition(sender, instance, name, source, target, **kwargs):
    if "exception" in kwargs:  # an exception state, not a transition that happened
        return
    try:
        by = (kwargs.get("method_kwargs") or {}).get("by")
        events.record(*events.transition_event(instance, name, source, target, by))
    except Exception:
        logger.exception("Webhook event for transition %s of application %s", name, instance.pk)


def on_letter_sent(sender, letter_id, **kwargs):
    try:
        letter = DecisionLetter.objects.select_related("application").get(pk=letter_id)
        events.record(*events.letter_event(letter))
    except Exception:
        logger.exception("Webhook event for letter %s", letter_id)


def connect():
    post_transition.connect(
        on_transition, sender=Application, dispatch_uid="webhooks.on_transition"
    )
    letter_sent.connect(on_letter_sent, sender=DecisionLetter, dispatch_uid="webhooks.letter_sent")
