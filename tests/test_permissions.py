"""Who may do what: every registered permission, as a table written out by hand.

The permissions are the ``rules.add_perm`` registrations of ``applications/rules.py``,
``reviews/rules.py`` and ``decisions/rules.py`` (role predicates in ``funding/rules.py``), asked
with ``rules.has_perm(name, user, obj)``. The expected answers below are data: for each
permission whose object is an application, the states in which each actor is allowed. They are
written from docs/design.md ("Roles") and from what a funding office expects, never computed
by the predicates under test.

One world per state is built once for the module (through the services, in the order the
people involved would act) inside a transaction that is rolled back at the end; every cell
(permission × state × actor) is then its own test. Cells where the rules answer differently
from what we believe right are listed in ``DISPUTED`` and marked ``xfail(strict=True)``: the
table states the expectation, the reason says what the rules do instead.
"""

import datetime
from dataclasses import dataclass, field

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import override_settings

from api import services as api_services
from applications import services as application_services
from applications.models import State
from decisions import services as decision_services
from reviews import services as review_services
from reviews.models import Assignment
from tests import factories, states

pytestmark = pytest.mark.django_db

# ----- the vocabulary of the table ---------------------------------------------------------------

DRAFT = State.DRAFT
SUBMITTED = State.SUBMITTED
RETURNED = State.RETURNED
IN_REVIEW = State.IN_REVIEW
AWAITING = State.AWAITING_DECISION
APPROVED = State.APPROVED
REJECTED = State.REJECTED
WITHDRAWN = State.WITHDRAWN

STATES = (DRAFT, SUBMITTED, RETURNED, IN_REVIEW, AWAITING, APPROVED, REJECTED, WITHDRAWN)
ALL = frozenset(STATES)
NONE = frozenset()
# Before a decision and not withdrawn: the company may still withdraw it.
OPEN = frozenset({DRAFT, SUBMITTED, RETURNED, IN_REVIEW, AWAITING})
# The company writes: a draft, or a revision after a return.
EDITABLE = frozenset({DRAFT, RETURNED})
# The board's part: from the end of the review round on.
BOARD_STATES = frozenset({AWAITING, APPROVED, REJECTED})
# The states in which our worlds have reviewers assigned (a draft cannot have any).
ASSIGNED = ALL - {DRAFT}
# ... of which those in which a reviewer who declared no conflict reads the application. Not
# after a return: the record then is the company's unsubmitted revision (see DISPUTED).
REVIEWER_READS = ASSIGNED - {RETURNED}
# The board declares on conflicts of interest while the application awaits the decision: in
# our worlds the board actors declared once their world passed through it (not in the
# resubmitted one: a new round needs a new declaration).
BOARD_DECLARED = BOARD_STATES

ACTORS = (
    "member",  # acts for the applicant organisation (created the application)
    "other_company",  # acts for another organisation
    "coordinator",  # the coordination office
    "assigned_reviewer",  # assigned this round, declared no conflict (reviewed, once it could)
    "undeclared_reviewer",  # assigned this round, never declared
    "recused_reviewer",  # assigned this round, declared a conflict of interest
    "unassigned_reviewer",  # in the expert project, no assignment
    "board",  # a board member with no relation to it, declared no conflict once it could
    "board_undeclared",  # a board member who never declared on conflicts for it
    "board_conflicted",  # a board member who declared a conflict of interest (business)
    "board_who_reviewed",  # board member and reviewer, assigned (declared, reviewed) this round
    "board_member_of_applicant",  # board member who also acts for the applicant organisation
    # Not in the brief's list, added for separation of duties: an office member who also acts
    # for the applicant organisation.
    "coordinator_member_of_applicant",
    "superuser",  # is_superuser and is_staff, no group, no organisation
    "anonymous",
)

# ----- the table: permission → actor → states in which it is allowed (anyone unlisted: none) ---

