"""When an application leaves the review (returned or withdrawn), its open assignments close;
when it is decided or withdrawn, all its assignments are archived (``Assignment.archived``);
a new programme gets its first scoring rubric (the default criteria).

Connected to django-fsm's ``post_transition``: it runs inside the service's transaction, so
the transition and the closing commit together. Reviews listen to applications, never back.
"""

from django.db.models.signals import post_save
from django_fsm.signals import post_transition

from applications.models import Application
from funding.models import Programme

from .models import Assignment
from .services import create_default_rubric

CLOSING_TRANSITIONS = ("return_for_revision", "withdraw")
# The application leaves the review for good: its assignments leave the reviewers' current lists.
FINAL_TRANSITIONS = ("approve", "reject", "withdraw")


def close_open_assignments(sender, instance, name, **kwargs):
    if name in CLOSING_TRANSITIONS:
        Assignment.objects.filter(application=instance, status=Assignment.Status.OPEN).update(
            status=Assignment.Status.CLOSED
        )


def archive_assignments(sender, instance, name, **kwargs):
    if name in FINAL_TRANSITIONS:
        Assignment.objects.filter(application=instance, archived=False).update(archived=True)


def give_new_programme_a_rubric(sender, instance, created, raw=False, **kwargs):
    """Rubric version 1 with the default criteria, in the programme's transaction."""
    if created and not raw:
        create_default_rubric(instance)


def connect():
    post_transition.connect(
        close_open_assignments, sender=Application, dispatch_uid="reviews.close_assignments"
    )
    post_transition.connect(
        archive_assignments, sender=Application, dispatch_uid="reviews.archive_assignments"
    )
    post_save.connect(
        give_new_programme_a_rubric, sender=Programme, dispatch_uid="reviews.default_rubric"
    )
