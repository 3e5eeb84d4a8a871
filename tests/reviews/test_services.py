"""The review round: assignments, conflicts of interest, reviews, start and completion."""

import datetime
from decimal import Decimal

import pytest
import rules
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications import history_notes
from applications import services as application_services
from applications.models import Application
from decisions import services as decision_services
from funding.errors import RuleViolation, StateConflict
from funding.models import Membership
from reviews import selectors as review_selectors
from reviews import services
from reviews.models import Assignment, ConflictDeclaration, Review
from tests import factories, states

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

AUTOMATIC = "automatic: the last required review was submitted"
NOT_A_REVIEWER = "Only members of the expert project can review."
ORG_MEMBER = "A member of the applicant organisation cannot review it."


def at(monkeypatch, day):
    """Let the clock show 11:00 UTC (midday in Berlin) of ``day``."""
    moment = datetime.datetime.combine(day, datetime.time(11, 0), tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def assignment_of(application, reviewer, round=None):
    return Assignment.objects.get(
        application=application, reviewer=reviewer, round=round or application.submission_count
    )


def statuses(application):
    return dict(
        application.assignments.filter(round=application.submission_count).values_list(
            "reviewer__username", "status"
        )
    )


# ----- assignment ------------------------------------------------------------------------------


def test_coordinator_assigns_a_reviewer_to_the_current_round():
    application = states.submitted()
    coordinator, reviewer = factories.coordinator(), factories.reviewer()
    assignment = services.assign_reviewer(coordinator, application, reviewer)
    assignment.refresh_from_db()
    assert (assignment.reviewer, assignment.assigned_by, assignment.round, assignment.status) == (
        reviewer,
        coordinator,
        1,
        "open",
    )
    assert assignment.due_on is None  # counts from the start of the review


@pytest.mark.parametrize(
    ("make", "errors"),
    [
        (factories.board_member, [NOT_A_REVIEWER]),
        (factories.coordinator, [NOT_A_REVIEWER]),
        (factories.UserFactory, [NOT_A_REVIEWER]),
        (lambda: factories.reviewer(is_active=False), [NOT_A_REVIEWER]),
        ("member reviewer", [ORG_MEMBER]),
        ("member", [NOT_A_REVIEWER, ORG_MEMBER]),
    ],
    ids=["board", "coordinator", "no role", "inactive reviewer", "member reviewer", "member"],
)
def test_only_reviewers_outside_the_organisation_can_be_assigned(make, errors):
    application = states.submitted()
    if make == "member reviewer":
        user = factories.reviewer()
        Membership.objects.create(user=user, organization=application.organization)
    elif make == "member":
        user = application.created_by
    else:
        user = make()
    with pytest.raises(RuleViolation) as refused:
        services.assign_reviewer(factories.coordinator(), application, user)
    assert refused.value.errors == {"reviewer": errors}
    assert application.assignments.count() == 0


@pytest.mark.parametrize("role", ["applicant", "reviewer", "board", "member coordinator"])
def test_only_the_coordination_office_assigns(role):
    application = states.submitted()
    if role == "applicant":
        user = application.created_by
    elif role == "reviewer":
        user = factories.reviewer()
    elif role == "board":
        user = factories.board_member()
    else:
        user = factories.coordinator()
        Membership.objects.create(user=user, organization=application.organization)
    with pytest.raises(PermissionDenied):
        services.assign_reviewer(user, application, factories.reviewer())
    assert application.assignments.count() == 0


@pytest.mark.parametrize(
    "state", ["draft", "returned", "awaiting_decision", "approved", "rejected", "withdrawn"]
)
def test_reviewers_are_assigned_only_before_and_during_the_review(state):
    application = states.reach(state)
    count = application.assignments.count()
    with pytest.raises(StateConflict):
        services.assign_reviewer(factories.coordinator(), application, factories.reviewer())
    assert application.assignments.count() == count


def test_the_same_reviewer_twice_is_refused():
    application, coordinator, (reviewer, _other) = states.with_reviewers()
    with pytest.raises(RuleViolation) as refused:
        services.assign_reviewer(coordinator, application, reviewer)
    assert refused.value.errors == {"reviewer": ["This reviewer is already assigned."]}


def test_reassign_after_removal():
    application, coordinator, (first, second) = states.with_reviewers()
    removed = services.remove_assignment(coordinator, assignment_of(application, first))
    assert removed.status == "removed"
    replacement = factories.reviewer()
    services.assign_reviewer(coordinator, application, replacement)
    assert statuses(application) == {
        first.username: "removed",
        second.username: "open",
        replacement.username: "open",
    }
    # The removed reviewer can be asked again; the same row is reopened.
    again = services.assign_reviewer(coordinator, application, first)
    assert again.pk == removed.pk
    assert statuses(application)[first.username] == "open"


def test_only_open_assignments_are_removed_and_only_by_the_coordination_office():
    application, coordinator, (first, second) = states.in_review()
    states.review(first, application)
    with pytest.raises(StateConflict):
        services.remove_assignment(coordinator, assignment_of(application, first))
    with pytest.raises(PermissionDenied):
        services.remove_assignment(second, assignment_of(application, second))
    assert statuses(application) == {first.username: "done", second.username: "open"}


def test_a_declined_reviewer_can_be_assigned_again_a_recused_one_cannot():
    application, coordinator, (first, second) = states.with_reviewers()
    services.decline_assignment(first, assignment_of(application, first))
    services.declare_conflict(second, assignment_of(application, second), True, "Berät die Firma.")
    assert statuses(application) == {first.username: "declined", second.username: "recused"}
    assert services.assign_reviewer(coordinator, application, first).status == "open"
    with pytest.raises(RuleViolation) as refused:
        services.assign_reviewer(coordinator, application, second)
    assert refused.value.errors == {"reviewer": ["This reviewer declared a conflict."]}


def test_candidates_are_active_reviewers_outside_the_organisation():
    application = states.submitted()
    outside = factories.reviewer()
    inside = factories.reviewer()
    Membership.objects.create(user=inside, organization=application.organization)
    factories.reviewer(is_active=False)
    factories.board_member()
    assert list(services.reviewer_candidates(application)) == [outside]


# ----- start of the review ---------------------------------------------------------------------


def test_start_review_needs_enough_active_assignments():
    application, coordinator, reviewers = states.with_reviewers(count=4)
    recused, declined, removed, active = reviewers
    services.declare_conflict(recused, assignment_of(application, recused), True, "Bruder.")
    services.decline_assignment(declined, assignment_of(application, declined))
    services.remove_assignment(coordinator, assignment_of(application, removed))
    with pytest.raises(RuleViolation) as refused:
        services.start_review(coordinator, application)
    assert refused.value.errors == {
        None: ["At least 2 active reviewer assignments are needed to start."]
    }
    application.refresh_from_db()
    assert application.state == "submitted"
    services.assign_reviewer(coordinator, application, factories.reviewer())
    application = services.start_review(coordinator, application)
    assert application.state == "in_review"
    assert application.review_started_at is not None


def test_start_review_needs_the_number_the_programme_asks_for():
    programme = factories.ProgrammeFactory(reviews_required=3)
    application, coordinator, _reviewers = states.with_reviewers(count=2, programme=programme)
    with pytest.raises(RuleViolation) as refused:
        services.start_review(coordinator, application)
    assert refused.value.messages == ["At least 3 active reviewer assignments are needed to start."]


def test_due_date_counts_from_the_start_and_for_later_assignments_from_the_assignment(
    monkeypatch,
):
    programme = factories.ProgrammeFactory(review_period_days=10)
    application, coordinator, (first, second) = states.with_reviewers(programme=programme)
    start = timezone.localdate() + datetime.timedelta(days=3)
    at(monkeypatch, start)
    services.start_review(coordinator, application)
    assert assignment_of(application, first).due_on == start + datetime.timedelta(days=10)
    assert assignment_of(application, second).due_on == start + datetime.timedelta(days=10)

    later = start + datetime.timedelta(days=5)
    at(monkeypatch, later)
    services.remove_assignment(coordinator, assignment_of(application, second))
    third = factories.reviewer()
    services.assign_reviewer(coordinator, application, third)
    assert assignment_of(application, third).due_on == later + datetime.timedelta(days=10)
    # Reassigning the removed reviewer also counts from the new assignment.
    services.assign_reviewer(coordinator, application, second)
    assert assignment_of(application, second).due_on == later + datetime.timedelta(days=10)
    assert assignment_of(application, first).due_on == start + datetime.timedelta(days=10)


# ----- conflicts of interest -------------------------------------------------------------------


def test_reviewer_cannot_review_before_declaring_on_conflicts():
    application, _coordinator, (first, _second) = states.in_review()
    assignment = assignment_of(application, first)
    with pytest.raises(PermissionDenied):
        services.submit_review(first, assignment, states.REVIEW)
    assert not Review.objects.exists()
    assert assignment_of(application, first).status == "open"


def test_declaring_no_conflict_records_it_for_the_round_and_allows_the_review():
    application, _coordinator, (first, _second) = states.in_review()
    assignment = services.declare_conflict(first, assignment_of(application, first), False)
    assert assignment.status == "open"
    declaration = ConflictDeclaration.objects.get()
    assert (declaration.user, declaration.round, declaration.has_conflict) == (first, 1, False)
    review = services.submit_review(first, assignment, states.REVIEW)
    assert (review.total, review.recommendation) == (Decimal("4.00"), "approve")
    assert assignment_of(application, first).status == "done"


def test_declaring_before_the_review_starts_is_possible():
    application, _coordinator, (first, _second) = states.with_reviewers()
    services.declare_conflict(first, assignment_of(application, first), False)
    assert rules.has_perm("reviews.read_application", first, application)


def test_a_conflict_recuses_the_reviewer():
    application, _coordinator, (first, _second) = states.in_review()
    assignment = services.declare_conflict(
        first, assignment_of(application, first), True, " Ich war dort Geschäftsführer. "
    )
    assert assignment.status == "recused"
    declaration = ConflictDeclaration.objects.get()
    assert (declaration.has_conflict, declaration.note) == (True, "Ich war dort Geschäftsführer.")
    with pytest.raises(PermissionDenied):
        services.submit_review(first, assignment, states.REVIEW)
    assert not Review.objects.exists()


def test_a_conflict_needs_a_description():
    application, _coordinator, (first, _second) = states.in_review()
    with pytest.raises(RuleViolation) as refused:
        services.declare_conflict(first, assignment_of(application, first), True, "  ")
    assert refused.value.errors == {"note": ["Please describe the conflict of interest."]}
    assert not ConflictDeclaration.objects.exists()
    assert assignment_of(application, first).status == "open"


def test_repeating_the_current_declaration_is_refused():
    """A second declaration is a correction (tests/reviews/test_conflicts.py); the same one
    again changes nothing."""
    application, _coordinator, (first, _second) = states.in_review()
    services.declare_conflict(first, assignment_of(application, first), False)
    with pytest.raises(RuleViolation) as refused:
        services.declare_conflict(first, assignment_of(application, first), False)
    assert refused.value.errors == {"kind": ["This is already your current declaration."]}
    assert ConflictDeclaration.objects.get().has_conflict is False


def test_only_the_assigned_reviewer_declares_declines_and_reviews():
    application, coordinator, (first, second) = states.in_review()
    assignment = assignment_of(application, first)
    for user in (second, coordinator, application.created_by):
        with pytest.raises(PermissionDenied):
            services.declare_conflict(user, assignment, False)
        with pytest.raises(PermissionDenied):
            services.decline_assignment(user, assignment)
        with pytest.raises(PermissionDenied):
            services.submit_review(user, assignment, states.REVIEW)
    assert assignment_of(application, first).status == "open"


# ----- reviews ---------------------------------------------------------------------------------


def test_the_last_required_review_completes_the_round_automatically():
    application, coordinator, (first, second, third) = states.with_reviewers(count=3)
    application = services.start_review(coordinator, application)
    states.review(first, application)
    application.refresh_from_db()
    assert application.state == "in_review"

    states.review(second, application)
    application.refresh_from_db()
    assert application.state == "awaiting_decision"
    assert application.awaiting_since is not None
    log = StateLog.objects.for_(application).latest("timestamp")
    shown = history_notes.render(log.description)
    assert (log.transition, log.source_state, log.state, log.by, shown) == (
        "complete_review",
        "in_review",
        "awaiting_decision",
        second,
        AUTOMATIC,
    )
    # The extra assignment is no longer needed: closed, and it cannot be used any more.
    assert statuses(application) == {
        first.username: "done",
        second.username: "done",
        third.username: "closed",
    }
    with pytest.raises(StateConflict):
        services.declare_conflict(third, assignment_of(application, third), False)
    with pytest.raises(StateConflict):
        services.submit_review(third, assignment_of(application, third), states.REVIEW)


def test_reviews_required_follows_the_programme():
    programme = factories.ProgrammeFactory(reviews_required=1)
    application, _coordinator, (first,) = states.in_review(programme=programme)
    states.review(first, application)
    application.refresh_from_db()
    assert application.state == "awaiting_decision"


def test_no_review_before_the_review_starts():
    application, _coordinator, (first, _second) = states.with_reviewers()
    assignment = services.declare_conflict(first, assignment_of(application, first), False)
    with pytest.raises(StateConflict):
        services.submit_review(first, assignment, states.REVIEW)
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"score_risk": 6}, {"score_risk": ["Please give a score from 1 to 5."]}),
        ({"score_viability": 0}, {"score_viability": ["Please give a score from 1 to 5."]}),
        ({"score_employment": None}, {"score_employment": ["Please give a score from 1 to 5."]}),
        ({"score_management": "4"}, {"score_management": ["Please give a score from 1 to 5."]}),
        ({"recommendation": "maybe"}, {"recommendation": ["Please choose a recommendation."]}),
        ({"comment": "  "}, {"comment": ["Please write a comment for the board."]}),
    ],
)
def test_review_with_invalid_data_is_refused(changes, errors):
    application, _coordinator, (first, _second) = states.in_review()
    assignment = services.declare_conflict(first, assignment_of(application, first), False)
    with pytest.raises(RuleViolation) as refused:
        services.submit_review(first, assignment, {**states.REVIEW, **changes})
    assert refused.value.errors == errors
    assert not Review.objects.exists()
    assert assignment_of(application, first).status == "open"


