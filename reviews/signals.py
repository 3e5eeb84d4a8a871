"""When an application leaves the review (returned or withdrawn), its open assignments close.

Connected to django-fsm's ``post_transition``: it runs inside the service's transaction, so
the transition and the closing commit together. Reviews listen to applications, never back.
"""

from django_fsm.signals import post_transition

from applications.models import Application

from .models import Assignment

CLOSING_TRANSITIONS = ("return_for_revision", "withdraw")


def close_open_assignments(sender, instance, name, **kwargs):
    if name in CLOSING_TRANSITIONS:
        Assignment.objects.filter(application=instance, status=Assignment.Status.OPEN).update(
            status=Assignment.Status.CLOSED
        )


def connect():
    post_transition.connect(
        close_open_assignments, sender=Application, dispatch_uid="reviews.close_assignments"
    )