APPLICATION_PERMISSIONS = {
    # Title and company.
    "applications.see": {
        "member": ALL,
        "coordinator": ALL,
        # Any (not removed) assignment: also a recused one, also a closed one.
        "assigned_reviewer": ASSIGNED,
        "undeclared_reviewer": ASSIGNED,
        "recused_reviewer": ASSIGNED,
        "board": BOARD_STATES,
        "board_undeclared": BOARD_STATES,
        "board_conflicted": BOARD_STATES,
        "board_who_reviewed": ASSIGNED,
        "board_member_of_applicant": ALL,
        "coordinator_member_of_applicant": ALL,
    },
    # The whole content, documents, versions and history. A board member only once they
    # declared no conflict of interest (until then, and with a conflict: title and company).
    "applications.read": {
        "member": ALL,
        "coordinator": ALL,
        "assigned_reviewer": REVIEWER_READS,
        "board": BOARD_STATES,
        "board_who_reviewed": REVIEWER_READS | BOARD_STATES,
        "board_member_of_applicant": ALL,
        "coordinator_member_of_applicant": ALL,
    },
    # Whoever reads it, except the company's own people.
    "applications.read_flags": {
        "coordinator": ALL,
        "assigned_reviewer": REVIEWER_READS,
        "board": BOARD_STATES,
        "board_who_reviewed": REVIEWER_READS | BOARD_STATES,
    },
    "applications.act_for": {
        "member": ALL,
        "board_member_of_applicant": ALL,
        "coordinator_member_of_applicant": ALL,
    },
    "applications.edit_draft": {
        "member": EDITABLE,
        "board_member_of_applicant": EDITABLE,
        "coordinator_member_of_applicant": EDITABLE,
    },
    "applications.submit": {
        "member": EDITABLE,
        "board_member_of_applicant": EDITABLE,
        "coordinator_member_of_applicant": EDITABLE,
    },
    # The message thread between the office and the company: from the first submission (a
    # draft has not reached the office) until erased; never reviewers or the board.
    "applications.read_thread": {
        "member": ALL - {DRAFT},
        "coordinator": ALL - {DRAFT},
        "board_member_of_applicant": ALL - {DRAFT},
        "coordinator_member_of_applicant": ALL - {DRAFT},
    },
    "applications.post_message": {
        "member": ALL - {DRAFT},
        "coordinator": ALL - {DRAFT},
        "board_member_of_applicant": ALL - {DRAFT},
        "coordinator_member_of_applicant": ALL - {DRAFT},
    },
    "applications.withdraw": {
        "member": OPEN,
        "board_member_of_applicant": OPEN,
        "coordinator_member_of_applicant": OPEN,
    },
    # The office while checking it; a board member who may decide it while deciding. Never a
    # member of the applicant organisation, never someone who reviewed it.
    "applications.return_for_revision": {
        "coordinator": {SUBMITTED},
        "board": {AWAITING},
    },
    "reviews.see_application": {
        "assigned_reviewer": ASSIGNED,
        "undeclared_reviewer": ASSIGNED,
        "recused_reviewer": ASSIGNED,
        "board_who_reviewed": ASSIGNED,
    },
    "reviews.read_application": {
        "assigned_reviewer": REVIEWER_READS,
        "board_who_reviewed": REVIEWER_READS,
    },
    # The office runs the round, never for its own organisation's application. Starting and
    # completing are role checks: the state is the transition's business (409, not 403).
    # The discussion: the office throughout; a reviewer of the round (no conflict) once their
    # own review is in (blind review: in our worlds from awaiting decision on; the in-review
    # world's reviewer has not submitted yet, the withdrawn one never did); the board members
    # who read it. Posting until the board decides.
    "reviews.read_discussion": {
        "coordinator": ALL,
        "assigned_reviewer": BOARD_STATES,
        "board": BOARD_STATES,
        "board_who_reviewed": BOARD_STATES,
    },
    "reviews.post": {
        "coordinator": {SUBMITTED, RETURNED, IN_REVIEW, AWAITING},
        "assigned_reviewer": {AWAITING},
        "board": {AWAITING},
        "board_who_reviewed": {AWAITING},
    },
    "reviews.manage_round": {"coordinator": ALL},
    "reviews.assign": {"coordinator": {SUBMITTED, IN_REVIEW}},
    "reviews.start_review": {"coordinator": ALL},
    "reviews.complete_review": {"coordinator": ALL},
    "decisions.see_application": {
        "board": BOARD_STATES,
        "board_undeclared": BOARD_STATES,
        "board_conflicted": BOARD_STATES,
        "board_who_reviewed": BOARD_STATES,
        "board_member_of_applicant": BOARD_STATES,
    },
    # Separation of duties also for reading: who reviewed it or acts for the applicant sees only
    # its reference, title and company on the board's pages; so does a board member until they
    # declared no conflict of interest, and for good once they declared one.
    "decisions.read_application": {
        "board": BOARD_STATES & BOARD_DECLARED,
    },
    # A role, separation-of-duties and declaration check; the state is the transition's
    # (approve, reject). Without a declaration of no conflict for the current round, no board
    # member decides: so not before the board's part (the draft world included).
    "decisions.decide": {
        "board": BOARD_DECLARED,
    },
    # Declaring (or correcting a declaration) while the decision is due: every board member
    # except who is kept out already (the applicant's people, whoever reviewed it).
    "decisions.declare": {
        "board": {AWAITING},
        "board_undeclared": {AWAITING},
        "board_conflicted": {AWAITING},
    },
    # A board member with a declared conflict does not read the letters either.
    "decisions.read_letters": {
        "member": ALL,
        "coordinator": ALL,
        "board": BOARD_STATES,
        "board_undeclared": BOARD_STATES,
        "board_who_reviewed": BOARD_STATES,
        "board_member_of_applicant": ALL,
        "coordinator_member_of_applicant": ALL,
    },
    "decisions.resend_letter": {
        "coordinator": ALL,
    },
}