def test_review_with_scores_at_the_bounds_is_accepted():
    application, _coordinator, (first, _second) = states.in_review()
    assignment = services.declare_conflict(first, assignment_of(application, first), False)
    data = {**states.REVIEW, "score_viability": 1, "score_risk": 5}
    review = services.submit_review(first, assignment, data)
    points = dict(review.scores.values_list("criterion__key", "value"))
    assert points == {"viability": 1, "employment": 5, "cooperation": 4, "risk": 5, "management": 4}
    assert review.total == Decimal("3.80")


def test_a_review_is_refused_with_every_missing_field_named():
    application, _coordinator, (first, _second) = states.in_review()
    assignment = services.declare_conflict(first, assignment_of(application, first), False)
    with pytest.raises(RuleViolation) as refused:
        services.submit_review(first, assignment, {})
    rubric = review_selectors.current_rubric(application.programme)
    scores = {f"score_{criterion.key}" for criterion in rubric.criteria.all()}
    assert scores == {
        "score_viability",
        "score_employment",
        "score_cooperation",
        "score_risk",
        "score_management",
    }
    assert set(refused.value.errors) == {*scores, "confidence", "recommendation", "comment"}


def test_coordinator_closes_the_round_with_fewer_reviews_only_with_a_reason():
    application, coordinator, (first, second) = states.in_review()
    states.review(first, application)
    with pytest.raises(RuleViolation):
        services.close_review_round(coordinator, application, "")
    application = services.close_review_round(
        coordinator, application, " The second reviewer is ill. "
    )
    assert application.state == "awaiting_decision"
    log = StateLog.objects.for_(application).latest("timestamp")
    assert (log.by, log.description) == (coordinator, "The second reviewer is ill.")
    assert statuses(application) == {first.username: "done", second.username: "closed"}


