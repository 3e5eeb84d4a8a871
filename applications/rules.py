"""Who may do what with an application: the permissions this app registers.

Every page, service and the state machine's ``permission=`` ask these by name with
``rules.has_perm(name, user, application)``. Seeing and reading an application also count
the permissions of later steps (``reviews.*``, ``decisions.*``), composed by name with
``funding.rules.permission`` so that this app never imports them. docs/design.md lists them.
"""

import rules

from funding import roles
from funding.rules import is_applicant, is_coordinator, is_member_of, permission

from .models import EDITABLE_STATES, OPEN_STATES, State


@rules.predicate
def is_member(user, application):
    """The user acts for the applicant organisation (by its id: no query for the organisation)."""
    return application is not None and application.organization_id in roles.organization_ids(user)


def in_state(*states):
    """A predicate: the application is in one of ``states`` (``State`` members)."""
    wanted = frozenset(states)

    @rules.predicate(name=f"in_state({', '.join(sorted(wanted))})")
    def check(user, application):
        return application is not None and application.state in wanted

    return check


@rules.predicate
def acts_for(user, organization):
    """Without an organisation: any; with one: the user acts for it."""
    return organization is None or is_member_of(user, organization)


is_editable = in_state(*EDITABLE_STATES)
is_open = in_state(*OPEN_STATES)

# The list page, and creating a draft (of the organisation given, if one is).
rules.add_perm("applications.list", is_coordinator | is_applicant)
rules.add_perm("applications.create", is_applicant & acts_for)
# Seeing its title and company; reading its whole content, documents, versions and history.
rules.add_perm(
    "applications.see",
    is_coordinator
    | is_member
    | permission("reviews.see_application")
    | permission("decisions.see_application"),
)
reads = (
    is_coordinator
    | is_member
    | permission("reviews.read_application")
    | permission("decisions.read_application")
)
rules.add_perm("applications.read", reads)
# The programme's flags (notes that refuse nothing) are for the office, reviewers and board.
rules.add_perm("applications.read_flags", ~is_member & reads)
# The company's steps: act for it at all (its pages), edit the draft or revision, submit it,
# withdraw it.
rules.add_perm("applications.act_for", is_member)
rules.add_perm("applications.edit_draft", is_member & is_editable)
rules.add_perm("applications.submit", is_member & is_editable)
rules.add_perm("applications.withdraw", is_member & is_open)
# Return for revision: the office while checking it, the board while deciding it.
rules.add_perm(
    "applications.return_for_revision",
    (is_coordinator & ~is_member & in_state(State.SUBMITTED))
    | (in_state(State.AWAITING_DECISION) & permission("decisions.decide")),
)


@rules.predicate
def reached_office(user, application):
    """It was handed in at least once: a draft (or one withdrawn as a draft) has not."""
    return application is not None and application.submission_count > 0


@rules.predicate
def is_erased(user, application):
    """The retention rules erased its free text (only the tombstone is left)."""
    return application is not None and application.erased_at is not None


# The message thread between the office and the company: from the first submission until the
# application is erased; never reviewers or the board. A coordinator who acts for the
# organisation takes part as the company (``applications.thread``).
thread_party = (is_coordinator | is_member) & reached_office & ~is_erased
rules.add_perm("applications.read_thread", thread_party)
rules.add_perm("applications.post_message", thread_party)