# Cells where the rules answer otherwise: (permission, state, actor) → what the rules do.
_OWN_ROUND = (
    "the rules let an office member run the review round of their own organisation's "
    "application (only reviews.assign excludes members; the comment above these rules says "
    "'never for its own organisation's application') — they see who reviews it"
)
_OWN_RETURN = (
    "the rules let an office member return their own organisation's application for revision "
    "(is_coordinator & submitted, no ~is_member)"
)
_READS_REVISION = (
    "after a return the reviewer's closed assignment still counts as READING (the round number "
    "only changes at resubmission), so an external reviewer reads the company's unsubmitted "
    "revision and its new documents; the board loses access on return and the reviewer loses "
    "it at resubmission anyway"
)
# Cells where the rules answered differently from what we believe right: (permission, state,
# actor) → reason. Empty since the rules were fixed; a new dispute is listed here.
DISPUTED = {}

# Permissions whose object is not an application (asked without an object): who has them.
ROLE_PERMISSIONS = {
    # Everyone signed in: their own inbox and how optional notifications reach them.
    "notifications.read_inbox": set(ACTORS) - {"anonymous"},
    "notifications.edit_preferences": set(ACTORS) - {"anonymous"},
    "applications.list": {
        "member",
        "other_company",
        "coordinator",
        "board_member_of_applicant",
        "coordinator_member_of_applicant",
    },
    # Without an organisation: may start a draft at all.
    "applications.create": {
        "member",
        "other_company",
        "board_member_of_applicant",
        "coordinator_member_of_applicant",
    },
    "reviews.list": {
        "assigned_reviewer",
        "undeclared_reviewer",
        "recused_reviewer",
        "unassigned_reviewer",
        "board_who_reviewed",
    },
    "decisions.use_board_pages": {
        "board",
        "board_undeclared",
        "board_conflicted",
        "board_who_reviewed",
        "board_member_of_applicant",
    },
    # The office's review work: progress, the assignment proposal, sectors, the programme's
    # settings and rubric (asked here without an object).
    "reviews.see_progress": {"coordinator", "coordinator_member_of_applicant"},
    "reviews.propose_assignments": {"coordinator", "coordinator_member_of_applicant"},
    "reviews.manage_sectors": {"coordinator", "coordinator_member_of_applicant"},
    "reviews.manage_rubric": {"coordinator", "coordinator_member_of_applicant"},
    "funding.manage_programme": {"coordinator", "coordinator_member_of_applicant"},
    # Every reviewer keeps their own profile (sectors, availability) for the proposal.
    "reviews.edit_reviewer_profile": {
        "assigned_reviewer",
        "undeclared_reviewer",
        "recused_reviewer",
        "unassigned_reviewer",
        "board_who_reviewed",
    },
    # The log of every mail sent (everyone sees their own without a permission).
    "notifications.read_sent_log": {"coordinator", "coordinator_member_of_applicant"},
    # The office's data-protection pages (without an object: the pages themselves).
    "records.read_access_log": {"coordinator", "coordinator_member_of_applicant"},
    "records.manage_retention": {"coordinator", "coordinator_member_of_applicant"},
    # Registering the integrations' endpoints and reading their delivery log.
    "webhooks.manage": {"coordinator", "coordinator_member_of_applicant"},
    # Every active user keeps their own API tokens (the profile page).
    "api.manage_tokens": set(ACTORS) - {"anonymous"},
    # The fund's figures for its funders: the office and the board (counts, amounts and company
    # names; no review, no reviewer, no employee).
    "reporting.view_report": {
        "coordinator",
        "coordinator_member_of_applicant",
        "board",
        "board_undeclared",
        "board_conflicted",
        "board_who_reviewed",
        "board_member_of_applicant",
    },
}