@pytest.mark.parametrize("role", ["reviewer", "board", "applicant"])
def test_only_the_coordination_office_closes_a_round(role):
    application, _coordinator, (first, _second) = states.in_review()
    user = {
        "reviewer": first,
        "board": factories.board_member(),
        "applicant": application.created_by,
    }[role]
    with pytest.raises(PermissionDenied):
        services.close_review_round(user, application, "Genug.")
    application.refresh_from_db()
    assert application.state == "in_review"


def test_reviews_can_be_edited_until_the_board_decides():
    application, _coordinator, (first, second) = states.in_review()
    states.review(first, application)
    states.review(second, application)
    application.refresh_from_db()
    assert application.state == "awaiting_decision"
    assignment = assignment_of(application, first)
    services.submit_review(first, assignment, {**states.REVIEW, "comment": "Nachgeschärft."})
    assert Review.objects.get(assignment=assignment).comment == "Nachgeschärft."
    assert Review.objects.count() == 2
    # Editing while awaiting the decision does not fire anything again.
    assert StateLog.objects.for_(application).filter(transition="complete_review").count() == 1

    first_member, second_member = states.deciding_board(application)
    decision = decision_services.propose_decision(
        first_member, application, "approve", amount=application.requested_amount
    )
    services.submit_review(
        first, assignment, {**states.REVIEW, "comment": "Noch vor dem Bescheid."}
    )
    decision_services.confirm_decision(second_member, decision)
    with pytest.raises(StateConflict):
        services.submit_review(first, assignment, {**states.REVIEW, "comment": "Zu spät."})
    assert Review.objects.get(assignment=assignment).comment == "Noch vor dem Bescheid."


