"""Reacting to the application's transitions, inside the service's transaction.

Connected to django-fsm's ``post_transition``, like the reviews' closing of assignments: the
receivers run inside the service's transaction, so the transition and what they write commit
together.

- A return or a withdrawal voids the open proposal.
- The end of the review round (``complete_review``: the last required review in
  ``reviews.services.submit_review``, or ``close_review_round``) writes the mail
  ``round_complete`` to the board members without a conflict: the round is closed in
  ``reviews``, which may not import this app, so the board's mail is written here.
"""

from django.dispatch import Signal
from django_fsm.signals import post_transition

from applications.models import Application
from notifications.services import notify

from .models import Decision

# Sent by ``letters.dispatch`` once a letter's status has become ``sent`` (committed), with
# ``letter_id``; ``webhooks`` listens.
letter_sent = Signal()

VOIDING_TRANSITIONS = ("return_for_revision", "withdraw")
ROUND_COMPLETE = "complete_review"


def void_open_proposal(sender, instance, name, **kwargs):
    if name in VOIDING_TRANSITIONS:
        Decision.objects.filter(application=instance, status=Decision.Status.OPEN).update(
            status=Decision.Status.VOID
        )


def tell_the_board(sender, instance, name, **kwargs):
    """The application awaits the board: the mail ``round_complete`` (after the transition;
    the assignment that completed the round is already stored as done)."""
    if name == ROUND_COMPLETE:
        notify("round_complete", instance)


def connect():
    post_transition.connect(
        void_open_proposal, sender=Application, dispatch_uid="decisions.void_open_proposal"
    )
    post_transition.connect(
        tell_the_board, sender=Application, dispatch_uid="decisions.tell_the_board"
    )
