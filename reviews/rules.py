"""Who may do what in the review round: the permissions this app registers.

Reviewers see only the title and company of an assigned application until they declare that
they have no conflict of interest; then they read it and review it.
"""

import rules

from applications.models import EDITABLE_STATES, State
from applications.rules import in_state, is_member
from funding.rules import is_coordinator, is_reviewer

from .models import Assignment, ConflictDeclaration

ASSIGNABLE_STATES = (State.SUBMITTED, State.IN_REVIEW)
REVIEWABLE_STATES = (State.IN_REVIEW, State.AWAITING_DECISION)
# Assignments of the current round under which the reviewer still reads the application.
READING = (Assignment.Status.OPEN, Assignment.Status.DONE, Assignment.Status.CLOSED)


@rules.predicate
def was_assigned(user, application):
    """The user had an assignment for it in any round (not one taken back by the office)."""
    if application is None or not user.is_authenticated:
        return False
    assignments = Assignment.objects.filter(application=application, reviewer=user)
    return assignments.exclude(status=Assignment.Status.REMOVED).exists()


@rules.predicate
def reviewed_it(user, application):
    """The user was asked to review it in any round (separation of duties for the board)."""
    if application is None or not user.is_authenticated:
        return False
    return Assignment.objects.filter(application=application, reviewer=user).exists()


@rules.predicate
def declared_no_conflict(user, application):
    """Assigned in the current round, still reading, and declared no conflict for it."""
    if application is None or not user.is_authenticated:
        return False
    if application.state in EDITABLE_STATES:
        return False  # returned: the company's unsubmitted revision is not for reviewers
    current = application.submission_count
    declared = ConflictDeclaration.objects.filter(
        application=application, user=user, round=current, has_conflict=False
    )
    assigned = Assignment.objects.filter(
        application=application, reviewer=user, round=current, status__in=READING
    )
    return declared.exists() and assigned.exists()


# ----- predicates of one assignment (the reviewer's own) -----------------------------------


@rules.predicate
def is_own(user, assignment):
    return assignment is not None and assignment.reviewer_id == user.pk


@rules.predicate
def is_current(user, assignment):
    return assignment.round == assignment.application.submission_count


@rules.predicate
def is_open_assignment(user, assignment):
    return assignment.status == Assignment.Status.OPEN


@rules.predicate
def is_active_assignment(user, assignment):
    return assignment.status in Assignment.ACTIVE


@rules.predicate
def round_assignable(user, assignment):
    return assignment.application.state in ASSIGNABLE_STATES


@rules.predicate
def round_reviewable(user, assignment):
    return assignment.application.state in REVIEWABLE_STATES


def _declaration(assignment):
    return ConflictDeclaration.objects.filter(
        application_id=assignment.application_id,
        user_id=assignment.reviewer_id,
        round=assignment.round,
    )


@rules.predicate
def has_declared(user, assignment):
    return _declaration(assignment).exists()


@rules.predicate
def may_read_assigned(user, assignment):
    """Declared no conflict for the current round, still reading under it, and the
    application is not back with the company (returned)."""
    return (
        assignment.status in READING
        and assignment.round == assignment.application.submission_count
        and assignment.application.state not in EDITABLE_STATES
        and _declaration(assignment).filter(has_conflict=False).exists()
    )


rules.add_perm("reviews.list", is_reviewer)
rules.add_perm("reviews.see_application", is_reviewer & was_assigned)
rules.add_perm("reviews.read_application", is_reviewer & declared_no_conflict)
# The coordination office runs the round (never for its own organisation's application).
rules.add_perm("reviews.manage_round", is_coordinator & ~is_member)
rules.add_perm("reviews.assign", is_coordinator & ~is_member & in_state(*ASSIGNABLE_STATES))
rules.add_perm("reviews.start_review", is_coordinator & ~is_member)
rules.add_perm("reviews.complete_review", is_coordinator & ~is_member)
# The reviewer's own assignment (object: the assignment).
rules.add_perm(
    "reviews.declare",
    is_own & is_current & is_open_assignment & round_assignable & ~has_declared,
)
rules.add_perm("reviews.decline", is_own & is_open_assignment)
rules.add_perm("reviews.read_assigned", is_own & may_read_assigned)
rules.add_perm(
    "reviews.review",
    is_own & is_current & is_active_assignment & round_reviewable & may_read_assigned,
)