def test_reviews_are_frozen_when_the_board_sends_the_application_back():
    application, _coordinator, (first, second) = states.in_review()
    states.review(first, application)
    states.review(second, application)
    application.refresh_from_db()
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    (member,) = states.deciding_board(application, count=1)
    application_services.return_for_revision(member, application, "Bitte ergänzen.", deadline)
    with pytest.raises(StateConflict):
        services.submit_review(first, assignment_of(application, first), states.REVIEW)


def test_a_reviewer_who_is_also_on_the_board_is_logged_as_such_when_completing():
    # The automatic completion names the reviewer, whatever other roles they have.
    member = factories.reviewer()
    member.groups.add(Group.objects.get(name="board"))
    programme = factories.ProgrammeFactory(reviews_required=1)
    application, coordinator, _reviewers = states.with_reviewers(count=1, programme=programme)
    services.remove_assignment(coordinator, application.assignments.get())
    services.assign_reviewer(coordinator, application, member)
    services.start_review(coordinator, application)
    states.review(member, application)
    log = StateLog.objects.for_(application).latest("timestamp")
    assert (log.by, history_notes.render(log.description)) == (member, AUTOMATIC)


# ----- resubmission: a new round ---------------------------------------------------------------


def test_resubmission_starts_a_new_round_with_new_assignments():
    application, coordinator, (first, second) = states.in_review()
    round_one = {a.reviewer_id: a.pk for a in application.assignments.all()}
    states.review(first, application)
    states.review(second, application)
    application.refresh_from_db()
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    (member,) = states.deciding_board(application, count=1)
    application = application_services.return_for_revision(
        member, application, "Bitte ergänzen.", deadline
    )
    application = application_services.submit(
        application.created_by, application, states.DECLARATIONS
    )
    assert application.submission_count == 2

    # The same experts can be assigned again: new rows for round 2.
    again = services.assign_reviewer(coordinator, application, first)
    other = services.assign_reviewer(coordinator, application, factories.reviewer())
    assert (again.round, other.round) == (2, 2)
    assert again.pk != round_one[first.pk]
    assert Assignment.objects.filter(application=application, round=1).count() == 2
    assert Review.objects.filter(assignment__round=1).count() == 2

    application = services.start_review(coordinator, application)
    # A new round needs a new declaration.
    with pytest.raises(PermissionDenied):
        services.submit_review(first, again, states.REVIEW)
    # The review of round 1 stays as it was.
    with pytest.raises(StateConflict) as refused:
        services.submit_review(first, assignment_of(application, first, round=1), states.REVIEW)
    assert str(refused.value.message) == "This review belongs to an earlier round."
    services.declare_conflict(first, again, False)
    services.submit_review(first, again, {**states.REVIEW, "comment": "Zweite Runde."})
    assert list(
        Review.objects.filter(assignment__reviewer=first)
        .order_by("assignment__round")
        .values_list("assignment__round", "comment")
    ) == [(1, "Tragfähiges Konzept."), (2, "Zweite Runde.")]
    application = Application.objects.get(pk=application.pk)
    assert application.state == "in_review"


def test_round_one_assignments_do_not_count_for_round_two():
    application, coordinator, (first, second) = states.with_reviewers()
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    application = application_services.return_for_revision(
        coordinator, application, "Bitte ergänzen.", deadline
    )
    application = application_services.submit(
        application.created_by, application, states.DECLARATIONS
    )
    with pytest.raises(RuleViolation):
        services.start_review(coordinator, application)
    assert statuses(application) == {}


@pytest.mark.parametrize("leave", ["return", "withdraw"])
def test_leaving_the_review_closes_open_assignments(leave):
    application, coordinator, reviewers = states.in_review()
    states.review(reviewers[0], application)
    if leave == "withdraw":
        application_services.withdraw(application.created_by, application)
    else:
        application = states.submitted()
        _app, coordinator, reviewers = states.with_reviewers(application=application)
        application_services.return_for_revision(
            coordinator,
            application,
            "Bitte ergänzen.",
            datetime.date.today() + datetime.timedelta(days=7),
        )
    statuses = dict(application.assignments.values_list("reviewer_id", "status"))
    expected = "done" if leave == "withdraw" else "closed"
    assert statuses == {reviewers[0].pk: expected, reviewers[1].pk: "closed"}
