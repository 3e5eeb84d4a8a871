"""Who may do what to an application: ``rules`` predicates of (user, application).

The state machine's ``permission=`` and the services use these; the services call
``has_transition_perm`` so that role, object and state are checked together.
"""

import rules

from funding import roles

is_coordinator = rules.predicate(lambda user, obj=None: roles.is_coordinator(user))
is_board = rules.predicate(lambda user, obj=None: roles.is_board(user))
is_reviewer = rules.predicate(lambda user, obj=None: roles.is_reviewer(user))


@rules.predicate
def is_member(user, application):
    """The user acts for the applicant organisation."""
    return application.organization_id in roles.organization_ids(user)


@rules.predicate
def has_been_reviewer(user, application):
    """The user was asked to review it (declared on conflicts) in any round."""
    return application.conflict_declarations.filter(user=user).exists()


@rules.predicate
def is_in_state_submitted(user, application):
    return application.state == "submitted"


@rules.predicate
def is_awaiting_decision(user, application):
    return application.state == "awaiting_decision"


# Separation of duties: a member of the applicant or one of its reviewers never decides.
may_decide = is_board & ~is_member & ~has_been_reviewer
may_return = (is_coordinator & is_in_state_submitted) | (is_awaiting_decision & may_decide)
may_complete_review = is_coordinator
may_assign = is_coordinator & ~is_member