# Permissions whose object is an organisation, asked for the applicant organisation: who may
# manage its users (the office, and its company admins: none among our actors) and who may
# export its data (the office, never for its own organisation).
ORGANIZATION_PERMISSIONS = {
    "accounts.manage_users": {"coordinator", "coordinator_member_of_applicant"},
    "accounts.invite": {"coordinator", "coordinator_member_of_applicant"},
    "records.export_organization": {"coordinator"},
}

# Permissions whose object is an API token, asked for the applicant member's token: its owner only.
TOKEN_PERMISSIONS = {"api.revoke_token": {"member"}}

# Permissions whose object is a reviewer's assignment.
ASSIGNMENT_PERMISSIONS = (
    "reviews.declare",
    "reviews.decline",
    "reviews.read_assigned",
    "reviews.review",
)

# (world, whose assignment, who asks) → the assignment permissions allowed.
ASSIGNMENT_ROWS = {
    # Submitted: the office assigned; the review has not started.
    (SUBMITTED, "undeclared_reviewer", "undeclared_reviewer"): {
        "reviews.declare",
        "reviews.decline",
    },
    # A declaration can be corrected (a new one supersedes it) while the assignment is open or
    # recused; a recused reviewer may do nothing else.
    (SUBMITTED, "assigned_reviewer", "assigned_reviewer"): {
        "reviews.declare",
        "reviews.decline",
        "reviews.read_assigned",
    },
    (SUBMITTED, "recused_reviewer", "recused_reviewer"): {"reviews.declare"},
    (SUBMITTED, "undeclared_reviewer", "assigned_reviewer"): set(),
    (SUBMITTED, "assigned_reviewer", "undeclared_reviewer"): set(),
    (SUBMITTED, "undeclared_reviewer", "coordinator"): set(),
    (SUBMITTED, "undeclared_reviewer", "superuser"): set(),
    (SUBMITTED, "undeclared_reviewer", "anonymous"): set(),
    # In review: the declared reviewer reviews.
    (IN_REVIEW, "undeclared_reviewer", "undeclared_reviewer"): {
        "reviews.declare",
        "reviews.decline",
    },
    (IN_REVIEW, "assigned_reviewer", "assigned_reviewer"): {
        "reviews.declare",
        "reviews.decline",
        "reviews.read_assigned",
        "reviews.review",
    },
    (IN_REVIEW, "recused_reviewer", "recused_reviewer"): {"reviews.declare"},
    (IN_REVIEW, "assigned_reviewer", "board_who_reviewed"): set(),
    (IN_REVIEW, "assigned_reviewer", "board"): set(),
    # Awaiting decision: reviews may still be edited; the unused assignment is closed.
    (AWAITING, "assigned_reviewer", "assigned_reviewer"): {
        "reviews.read_assigned",
        "reviews.review",
    },
    (AWAITING, "undeclared_reviewer", "undeclared_reviewer"): set(),
    (AWAITING, "recused_reviewer", "recused_reviewer"): set(),
    # Decided: the reviewer reads what they reviewed, and changes nothing.
    (APPROVED, "assigned_reviewer", "assigned_reviewer"): {"reviews.read_assigned"},
    (REJECTED, "board_who_reviewed", "board_who_reviewed"): {"reviews.read_assigned"},
    # Returned: the assignment closed; see DISPUTED_ASSIGNMENT_ROWS.
    (RETURNED, "assigned_reviewer", "assigned_reviewer"): set(),
    (WITHDRAWN, "assigned_reviewer", "assigned_reviewer"): {"reviews.read_assigned"},
    # Resubmitted after a return: round 2, the round-1 reviewer was not assigned again.
    ("resubmitted", "assigned_reviewer", "assigned_reviewer"): set(),
}
DISPUTED_ASSIGNMENT_ROWS = {}

OUR_APPS = (
    "funding.",
    "notifications.",
    "accounts.",
    "applications.",
    "reviews.",
    "decisions.",
    "records.",
    "reporting.",
    "webhooks.",
    "api.",
)


