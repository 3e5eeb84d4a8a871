"""Who may do what in the review round: the permissions this app registers.

Reviewers see only the title and company of an assigned application until they declare that
they have no conflict of interest; then they read it and review it.
"""

import rules

from applications.models import EDITABLE_STATES, State
from applications.rules import in_state, is_member
from funding.rules import is_coordinator, is_reviewer, permission

from .models import Assignment, ConflictDeclaration

ASSIGNABLE_STATES = (State.SUBMITTED, State.IN_REVIEW)
REVIEWABLE_STATES = (State.IN_REVIEW, State.AWAITING_DECISION)
# Assignments of the current round under which the reviewer still reads the application.
READING = (Assignment.Status.OPEN, Assignment.Status.DONE, Assignment.Status.CLOSED)


REVIEWER = ConflictDeclaration.Role.REVIEWER
# Assignments under which the reviewer declares or corrects a declaration.
DECLARING = (Assignment.Status.OPEN, Assignment.Status.RECUSED)


def current_declarations(**lookups):
    """Declarations nothing supersedes (a correction supersedes the previous one)."""
    return ConflictDeclaration.objects.filter(superseded_by__isnull=True, **lookups)


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
    declared = current_declarations(
        application_id=application.pk, user_id=user.pk, round=current, role=REVIEWER
    ).filter(kind=ConflictDeclaration.Kind.NONE)
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
    """The reviewer's current declaration (none superseded it) for the assignment's round."""
    return current_declarations(
        application_id=assignment.application_id,
        user_id=assignment.reviewer_id,
        round=assignment.round,
        role=REVIEWER,
    )


@rules.predicate
def may_declare_under(user, assignment):
    return assignment.status in DECLARING


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
        and _declaration(assignment).filter(kind=ConflictDeclaration.Kind.NONE).exists()
    )


rules.add_perm("reviews.list", is_reviewer)
rules.add_perm("reviews.see_application", is_reviewer & was_assigned)
rules.add_perm("reviews.read_application", is_reviewer & declared_no_conflict)
# The coordination office runs the round (never for its own organisation's application).
rules.add_perm("reviews.manage_round", is_coordinator & ~is_member)
rules.add_perm("reviews.assign", is_coordinator & ~is_member & in_state(*ASSIGNABLE_STATES))
rules.add_perm("reviews.start_review", is_coordinator & ~is_member)
rules.add_perm("reviews.complete_review", is_coordinator & ~is_member)
# The office's progress page: reviewers' workloads and the rounds' progress.
rules.add_perm("reviews.see_progress", is_coordinator)
# The reviewer's own assignment (object: the assignment).
# Declaring, and correcting a declaration (a new one superseding it), while the assignment is
# open or recused: a correction to "no conflict" keeps the assignment recused until the office
# assigns the reviewer again.
rules.add_perm(
    "reviews.declare",
    is_own & is_current & may_declare_under & round_assignable,
)
rules.add_perm("reviews.decline", is_own & is_open_assignment)
rules.add_perm("reviews.read_assigned", is_own & may_read_assigned)
rules.add_perm(
    "reviews.review",
    is_own & is_current & is_active_assignment & round_reviewable & may_read_assigned,
)


# ----- the discussion (object: the application) --------------------------------------------

# The discussion is open until the board decides (or the company withdraws): then it locks.
DISCUSSION_OPEN_STATES = (
    State.SUBMITTED,
    State.RETURNED,
    State.IN_REVIEW,
    State.AWAITING_DECISION,
)


@rules.predicate
def submitted_own_review(user, application):
    """Blind review: the user's own review of the current round is in (assignment done)."""
    if application is None or not user.is_authenticated:
        return False
    return Assignment.objects.filter(
        application=application,
        reviewer=user,
        round=application.submission_count,
        status=Assignment.Status.DONE,
        review__isnull=False,
    ).exists()


@rules.predicate
def discussion_open(user, application):
    return application is not None and application.state in DISCUSSION_OPEN_STATES


# Reviewers of the current round (no conflict) once their own review is in; the office (not
# for its own organisation); board members who may read the application (by name: decisions
# is an upper app).
may_read_discussion = (
    (is_reviewer & declared_no_conflict & submitted_own_review)
    | (is_coordinator & ~is_member)
    | permission("decisions.read_application")
)
rules.add_perm("reviews.read_discussion", may_read_discussion)
rules.add_perm("reviews.post", may_read_discussion & discussion_open)
# The programme's scoring rubric (object: the programme).
rules.add_perm("reviews.manage_rubric", is_coordinator)
# The assignment proposal and the list of sectors it matches by: the coordination office
# (confirming still asks ``reviews.assign`` per application).
rules.add_perm("reviews.propose_assignments", is_coordinator)
rules.add_perm("reviews.manage_sectors", is_coordinator)
# The reviewer's own profile for the proposal: sectors and availability.
rules.add_perm("reviews.edit_reviewer_profile", is_reviewer)
