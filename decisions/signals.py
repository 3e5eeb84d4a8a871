"""When an application is returned or withdrawn, its open proposal is void.

Connected to django-fsm's ``post_transition``, like the reviews' closing of assignments: it
runs inside the service's transaction, so the transition and the voiding commit together.
"""

from django_fsm.signals import post_transition

from applications.models import Application

from .models import Decision

VOIDING_TRANSITIONS = ("return_for_revision", "withdraw")


def void_open_proposal(sender, instance, name, **kwargs):
    if name in VOIDING_TRANSITIONS:
        Decision.objects.filter(application=instance, status=Decision.Status.OPEN).update(
            status=Decision.Status.VOID
        )


def connect():
    post_transition.connect(
        void_open_proposal, sender=Application, dispatch_uid="decisions.void_open_proposal"
    )
