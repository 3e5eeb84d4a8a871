"""Who may do what in the board's step: the permissions this app registers.

Separation of duties: a member of the applicant organisation, or anyone who was asked to
review the application (an assignment in any round), never decides it, and on the board's
pages sees only its reference, title and company (as a reviewer with a conflict does): not the
reviews, the scores, the budget or the other members' proposals.

Declared conflicts: a board member declares on conflicts of interest per application and round
(``reviews.ConflictDeclaration`` with the role "board", round = the application's
``submission_count``) before reading it on the board's pages or proposing, confirming or
objecting. Until they have declared "no conflict", and for good once they declare a conflict,
they see only its reference, title and company, and every board action is refused.
"""

import rules

from applications.models import State
from applications.rules import in_state, is_member
from funding.rules import is_board, is_coordinator
from reviews.models import ConflictDeclaration
from reviews.rules import current_declarations, reviewed_it

# The board sees an application from the end of its review round on.
BOARD_STATES = (State.AWAITING_DECISION, State.APPROVED, State.REJECTED)

in_board_states = in_state(*BOARD_STATES)

free_of_conflict = ~is_member & ~reviewed_it


def _board_declaration(user, application):
    """The board member's current declaration (none supersedes it) for the current round."""
    return current_declarations(
        application_id=application.pk,
        user_id=user.pk,
        round=application.submission_count,
        role=ConflictDeclaration.Role.BOARD,
    )


@rules.predicate
def declared_no_conflict_as_board(user, application):
    """Declared, as a board member, no conflict of interest for the current round."""
    if application is None or not user.is_authenticated:
        return False
    declarations = _board_declaration(user, application)
    return declarations.filter(kind=ConflictDeclaration.Kind.NONE).exists()


@rules.predicate
def declared_conflict_as_board(user, application):
    """Declared, as a board member, a conflict of interest for the current round."""
    if application is None or not user.is_authenticated:
        return False
    declarations = _board_declaration(user, application)
    return declarations.exclude(kind=ConflictDeclaration.Kind.NONE).exists()


rules.add_perm("decisions.use_board_pages", is_board)
rules.add_perm("decisions.see_application", is_board & in_board_states)
rules.add_perm(
    "decisions.read_application",
    is_board & in_board_states & free_of_conflict & declared_no_conflict_as_board,
)
rules.add_perm("decisions.decide", is_board & free_of_conflict & declared_no_conflict_as_board)
# Declaring (and correcting: a new declaration supersedes the previous one) on the board's
# pages while the application awaits the decision. Not who is kept out already (the
# applicant's people, whoever reviewed it).
rules.add_perm("decisions.declare", is_board & in_state(State.AWAITING_DECISION) & free_of_conflict)
# A board member with a declared conflict reads no letter either (they state the decision).
rules.add_perm(
    "decisions.read_letters",
    is_coordinator | is_member | (is_board & in_board_states & ~declared_conflict_as_board),
)
# Sending a stored letter once more (one left `uncertain` after a crash): the office.
rules.add_perm("decisions.resend_letter", is_coordinator & ~is_member)
