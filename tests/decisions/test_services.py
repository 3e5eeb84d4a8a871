"""Board decisions: four eyes, one open proposal, budget and de minimis, separation of duties."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications import history_notes, services
from decisions import selectors as decision_selectors
from decisions import services as decision_services
from decisions import tasks
from decisions.models import Decision, DecisionLetter
from funding.errors import RuleViolation, StateConflict
from funding.models import Membership
from reviews import services as review_services
from tests import factories, states

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = Decimal


@pytest.fixture
def queued_letters(monkeypatch):
    """The ids the letter task was queued with (instead of rendering them)."""
    queued = []
    monkeypatch.setattr(tasks.generate_decision_letter, "delay", queued.append)
    return queued


def name(user):
    return user.get_full_name()


def board(*applications):
    """A board member who declared no conflict of interest for each of ``applications``."""
    member = factories.board_member()
    for application in applications:
        states.board_declares(member, application)
    return member


def propose_approval(user, application, amount=None, **kwargs):
    return decision_services.propose_decision(
        user,
        application,
        "approve",
        amount=amount or D("50000"),
        conditions="Annual proof of use.",
        **kwargs,
    )


def last_log(application):
    return StateLog.objects.for_(application).latest("timestamp")


# ----- four eyes -------------------------------------------------------------------------------


def test_proposal_waits_for_a_second_member_whose_confirmation_approves(
    django_capture_on_commit_callbacks, queued_letters
):
    application = states.awaiting_decision()
    first, second = board(application), board(application)
    logs = StateLog.objects.for_(application).count()

    decision = propose_approval(first, application)
    application.refresh_from_db()
    assert application.state == "awaiting_decision"
    assert StateLog.objects.for_(application).count() == logs
    assert (decision.status, decision.proposed_by, decision.confirmed_by) == ("open", first, None)
    assert decision.application_version == application.versions.get(number=1)
    assert (decision.amount, decision.conditions) == (D("50000"), "Annual proof of use.")
    assert DecisionLetter.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        decision_services.confirm_decision(second, decision)
    application.refresh_from_db()
    decision.refresh_from_db()
    assert application.state == "approved"
    assert (decision.status, decision.confirmed_by) == ("confirmed", second)
    assert decision.confirmed_at is not None
    log = last_log(application)
    assert (log.source_state, log.state, log.by, history_notes.render(log.description)) == (
        "awaiting_decision",
        "approved",
        second,
        f"Proposed by {name(first)}, confirmed by {name(second)}",
    )
    letter = DecisionLetter.objects.get()
    assert (letter.application, letter.decision, letter.number, letter.status) == (
        application,
        decision,
        1,
        "pending",
    )
    assert letter.language == application.organization.language
    assert len(callbacks) == 1
    assert queued_letters == [letter.pk]


def test_confirmed_rejection_also_gets_a_letter(django_capture_on_commit_callbacks, queued_letters):
    application = states.awaiting_decision()
    first, second = board(application), board(application)
    decision = decision_services.propose_decision(
        first, application, "reject", reasons=" Not viable. "
    )
    assert (decision.reasons, decision.amount) == ("Not viable.", None)
    with django_capture_on_commit_callbacks(execute=True):
        decision_services.confirm_decision(second, decision)
    application.refresh_from_db()
    assert application.state == "rejected"
    letter = DecisionLetter.objects.get()
    assert letter.decision == decision
    assert queued_letters == [letter.pk]


def test_proposer_cannot_confirm_their_own_proposal():
    application = states.awaiting_decision()
    first = board(application)
    decision = propose_approval(first, application)
    with pytest.raises(PermissionDenied):
        decision_services.confirm_decision(first, decision)
    decision.refresh_from_db()
    application.refresh_from_db()
    assert (decision.status, application.state) == ("open", "awaiting_decision")
    assert DecisionLetter.objects.count() == 0


@pytest.mark.parametrize("role", ["coordinator", "reviewer", "applicant", "nobody"])
def test_only_board_members_confirm(role):
    application = states.awaiting_decision()
    decision = propose_approval(board(application), application)
    user = {
        "coordinator": factories.coordinator,
        "reviewer": factories.reviewer,
        "applicant": lambda: application.created_by,
        "nobody": factories.UserFactory,
    }[role]()
    with pytest.raises(PermissionDenied):
        decision_services.confirm_decision(user, decision)
    with pytest.raises(PermissionDenied):
        decision_services.object_to_decision(user, decision, "No.")
    decision.refresh_from_db()
    assert decision.status == "open"


def test_objection_closes_the_proposal_and_allows_a_new_one(queued_letters):
    application = states.awaiting_decision()
    first, second = board(application), board(application)
    decision = propose_approval(first, application)
    objected = decision_services.object_to_decision(second, decision, "  The amount is too high. ")
    assert (objected.status, objected.confirmed_by, objected.closing_note) == (
        "objected",
        second,
        "The amount is too high.",
    )
    application.refresh_from_db()
    assert application.state == "awaiting_decision"
    with pytest.raises(StateConflict):
        decision_services.confirm_decision(second, decision)
    # The objector may propose next; the first proposer confirms.
    new = propose_approval(second, application, amount=D("40000"))
    decision_services.confirm_decision(first, new)
    application.refresh_from_db()
    assert application.state == "approved"
    assert list(application.decisions.order_by("pk").values_list("status", "amount")) == [
        ("objected", D("50000")),
        ("confirmed", D("40000")),
    ]


def test_objection_needs_a_note_and_another_member():
    application = states.awaiting_decision()
    first, second = board(application), board(application)
    decision = propose_approval(first, application)
    with pytest.raises(RuleViolation) as refused:
        decision_services.object_to_decision(second, decision, " ")
    assert refused.value.errors == {"note": ["Please say why you object."]}
    with pytest.raises(PermissionDenied):
        decision_services.object_to_decision(first, decision, "Changed my mind.")
    decision.refresh_from_db()
    assert decision.status == "open"


def test_only_one_open_proposal_per_application():
    application = states.awaiting_decision()
    first, second = board(application), board(application)
    propose_approval(first, application)
    with pytest.raises(StateConflict) as refused:
        decision_services.propose_decision(second, application, "reject", reasons="Not viable.")
    assert str(refused.value.message) == (
        "A decision has already been proposed for this application."
    )
    assert application.decisions.count() == 1


def test_a_second_proposal_is_a_conflict_even_when_its_amount_breaks_the_budget():
    # The application's own open proposal must not be counted as a reason to refuse: the
    # answer is "there is already a proposal" (409), not "the budget is exceeded" (422).
    programme = factories.ProgrammeFactory(budget=D("100000"))
    application = states.awaiting_decision(programme=programme)
    propose_approval(board(application), application, amount=D("60000"))
    with pytest.raises(StateConflict):
        propose_approval(board(application), application, amount=D("60000"))


def test_without_four_eyes_a_proposal_takes_effect_at_once(
    django_capture_on_commit_callbacks, queued_letters
):
    application = states.awaiting_decision(programme=factories.ProgrammeFactory(four_eyes=False))
    member = board(application)
    with django_capture_on_commit_callbacks(execute=True):
        decision = propose_approval(member, application)
    application.refresh_from_db()
    assert application.state == "approved"
    assert (decision.status, decision.proposed_by, decision.confirmed_by) == (
        "confirmed",
        member,
        member,
    )
    log = last_log(application)
    assert (log.by, history_notes.render(log.description)) == (member, f"Decided by {name(member)}")
    letter = DecisionLetter.objects.get()
    assert queued_letters == [letter.pk]


def test_decision_terms_default_to_the_application_and_can_be_changed():
    application = states.awaiting_decision()
    decision = propose_approval(
        board(application), application, loan_term_months=60, interest_rate=D("2.00")
    )
    assert (
        decision.instrument,
        decision.loan_term_months,
        decision.interest_rate,
        decision.grace_period_months,
    ) == ("loan", 60, D("2.00"), 12)


# ----- amount, budget and de minimis headroom --------------------------------------------------


def test_amount_equal_to_requested_and_remaining_budget_is_approved():
    programme = factories.ProgrammeFactory(budget=D("120000"))
    states.approved(programme=programme)  # 60,000 granted
    application = states.awaiting_decision(programme=programme)
    decision = propose_approval(board(application), application, amount=D("60000"))
    decision_services.confirm_decision(board(application), decision)
    application.refresh_from_db()
    assert application.state == "approved"
    assert decision_selectors.committed_budget(programme) == D("120000")


def test_amount_above_the_requested_amount_is_refused():
    application = states.awaiting_decision()
    with pytest.raises(RuleViolation) as refused:
        propose_approval(board(application), application, amount=D("60000.01"))
    assert refused.value.errors == {
        "amount": ["The granted amount may not exceed the requested amount of 60,000.00 €."]
    }
    assert application.decisions.count() == 0


def test_confirmed_approvals_of_the_programme_reduce_the_remaining_budget():
    programme = factories.ProgrammeFactory(budget=D("100000"))
    states.approved(programme=programme, amount=D("55000"))
    states.approved(amount=D("60000"))  # another programme: does not count
    application = states.awaiting_decision(programme=programme)
    with pytest.raises(RuleViolation) as refused:
        propose_approval(board(application), application, amount=D("45000.01"))
    assert refused.value.errors == {
        "amount": ["The granted amount exceeds the remaining budget of 45,000.00 €."]
    }
    assert propose_approval(board(application), application, amount=D("45000")).pk


def test_open_proposals_of_other_applications_count_at_proposal():
    programme = factories.ProgrammeFactory(budget=D("100000"))
    other = states.awaiting_decision(programme=programme)
    propose_approval(board(other), other, amount=D("60000"))
    application = states.awaiting_decision(programme=programme)
    with pytest.raises(RuleViolation) as refused:
        propose_approval(board(application), application, amount=D("40000.01"))
    assert refused.value.errors == {
        "amount": ["The granted amount exceeds the remaining budget of 40,000.00 €."]
    }
    assert propose_approval(board(application), application, amount=D("40000")).pk


def test_objected_void_and_rejection_proposals_do_not_count():
    programme = factories.ProgrammeFactory(budget=D("100000"))
    objected = states.awaiting_decision(programme=programme)
    first, second = board(objected), board(objected)
    decision_services.object_to_decision(
        second, propose_approval(first, objected, D("60000")), "No."
    )
    voided = states.awaiting_decision(programme=programme)
    states.board_declares(first, voided)
    propose_approval(first, voided, D("60000"))
    services.withdraw(voided.created_by, voided)
    rejected = states.awaiting_decision(programme=programme)
    states.board_declares(first, rejected)
    decision_services.propose_decision(first, rejected, "reject", reasons="Not viable.")
    application = states.awaiting_decision(programme=programme)
    states.board_declares(first, application)
    assert decision_selectors.reserved_budget(programme) == D("0")
    assert propose_approval(first, application, amount=D("60000")).amount == D("60000")


def test_budget_is_enforced_again_at_confirmation():
    programme = factories.ProgrammeFactory(budget=D("100000"))
    application = states.awaiting_decision(programme=programme)
    decision = propose_approval(board(application), application, amount=D("60000"))
    programme.budget = D("59999.99")
    programme.save()
    with pytest.raises(RuleViolation) as refused:
        decision_services.confirm_decision(board(application), decision)
    assert refused.value.errors == {
        "amount": ["The granted amount exceeds the remaining budget of 59,999.99 €."]
    }
    application.refresh_from_db()
    decision.refresh_from_db()
    assert (application.state, decision.status) == ("awaiting_decision", "open")
    assert DecisionLetter.objects.count() == 0


def test_confirmation_does_not_count_its_own_proposal_twice():
    programme = factories.ProgrammeFactory(budget=D("60000"))
    application = states.awaiting_decision(programme=programme)
    decision = propose_approval(board(application), application, amount=D("60000"))
    decision_services.confirm_decision(board(application), decision)
    application.refresh_from_db()
    assert application.state == "approved"


def test_amount_above_requested_budget_and_de_minimis_headroom_lists_each_rule():
    programme = factories.ProgrammeFactory(budget=D("110000"))
    states.approved(programme=programme)  # 60,000 granted → 50,000 remain
    application = states.awaiting_decision(programme=programme)
    # The ceiling is lowered after the submission: 50,000 − 10,000 received = 40,000 headroom.
    programme.de_minimis_ceiling = D("50000")
    programme.save()
    with pytest.raises(RuleViolation) as refused:
        propose_approval(board(application), application, amount=D("60000.01"))
    assert refused.value.errors == {
        "amount": [
            "The granted amount may not exceed the requested amount of 60,000.00 €.",
            "The granted amount exceeds the remaining budget of 50,000.00 €.",
            "The granted amount exceeds the de minimis headroom of 40,000.00 €.",
        ]
    }
    assert application.decisions.count() == 0


def test_amount_equal_to_the_de_minimis_headroom_is_approved():
    programme = factories.ProgrammeFactory()
    application = states.awaiting_decision(programme=programme)
    other = states.awaiting_decision(programme=programme)
    programme.de_minimis_ceiling = D("50000")  # 50,000 − 10,000 received = 40,000 headroom
    programme.save()
    with pytest.raises(RuleViolation) as refused:
        propose_approval(board(other), other, amount=D("40000.01"))
    assert refused.value.errors == {
        "amount": ["The granted amount exceeds the de minimis headroom of 40,000.00 €."]
    }
    decision = propose_approval(board(application), application, amount=D("40000"))
    decision_services.confirm_decision(board(application), decision)
    application.refresh_from_db()
    assert application.state == "approved"


@pytest.mark.parametrize("reasons", ["", "   ", None])
def test_rejection_needs_reasons(reasons):
    application = states.awaiting_decision()
    with pytest.raises(RuleViolation) as refused:
        decision_services.propose_decision(
            board(application), application, "reject", reasons=reasons
        )
    assert refused.value.errors == {"reasons": ["Please give reasons."]}
    assert application.decisions.count() == 0


# ----- separation of duties ------------------------------------------------------------------


def reviewer_on_the_board():
    user = factories.reviewer()
    user.groups.add(Group.objects.get(name="board"))
    return user


def test_a_board_member_who_reviewed_it_cannot_propose_confirm_object_or_return():
    member = reviewer_on_the_board()
    application, coordinator, (other,) = states.with_reviewers(count=1)
    review_services.assign_reviewer(coordinator, application, member)
    review_services.start_review(coordinator, application)
    states.review(member, application)
    states.review(other, application)
    application.refresh_from_db()
    assert application.state == "awaiting_decision"

    with pytest.raises(PermissionDenied):
        propose_approval(member, application)
    decision = propose_approval(board(application), application)
    with pytest.raises(PermissionDenied):
        decision_services.confirm_decision(member, decision)
    with pytest.raises(PermissionDenied):
        decision_services.object_to_decision(member, decision, "No.")
    with pytest.raises(PermissionDenied):
        services.return_for_revision(
            member, application, "Bitte ergänzen.", timezone.localdate() + datetime.timedelta(7)
        )
    decision.refresh_from_db()
    assert decision.status == "open"


def test_a_board_member_who_declared_a_conflict_cannot_decide_either():
    member = reviewer_on_the_board()
    application, coordinator, _reviewers = states.with_reviewers()
    assignment = review_services.assign_reviewer(coordinator, application, member)
    review_services.declare_conflict(member, assignment, has_conflict=True, note="Mein Bruder.")
    review_services.start_review(coordinator, application)
    for reviewer in _reviewers:
        states.review(reviewer, application)
    application.refresh_from_db()
    with pytest.raises(PermissionDenied):
        propose_approval(member, application)


def test_a_board_member_who_reviewed_an_earlier_round_cannot_decide():
    member = reviewer_on_the_board()
    application, coordinator, reviewers = states.with_reviewers()
    review_services.assign_reviewer(coordinator, application, member)
    review_services.start_review(coordinator, application)
    states.review(member, application)
    application.refresh_from_db()
    # Round 1 ends with the board sending it back; round 2 is reviewed by others.
    states.review(reviewers[0], application)
    application.refresh_from_db()
    application = services.return_for_revision(
        board(application),
        application,
        "Bitte ergänzen.",
        timezone.localdate() + datetime.timedelta(7),
    )
    application = services.submit(application.created_by, application, states.DECLARATIONS)
    states.with_reviewers(application=application)
    application = review_services.start_review(coordinator, application)
    for assignment in application.assignments.filter(round=2):
        states.review(assignment.reviewer, application)
    application.refresh_from_db()
    assert (application.state, application.submission_count) == ("awaiting_decision", 2)
    with pytest.raises(PermissionDenied):
        propose_approval(member, application)


def test_a_board_member_of_the_organisation_cannot_propose_confirm_or_object():
    application = states.awaiting_decision()
    member = factories.board_member()
    Membership.objects.create(user=member, organization=application.organization)
    with pytest.raises(PermissionDenied):
        propose_approval(member, application)
    decision = propose_approval(board(application), application)
    with pytest.raises(PermissionDenied):
        decision_services.confirm_decision(member, decision)
    with pytest.raises(PermissionDenied):
        decision_services.object_to_decision(member, decision, "No.")
    decision.refresh_from_db()
    assert decision.status == "open"


# ----- a return or a withdrawal voids the open proposal ----------------------------------------


def test_board_return_voids_the_open_proposal():
    application = states.awaiting_decision()
    first, second = board(application), board(application)
    decision = propose_approval(first, application)
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    application = services.return_for_revision(second, application, "Bitte ergänzen.", deadline)
    decision.refresh_from_db()
    assert (application.state, decision.status) == ("returned", "void")
    log = last_log(application)
    assert (log.source_state, log.state, log.by, log.description) == (
        "awaiting_decision",
        "returned",
        second,
        "Bitte ergänzen.",
    )
    with pytest.raises(StateConflict):
        decision_services.confirm_decision(second, decision)
    assert DecisionLetter.objects.count() == 0


def test_withdrawal_voids_the_open_proposal():
    application = states.awaiting_decision()
    first, second = board(application), board(application)
    decision = propose_approval(first, application)
    services.withdraw(application.created_by, application)
    decision.refresh_from_db()
    assert decision.status == "void"
    with pytest.raises(StateConflict):
        decision_services.confirm_decision(second, decision)
    with pytest.raises(StateConflict):
        decision_services.object_to_decision(second, decision, "No.")
    assert DecisionLetter.objects.count() == 0


def test_after_a_return_and_resubmission_a_new_proposal_is_possible():
    application = states.awaiting_decision()
    first, second = board(application), board(application)
    propose_approval(first, application)
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    application = services.return_for_revision(second, application, "Bitte ergänzen.", deadline)
    application = services.submit(application.created_by, application, states.DECLARATIONS)
    application, coordinator, reviewers = states.with_reviewers(application=application)
    application = review_services.start_review(coordinator, application)
    for reviewer in reviewers:
        states.review(reviewer, application)
    application.refresh_from_db()
    # A new round: the board declares again.
    with pytest.raises(PermissionDenied):
        propose_approval(first, application)
    states.board_declares(first, application)
    states.board_declares(second, application)
    decision = propose_approval(first, application)
    assert decision.application_version.number == 2
    decision_services.confirm_decision(second, decision)
    application.refresh_from_db()
    assert application.state == "approved"
    assert list(application.decisions.values_list("status", flat=True).order_by("pk")) == [
        "void",
        "confirmed",
    ]


def test_no_decision_before_the_review_round_is_closed():
    application, _coordinator, _reviewers = states.in_review()
    with pytest.raises(StateConflict):
        propose_approval(factories.board_member(), application)
    assert Decision.objects.count() == 0


def test_grants_of_this_fund_after_the_declaration_count_against_de_minimis_once():
    programme = factories.ProgrammeFactory(de_minimis_ceiling=D("120000"))
    company = factories.OrganizationFactory()
    # Declared at its submission: 10,000 received. Then this fund grants 60,000 elsewhere.
    application = states.awaiting_decision(programme=programme, organization=company)
    states.approved(programme=programme, organization=company)
    with pytest.raises(RuleViolation) as refused:
        propose_approval(board(application), application, amount=D("60000"))
    assert refused.value.errors == {
        "amount": ["The granted amount exceeds the de minimis headroom of 50,000.00 €."]
    }
    # 120,000 − 10,000 declared − 60,000 granted since = 50,000 headroom.
    # Submitted later, the company declares the grant itself (60,000): not counted twice,
    # so 120,000 − 60,000 = 60,000 remain.
    later = states.awaiting_decision(
        programme=programme, organization=company, de_minimis_received=D("60000")
    )
    decision = propose_approval(board(later), later, amount=D("60000"))
    assert decision.status == "open"