# ----- the worlds ------------------------------------------------------------------------------


@dataclass
class World:
    application: object
    actors: dict
    assignments: dict = field(default_factory=dict)  # actor → its assignment (one round each)


def _declare(user, application, has_conflict):
    assignment = Assignment.objects.get(
        application=application, reviewer=user, round=application.submission_count
    )
    kind, note = ("business", "Ehemaliger Geschäftspartner.") if has_conflict else ("none", "")
    review_services.declare_conflict(user, assignment, kind, note)


def _review(user, application):
    assignment = Assignment.objects.get(
        application=application, reviewer=user, round=application.submission_count
    )
    review_services.submit_review(user, assignment, states.REVIEW)


def _decide(application, outcome):
    first, second = states.deciding_board(application)
    if outcome == "approve":
        proposal = decision_services.propose_decision(
            first, application, "approve", amount=application.requested_amount
        )
    else:
        proposal = decision_services.propose_decision(
            first, application, "reject", reasons="Die Finanzierung ist nicht gesichert."
        )
    decision_services.confirm_decision(second, proposal)


def build_world(target):
    """An application in ``target`` reached through the services, and every actor."""
    organization = factories.OrganizationFactory()
    application = states.draft(organization=organization)
    assert application.programme.reviews_required == 2
    member = application.created_by
    actors = {
        "member": member,
        "other_company": factories.applicant(),
        "coordinator": factories.coordinator(),
        "assigned_reviewer": factories.reviewer(),
        "undeclared_reviewer": factories.reviewer(),
        "recused_reviewer": factories.reviewer(),
        "unassigned_reviewer": factories.reviewer(),
        "board": factories.board_member(),
        "board_undeclared": factories.board_member(),
        "board_conflicted": factories.board_member(),
        "board_who_reviewed": factories.UserFactory(groups=["reviewers", "board"]),
        "board_member_of_applicant": factories.applicant(
            organization=organization, groups=["board"]
        ),
        "coordinator_member_of_applicant": factories.applicant(
            organization=organization, groups=["coordinators"]
        ),
        "superuser": factories.UserFactory(is_superuser=True, is_staff=True),
        "anonymous": AnonymousUser(),
    }
    coordinator = actors["coordinator"]
    if target != DRAFT:
        application = application_services.submit(member, application, states.DECLARATIONS)
        # Three active assignments (two are required) and one recused.
        for name in ("assigned_reviewer", "undeclared_reviewer", "recused_reviewer"):
            review_services.assign_reviewer(coordinator, application, actors[name])
        review_services.assign_reviewer(coordinator, application, actors["board_who_reviewed"])
        _declare(actors["assigned_reviewer"], application, has_conflict=False)
        _declare(actors["board_who_reviewed"], application, has_conflict=False)
        _declare(actors["recused_reviewer"], application, has_conflict=True)
    if target in (RETURNED, "resubmitted"):
        deadline = datetime.date.today() + datetime.timedelta(days=14)
        application = application_services.return_for_revision(
            coordinator, application, "Bitte ergänzen.", deadline
        )
    if target == "resubmitted":
        application = application_services.submit(member, application, states.DECLARATIONS)
    if target == WITHDRAWN:
        application = application_services.withdraw(member, application, "Projekt verschoben.")
    if target in (IN_REVIEW, AWAITING, APPROVED, REJECTED):
        application = review_services.start_review(coordinator, application)
    if target in (AWAITING, APPROVED, REJECTED):
        # The second required review completes the round; the undeclared one's closes.
        _review(actors["assigned_reviewer"], application)
        _review(actors["board_who_reviewed"], application)
        application.refresh_from_db()
        # The board declares while the decision is due (before it is taken).
        states.board_declares(actors["board"], application)
        states.board_declares(
            actors["board_conflicted"], application, "business", "Hausbank der Firma."
        )
    if target == APPROVED:
        _decide(application, "approve")
    if target == REJECTED:
        _decide(application, "reject")
    application.refresh_from_db()
    assert application.state == (SUBMITTED if target == "resubmitted" else target)
    assignments = {
        assignment.reviewer.username: assignment
        for assignment in Assignment.objects.filter(application=application)
    }
    by_actor = {
        name: assignments[user.username]
        for name, user in actors.items()
        if user.is_authenticated and user.username in assignments
    }
    return World(application, actors, by_actor)


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker):
    """One world per state (and one resubmitted), built once and rolled back at the end."""
    from funding.celery import app as celery_app

    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(PASSWORD_HASHERS=hashers),
            transaction.atomic(),
        ):
            built = {target: build_world(target) for target in (*STATES, "resubmitted")}
            # Nothing queued on commit runs: the whole module is rolled back.
            yield built
            transaction.set_rollback(True)
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


