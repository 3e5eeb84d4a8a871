"""Small factories for the reminder tests: assignments of applications in review.

The services that move an application into review are written elsewhere; until they exist,
``in_review_application`` sets the state directly. That shortcut is for test setup only.
"""

import datetime
import itertools

import factory

from applications.models import Application, State
from reviews.models import Assignment
from tests.factories import ApplicationFactory, coordinator, reviewer

_references = itertools.count(1)


def in_review_application(**kwargs):
    application = ApplicationFactory(**kwargs)
    reference = f"RK-2026-{next(_references):04d}"
    Application.objects.filter(pk=application.pk).update(
        state=State.IN_REVIEW, submission_count=1, reference=reference
    )
    application.refresh_from_db()
    return application


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    application = factory.LazyFunction(in_review_application)
    reviewer = factory.LazyFunction(reviewer)
    assigned_by = factory.LazyFunction(coordinator)
    round = 1
    status = Assignment.Status.OPEN
    due_on = datetime.date(2026, 5, 14)
