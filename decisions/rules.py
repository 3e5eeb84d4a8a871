"""Who may do what in the board's step: the permissions this app registers.

Separation of duties: a member of the applicant organisation, or anyone who was asked to
review the application (an assignment in any round), never decides it, and on the board's
pages sees only its reference, title and company (as a reviewer with a conflict does): not the
reviews, the scores, the budget or the other members' proposals.
"""

import rules

from applications.models import State
from applications.rules import in_state, is_member
from funding.rules import is_board, is_coordinator
from reviews.rules import reviewed_it

# The board sees an application from the end of its review round on.
BOARD_STATES = (State.AWAITING_DECISION, State.APPROVED, State.REJECTED)

in_board_states = in_state(*BOARD_STATES)

free_of_conflict = ~is_member & ~reviewed_it

rules.add_perm("decisions.use_board_pages", is_board)
rules.add_perm("decisions.see_application", is_board & in_board_states)
rules.add_perm("decisions.read_application", is_board & in_board_states & free_of_conflict)
rules.add_perm("decisions.decide", is_board & free_of_conflict)
rules.add_perm("decisions.read_letters", is_coordinator | is_member | (is_board & in_board_states))
# Sending a stored letter once more (one left `uncertain` after a crash): the office.
rules.add_perm("decisions.resend_letter", is_coordinator & ~is_member)