# ----- the application table -------------------------------------------------------------------


def _expected(permission, state, actor):
    return state in APPLICATION_PERMISSIONS[permission].get(actor, NONE)


def _cells():
    for permission in APPLICATION_PERMISSIONS:
        for state in STATES:
            for actor in ACTORS:
                reason = DISPUTED.get((permission, state, actor))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                yield pytest.param(
                    permission, state, actor, id=f"{permission}-{state}-{actor}", marks=marks
                )


@pytest.mark.parametrize(("permission", "state", "actor"), list(_cells()))
def test_application_permission(worlds, permission, state, actor):
    world = worlds[state]
    expected = _expected(permission, state, actor)
    answer = rules.has_perm(permission, world.actors[actor], world.application)
    verb = "may" if expected else "may not"
    assert answer is expected, (
        f"{permission} | {state} | {actor}: expected {actor} {verb} do it, "
        f"rules.has_perm answers {answer}"
    )


def test_the_table_names_only_known_permissions_actors_and_states():
    for permission, row in APPLICATION_PERMISSIONS.items():
        assert set(row) <= set(ACTORS), permission
        for actor, allowed in row.items():
            assert set(allowed) <= ALL, (permission, actor)
    for permission, state, actor in DISPUTED:
        assert permission in APPLICATION_PERMISSIONS and state in ALL and actor in ACTORS


def test_every_world_has_its_reviewers_where_the_state_allows_them(worlds):
    """The reviewer cells mean something: assignments exist except in the draft."""
    assert worlds[DRAFT].assignments == {}
    for state in ASSIGNED:
        statuses = {name: a.status for name, a in worlds[state].assignments.items()}
        assert set(statuses) == {
            "assigned_reviewer",
            "undeclared_reviewer",
            "recused_reviewer",
            "board_who_reviewed",
        }, state
        assert statuses["recused_reviewer"] == Assignment.Status.RECUSED, state
    reviewed = {AWAITING, APPROVED, REJECTED}
    for state in reviewed:
        statuses = {name: a.status for name, a in worlds[state].assignments.items()}
        assert statuses["assigned_reviewer"] == statuses["board_who_reviewed"] == "done"
        assert statuses["undeclared_reviewer"] == Assignment.Status.CLOSED
    for state in (RETURNED, WITHDRAWN):
        statuses = {name: a.status for name, a in worlds[state].assignments.items()}
        assert statuses["assigned_reviewer"] == statuses["undeclared_reviewer"] == "closed"


# ----- superusers: why it must be rules.has_perm ------------------------------------------------


def test_a_superuser_has_every_permission_by_user_has_perm_but_none_by_the_rules(worlds):
    """``User.has_perm`` answers True for an active superuser before asking any backend.

    So ``user.has_perm`` (and ``rules``' own template tag, which uses it) would give the
    superuser every workflow power; ``rules.has_perm`` asks the registered predicates only.
    """
    for state in STATES:
        world = worlds[state]
        superuser = world.actors["superuser"]
        for permission in APPLICATION_PERMISSIONS:
            assert superuser.has_perm(permission, world.application), (permission, state)
            assert not rules.has_perm(permission, superuser, world.application), (
                permission,
                state,
            )


def test_for_everyone_else_user_has_perm_goes_through_the_rules_backend(worlds):
    """The ObjectPermissionBackend is installed: without superuser status both agree."""
    world = worlds[AWAITING]
    for actor in ("member", "coordinator", "assigned_reviewer", "board", "board_who_reviewed"):
        user = world.actors[actor]
        for permission in APPLICATION_PERMISSIONS:
            assert user.has_perm(permission, world.application) == rules.has_perm(
                permission, user, world.application
            ), (permission, actor)


# ----- every permission has a row --------------------------------------------------------------


