"""Assignments for the reminder tests; every application state is reached through the services.

Only the assignment's own fields (due date, status) are set directly: the reminder tests need
a fixed due date, while the services date it from today. A programme's reminder offsets and a
user's language are set through their use cases, as the office and the user would.
"""

import datetime

from accounts import services as account_services
from applications import services
from applications.models import State
from notifications import offsets
from reviews.models import Assignment
from tests import factories, states

DUE = datetime.date(2026, 5, 14)


def programme():
    """One review is required, so an application in review has one reviewer."""
    return factories.ProgrammeFactory(reviews_required=1)


def make_due(assignment, **overrides):
    """Set the assignment open and due on ``DUE`` (or as ``overrides`` say); return it fresh."""
    fields = {"status": Assignment.Status.OPEN, "due_on": DUE, **overrides}
    Assignment.objects.filter(pk=assignment.pk).update(**fields)
    assignment.refresh_from_db()
    return assignment


def assignment(**overrides):
    """The open assignment, due on ``DUE``, of a new application in review (round 1)."""
    application, _coordinator, (reviewer,) = states.in_review(programme=programme())
    return make_due(application.assignments.get(reviewer=reviewer), **overrides)


def application_in(state):
    """An application in ``state`` that has a reviewer assignment (of round 1).

    Withdrawn: withdrawn during the review (``states.withdrawn`` withdraws before any reviewer
    is assigned).
    """
    if state == State.WITHDRAWN:
        application = states.in_review_application(programme=programme())
        return services.withdraw(application.created_by, application, "Projekt verschoben.")
    application = states.reach(state, programme=programme())
    assert application.state == state
    assert application.assignments.exists()
    return application


def in_review_again():
    """An application returned in round 1 and in review again in round 2.

    Returns ``(application, first, second)``: the assignment of round 1 (closed by the
    return) and the one of round 2.
    """
    application, _coordinator, _reviewers = states.with_reviewers(programme=programme())
    coordinator = factories.coordinator()
    deadline = datetime.date.today() + datetime.timedelta(days=14)
    services.return_for_revision(coordinator, application, "Bitte ergänzen.", deadline)
    application = services.submit(application.created_by, application, states.DECLARATIONS)
    application, _coordinator, _reviewers = states.in_review(application=application)
    assert (application.state, application.submission_count) == (State.IN_REVIEW, 2)
    first = application.assignments.get(round=1)
    second = application.assignments.get(round=2)
    return application, first, second


def set_offsets(programme, **days):
    """The coordination office sets the programme's reminder offsets (``name=days``)."""
    offsets.update_reminder_days(factories.coordinator(), programme, days)
    programme.refresh_from_db()
    return programme


def speaks(user, language):
    """The user chooses ``language`` (their profile's), as with the header's switch."""
    account_services.set_language(user, language)
    return user