def test_every_registered_permission_of_our_apps_has_a_row():
    registered = {name for name in rules.permissions.permissions if name.startswith(OUR_APPS)}
    tabled = (
        set(APPLICATION_PERMISSIONS)
        | set(ROLE_PERMISSIONS)
        | set(ASSIGNMENT_PERMISSIONS)
        | set(ORGANIZATION_PERMISSIONS)
        | set(TOKEN_PERMISSIONS)
    )
    assert registered - tabled == set(), "registered without a row in this table"
    assert tabled - registered == set(), "a row for a permission nobody registers"
    assert not set(APPLICATION_PERMISSIONS) & set(ROLE_PERMISSIONS)
    assert not set(APPLICATION_PERMISSIONS) & set(ASSIGNMENT_PERMISSIONS)


# ----- permissions without an application ------------------------------------------------------


@pytest.mark.parametrize("permission", ROLE_PERMISSIONS)
def test_role_permission(worlds, permission):
    world = worlds[DRAFT]
    mismatches = []
    for actor in ACTORS:
        expected = actor in ROLE_PERMISSIONS[permission]
        answer = rules.has_perm(permission, world.actors[actor])
        if answer is not expected:
            mismatches.append(f"{permission} | {actor}: expected {expected}, rules say {answer}")
    assert mismatches == []


@pytest.mark.parametrize("permission", ORGANIZATION_PERMISSIONS)
def test_organization_permission(worlds, permission):
    world = worlds[DRAFT]
    organization = world.application.organization
    mismatches = []
    for actor in ACTORS:
        expected = actor in ORGANIZATION_PERMISSIONS[permission]
        answer = rules.has_perm(permission, world.actors[actor], organization)
        if answer is not expected:
            mismatches.append(f"{permission} | {actor}: expected {expected}, rules say {answer}")
    assert mismatches == []


@pytest.mark.parametrize("permission", TOKEN_PERMISSIONS)
def test_token_permission(worlds, permission):
    world = worlds[DRAFT]
    token, _key = api_services.create_token(world.actors["member"], "Buchhaltung")
    mismatches = []
    for actor in ACTORS:
        expected = actor in TOKEN_PERMISSIONS[permission]
        answer = rules.has_perm(permission, world.actors[actor], token)
        if answer is not expected:
            mismatches.append(f"{permission} | {actor}: expected {expected}, rules say {answer}")
    assert mismatches == []


def test_a_company_admin_manages_only_their_own_company(worlds):
    world = worlds[DRAFT]
    admin = factories.company_admin(organization=world.application.organization)
    other = factories.OrganizationFactory()
    for permission in ("accounts.manage_users", "accounts.invite"):
        assert rules.has_perm(permission, admin, world.application.organization)
        assert not rules.has_perm(permission, admin, other)
    assert not rules.has_perm("records.export_organization", admin, other)


def test_create_for_an_organisation_only_by_those_who_act_for_it(worlds):
    world = worlds[DRAFT]
    organization = world.application.organization
    mismatches = []
    for actor in ACTORS:
        expected = actor in (
            "member",
            "board_member_of_applicant",
            "coordinator_member_of_applicant",
        )
        answer = rules.has_perm("applications.create", world.actors[actor], organization)
        if answer is not expected:
            mismatches.append(f"applications.create(own org) | {actor}: rules say {answer}")
    assert mismatches == []
    other = world.actors["other_company"]
    assert rules.has_perm("applications.create", other, other.memberships.get().organization)


def _assignment_cells():
    for (state, owner, actor), allowed in ASSIGNMENT_ROWS.items():
        for permission in ASSIGNMENT_PERMISSIONS:
            reason = DISPUTED_ASSIGNMENT_ROWS.get((state, owner, actor, permission))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(
                state,
                owner,
                actor,
                permission,
                permission in allowed,
                id=f"{permission}-{state}-of_{owner}-asked_by_{actor}",
                marks=marks,
            )


@pytest.mark.parametrize(
    ("state", "owner", "actor", "permission", "expected"), list(_assignment_cells())
)
def test_assignment_permission(worlds, state, owner, actor, permission, expected):
    world = worlds[state]
    assignment = world.assignments[owner]
    answer = rules.has_perm(permission, world.actors[actor], assignment)
    assert answer is expected, (
        f"{permission} on {owner}'s assignment ({assignment.status}, round {assignment.round}) "
        f"| {state} | asked by {actor}: expected {expected}, rules.has_perm answers {answer}"
    )


def test_disputed_assignment_rows_are_rows():
    for state, owner, actor, permission in DISPUTED_ASSIGNMENT_ROWS:
        assert (state, owner, actor) in ASSIGNMENT_ROWS
        assert permission in ASSIGNMENT_PERMISSIONS
