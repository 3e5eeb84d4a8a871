"""The state machine through the services: who may fire which transition from which state.

Refused by role → PermissionDenied (403); refused by state → StateConflict (409); refused by a
rule → RuleViolation (422). Every transition that happens writes one django-fsm-log row.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications import history_notes, services
from applications.models import Application, ApplicationVersion, ReferenceCounter
from decisions import services as decision_services
from funding.errors import RuleViolation, StateConflict
from reviews import services as review_services
from reviews.models import Review
from tests import factories, states

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

ROLES = ("applicant", "other_applicant", "coordinator", "reviewer", "board", "nobody", "anonymous")
ALL_STATES = tuple(states.REACH)
OPEN_STATES = ("draft", "submitted", "returned", "in_review", "awaiting_decision")
REASON = "Bitte ergänzen Sie den Finanzierungsplan."


def future():
    return timezone.localdate() + datetime.timedelta(days=14)


def actor(role, application):
    """A user in ``role`` relative to ``application``."""
    if role == "applicant":
        return application.created_by
    if role == "other_applicant":
        return factories.applicant()
    if role == "coordinator":
        return factories.coordinator()
    if role == "reviewer":
        return factories.reviewer()
    if role == "board":
        return factories.board_member()
    if role == "nobody":
        return factories.UserFactory()
    return AnonymousUser()


def reach(state):
    """An application in ``state``; from awaiting_decision a decision takes effect at once."""
    four_eyes = state != "awaiting_decision"
    return states.reach(state, programme=factories.ProgrammeFactory(four_eyes=four_eyes))


# Each transition through its service, with a payload that passes every rule.
ACTIONS = {
    "submit": lambda user, app: services.submit(user, app, states.DECLARATIONS),
    "return_for_revision": lambda user, app: services.return_for_revision(
        user, app, REASON, future()
    ),
    "start_review": lambda user, app: review_services.start_review(user, app),
    "complete_review": lambda user, app: review_services.close_review_round(
        user, app, "One review is enough here."
    ),
    "approve": lambda user, app: decision_services.propose_decision(
        user, app, "approve", amount=Decimal("50000"), conditions="Annual proof of use."
    ),
    "reject": lambda user, app: decision_services.propose_decision(
        user, app, "reject", reasons="The financing is not secured."
    ),
    "withdraw": lambda user, app: services.withdraw(user, app, "Project postponed."),
}

# transition → {source state: the roles that may fire it from there}
ALLOWED = {
    "submit": {"draft": {"applicant"}, "returned": {"applicant"}},
    "return_for_revision": {"submitted": {"coordinator"}, "awaiting_decision": {"board"}},
    "start_review": {"submitted": {"coordinator"}},
    "complete_review": {"in_review": {"coordinator"}},
    "approve": {"awaiting_decision": {"board"}},
    "reject": {"awaiting_decision": {"board"}},
    "withdraw": {state: {"applicant"} for state in OPEN_STATES},
}

TARGETS = {
    "submit": "submitted",
    "return_for_revision": "returned",
    "start_review": "in_review",
    "complete_review": "awaiting_decision",
    "approve": "approved",
    "reject": "rejected",
    "withdraw": "withdrawn",
}


def description(transition, source, user):
    if transition == "submit":
        return "Version 2" if source == "returned" else "Version 1"
    if transition in ("approve", "reject"):
        return f"Decided by {user.get_full_name()}"
    return {
        "return_for_revision": REASON,
        "start_review": None,
        "complete_review": "One review is enough here.",
        "withdraw": "Project postponed.",
    }[transition]


ROLE_CASES = [
    (transition, state, role)
    for transition, sources in ALLOWED.items()
    for state in sources
    for role in ROLES
]
STATE_CASES = [
    (transition, state, role)
    for transition, sources in ALLOWED.items()
    for state in ALL_STATES
    if state not in sources
    for role in sorted(set().union(*sources.values()))
]


def log_rows(application):
    return list(
        StateLog.objects.for_(application)
        .order_by("timestamp", "pk")
        .values_list("transition", "source_state", "state", "by", "description")
    )


@pytest.mark.parametrize(("transition", "state", "role"), ROLE_CASES)
def test_transition_allowed_or_refused_by_role(transition, state, role):
    application = reach(state)
    user = actor(role, application)
    if role == "board" and role in ALLOWED[transition][state]:
        # A board member declares no conflict of interest before acting on the application.
        states.board_declares(user, application)
    before = log_rows(application)
    if role in ALLOWED[transition][state]:
        ACTIONS[transition](user, application)
        application.refresh_from_db()
        assert application.state == TARGETS[transition]
        log = StateLog.objects.for_(application).latest("timestamp")
        shown = history_notes.render(log.description) if log.description else log.description
        assert (log.transition, log.source_state, log.state, log.by_id, shown) == (
            transition,
            state,
            TARGETS[transition],
            user.pk,
            description(transition, state, user),
        )
        assert len(log_rows(application)) == len(before) + 1
    else:
        with pytest.raises(PermissionDenied):
            ACTIONS[transition](user, application)
        application.refresh_from_db()
        assert application.state == state
        assert log_rows(application) == before


@pytest.mark.parametrize(("transition", "state", "role"), STATE_CASES)
def test_transition_refused_by_state(transition, state, role):
    application = reach(state)
    user = actor(role, application)
    before = log_rows(application)
    with pytest.raises(StateConflict):
        ACTIONS[transition](user, application)
    application.refresh_from_db()
    assert application.state == state
    assert log_rows(application) == before


# ----- refused by a rule ---------------------------------------------------------------------


def test_submit_refused_by_rule():
    application = states.draft(staff_total=None)
    with pytest.raises(RuleViolation) as refused:
        services.submit(application.created_by, application, states.DECLARATIONS)
    assert refused.value.errors == {"staff_total": ["This field is required for the submission."]}
    application.refresh_from_db()
    assert application.state == "draft"
    assert log_rows(application) == []


@pytest.mark.parametrize(
    ("reason", "deadline", "errors"),
    [
        (
            "  ",
            None,
            {
                "reason": ["Please give the reason for the return."],
                "deadline": ["Please set a deadline for the revision."],
            },
        ),
        (REASON, "today", {"deadline": ["The deadline must lie in the future."]}),
        (REASON, "yesterday", {"deadline": ["The deadline must lie in the future."]}),
    ],
)
def test_return_refused_by_rule(reason, deadline, errors):
    application = states.submitted()
    days = {"today": 0, "yesterday": -1}
    if deadline is not None:
        deadline = timezone.localdate() + datetime.timedelta(days=days[deadline])
    with pytest.raises(RuleViolation) as refused:
        services.return_for_revision(factories.coordinator(), application, reason, deadline)
    assert refused.value.errors == errors
    application.refresh_from_db()
    assert application.state == "submitted"
    assert application.return_reason == ""


def test_return_records_reason_and_deadline_and_resubmission_clears_them():
    application = states.submitted()
    deadline = future()
    application = services.return_for_revision(
        factories.coordinator(), application, f"  {REASON}  ", deadline
    )
    assert (application.return_reason, application.return_deadline) == (REASON, deadline)
    application = services.submit(application.created_by, application, states.DECLARATIONS)
    assert (application.return_reason, application.return_deadline) == ("", None)


def test_start_review_refused_by_rule():
    application, coordinator, _reviewers = states.with_reviewers(count=1)
    with pytest.raises(RuleViolation) as refused:
        review_services.start_review(coordinator, application)
    assert refused.value.errors == {
        None: ["At least 2 active reviewer assignments are needed to start."]
    }


def test_close_review_round_refused_by_rule():
    application, coordinator, _reviewers = states.in_review()
    with pytest.raises(RuleViolation) as refused:
        review_services.close_review_round(coordinator, application, " ")
    assert refused.value.errors == {"reason": ["Please give the reason for closing the round."]}
    application.refresh_from_db()
    assert application.state == "in_review"


@pytest.mark.parametrize(
    ("outcome", "payload", "errors"),
    [
        (
            "approve",
            {"amount": None},
            {"amount": ["The granted amount must be greater than zero."]},
        ),
        (
            "approve",
            {"amount": Decimal("0")},
            {"amount": ["The granted amount must be greater than zero."]},
        ),
        ("reject", {"reasons": "  "}, {"reasons": ["Please give reasons."]}),
        ("grant", {}, {"outcome": ["Please choose approve or reject."]}),
    ],
)
def test_decision_refused_by_rule(outcome, payload, errors):
    application = states.awaiting_decision()
    (member,) = states.deciding_board(application, count=1)
    with pytest.raises(RuleViolation) as refused:
        decision_services.propose_decision(member, application, outcome, **payload)
    assert refused.value.errors == errors
    application.refresh_from_db()
    assert application.state == "awaiting_decision"
    assert application.decisions.count() == 0


# ----- the state is protected ----------------------------------------------------------------


def test_state_cannot_be_set_directly():
    application = Application.objects.get(pk=states.submitted().pk)
    with pytest.raises(AttributeError):
        application.state = "approved"
    assert application.state == "submitted"


def test_the_log_names_who_when_from_to_and_comment_for_a_whole_life():
    before = timezone.now()
    application = states.approved()
    rows = log_rows(application)
    assert [row[:3] for row in rows] == [
        ("submit", "draft", "submitted"),
        ("start_review", "submitted", "in_review"),
        ("complete_review", "in_review", "awaiting_decision"),
        ("approve", "awaiting_decision", "approved"),
    ]
    assert rows[0][3] == application.created_by.pk
    assert history_notes.render(rows[0][4]) == "Version 1"
    assert history_notes.render(rows[2][4]) == "automatic: the last required review was submitted"
    assert history_notes.render(rows[3][4]).startswith("Proposed by ")
    assert all(
        before <= log.timestamp <= timezone.now() for log in StateLog.objects.for_(application)
    )


# ----- reference numbers and versions --------------------------------------------------------


def test_reference_numbers_are_sequential_per_year_and_kept_on_resubmission():
    year = timezone.localdate().year
    first, second = states.submitted(), states.submitted()
    assert (first.reference, second.reference) == (f"RK-{year}-0001", f"RK-{year}-0002")
    first = services.return_for_revision(factories.coordinator(), first, REASON, future())
    first = services.submit(first.created_by, first, states.DECLARATIONS)
    assert first.reference == f"RK-{year}-0001"
    assert first.submission_count == 2
    assert states.submitted().reference == f"RK-{year}-0003"
    assert ReferenceCounter.objects.get(year=year).last == 3


def test_a_draft_has_no_reference_number():
    assert states.draft().reference is None


def test_reference_numbers_start_again_in_a_new_year_in_berlin_time(monkeypatch):
    first, second = states.draft(), states.draft()
    # 22:30 UTC on New Year's Eve is 23:30 in Berlin; 23:30 UTC is already the new year there.
    for application, hour in ((first, 22), (second, 23)):
        moment = datetime.datetime(2026, 12, 31, hour, 30, tzinfo=datetime.UTC)
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        services.submit(application.created_by, application, states.DECLARATIONS)
    monkeypatch.undo()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.reference, second.reference) == ("RK-2026-0001", "RK-2027-0001")


def test_each_submission_freezes_a_new_version():
    application = states.draft()
    user = application.created_by
    documents = {d.kind: d.sha256 for d in application.documents.all()}
    application = services.submit(user, application, states.DECLARATIONS)
    application = services.return_for_revision(
        factories.coordinator(), application, REASON, future()
    )
    application = services.update_application(
        user, application, {"other_funders": "Aktion Mensch, Stiftung Wohlfahrtspflege"}, 1
    )
    services.add_document(user, application, "other", states.pdf("extra.pdf", b"extra"))
    second_user = factories.applicant(organization=application.organization)
    application = services.submit(second_user, application, states.DECLARATIONS)

    first, second = ApplicationVersion.objects.filter(application=application).order_by("number")
    assert (first.number, second.number) == (1, 2)
    assert (first.submitted_by, second.submitted_by) == (user, second_user)
    assert second.submitted_at == application.last_submitted_at
    assert first.submitted_at == application.submitted_at
    for version in (first, second):
        assert (
            version.declared_truthful,
            version.declared_de_minimis,
            version.declared_authorized,
        ) == (True, True, True)
    assert {d["kind"]: d["sha256"] for d in first.snapshot["documents"]} == documents
    assert {d["kind"]: d["sha256"] for d in second.snapshot["documents"]} == {
        **documents,
        "other": application.documents.get(kind="other").sha256,
    }
    assert all(len(d["sha256"]) == 64 for d in second.snapshot["documents"])
    assert first.snapshot["other_funders"] == "Aktion Mensch"
    assert second.snapshot["other_funders"] == "Aktion Mensch, Stiftung Wohlfahrtspflege"
    assert first.snapshot["requested_amount"] == "60000.00"
    assert first.snapshot["planned_start"] == "2027-03-01"
    assert first.snapshot["organization"]["name"] == application.organization.name


def test_submission_with_a_missing_declaration_records_no_version():
    application = states.draft()
    with pytest.raises(RuleViolation):
        services.submit(
            application.created_by, application, {**states.DECLARATIONS, "declared_authorized": ""}
        )
    assert application.versions.count() == 0


# ----- edits ---------------------------------------------------------------------------------


def test_edit_bumps_the_version_and_saves_only_editable_fields():
    application = states.draft()
    application = services.update_application(
        application.created_by,
        application,
        {"title": "Neue Wäscherei", "state": "approved", "reference": "RK-1", "version": 99},
        expected_version=1,
    )
    application = Application.objects.get(pk=application.pk)
    assert (application.title, application.state, application.reference, application.version) == (
        "Neue Wäscherei",
        "draft",
        None,
        2,
    )


def test_stale_edit_is_refused_and_changes_nothing():
    application = states.draft()
    user = application.created_by
    services.update_application(user, application, {"title": "Erste Fassung"}, 1)
    with pytest.raises(StateConflict) as refused:
        services.update_application(user, application, {"title": "Veraltete Fassung"}, 1)
    assert str(refused.value.message) == (
        "Someone else saved this application in the meantime. Please reload it."
    )
    application.refresh_from_db()
    assert (application.title, application.version) == ("Erste Fassung", 2)


@pytest.mark.parametrize(
    "state", ["submitted", "in_review", "awaiting_decision", "approved", "rejected", "withdrawn"]
)
def test_edit_refused_outside_draft_and_returned(state):
    application = reach(state)
    title, version = application.title, application.version
    with pytest.raises(StateConflict) as refused:
        services.update_application(
            application.created_by, application, {"title": "Geändert"}, version
        )
    assert str(refused.value.message) == "The application can no longer be edited."
    application.refresh_from_db()
    assert (application.title, application.version) == (title, version)


def test_edit_allowed_when_returned():
    application = states.returned()
    application = services.update_application(
        application.created_by, application, {"jobs_new": 3}, application.version
    )
    assert Application.objects.get(pk=application.pk).jobs_new == 3


@pytest.mark.parametrize("role", ["other_applicant", "coordinator", "board", "nobody", "anonymous"])
def test_edit_refused_to_anyone_but_the_organisation(role):
    application = states.draft()
    with pytest.raises(PermissionDenied):
        services.update_application(actor(role, application), application, {"title": "X"}, 1)
    application.refresh_from_db()
    assert application.version == 1


# ----- creation ------------------------------------------------------------------------------


def test_create_application_for_own_organisation():
    user = factories.applicant()
    organization = user.memberships.get().organization
    programme = factories.ProgrammeFactory()
    application = services.create_application(user, programme, organization, "  Neue Kantine ")
    assert (application.title, application.state, application.created_by) == (
        "Neue Kantine",
        "draft",
        user,
    )
    assert application.version == 1


def test_create_application_refusals():
    user = factories.applicant()
    organization = user.memberships.get().organization
    with pytest.raises(PermissionDenied):
        services.create_application(
            user, factories.ProgrammeFactory(), factories.OrganizationFactory(), "X"
        )
    with pytest.raises(RuleViolation) as refused:
        services.create_application(user, factories.ProgrammeFactory(), organization, " ")
    assert refused.value.errors == {"title": ["Please give the project a title."]}
    closed = factories.ProgrammeFactory(closes_on=timezone.localdate() - datetime.timedelta(1))
    with pytest.raises(RuleViolation) as refused:
        services.create_application(user, closed, organization, "X")
    assert refused.value.errors == {None: ["The programme is not open for new applications."]}
    assert Application.objects.count() == 0


# ----- withdrawal ----------------------------------------------------------------------------


@pytest.mark.parametrize("state", OPEN_STATES)
def test_withdraw_from_each_open_state_without_a_reason(state):
    application = reach(state)
    application = services.withdraw(application.created_by, application)
    assert Application.objects.get(pk=application.pk).state == "withdrawn"
    log = StateLog.objects.for_(application).latest("timestamp")
    assert (log.source_state, log.state, log.description) == (state, "withdrawn", None)


def test_another_member_of_the_organisation_may_withdraw():
    application = states.submitted()
    colleague = factories.applicant(organization=application.organization)
    services.withdraw(colleague, application)
    log = StateLog.objects.for_(application).latest("timestamp")
    assert (log.state, log.by) == ("withdrawn", colleague)


# ----- a rolled-back transition leaves nothing behind ----------------------------------------


def test_failure_after_the_submit_transition_rolls_back_state_log_reference_and_version(
    monkeypatch,
):
    application = states.draft()

    def broken_snapshot(app):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "snapshot", broken_snapshot)
    with pytest.raises(RuntimeError):
        services.submit(application.created_by, application, states.DECLARATIONS)
    application = Application.objects.get(pk=application.pk)
    assert (application.state, application.reference, application.submission_count) == (
        "draft",
        None,
        0,
    )
    assert log_rows(application) == []
    assert application.versions.count() == 0
    assert not ReferenceCounter.objects.filter(last__gt=0).exists()


def test_failure_while_saving_a_withdrawal_leaves_no_log_row(monkeypatch):
    application = states.submitted()
    before = log_rows(application)

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("connection lost")

    monkeypatch.setattr(Application, "save", broken_save)
    with pytest.raises(RuntimeError):
        services.withdraw(application.created_by, application)
    monkeypatch.undo()
    application = Application.objects.get(pk=application.pk)
    assert application.state == "submitted"
    assert log_rows(application) == before
    assert len(before) == 1


def test_failure_after_an_automatic_complete_review_rolls_back_the_review_too(monkeypatch):
    application, _coordinator, (first, second) = states.in_review()
    states.review(first, application)
    assignment = application.assignments.get(reviewer=second)
    review_services.declare_conflict(second, assignment, has_conflict=False)

    def broken_update(self, **kwargs):
        raise RuntimeError("lock timeout")

    from django.db.models import QuerySet

    monkeypatch.setattr(QuerySet, "update", broken_update)
    with pytest.raises(RuntimeError):
        review_services.submit_review(second, assignment, states.REVIEW)
    monkeypatch.undo()
    application = Application.objects.get(pk=application.pk)
    assert application.state == "in_review"
    assert [row[0] for row in log_rows(application)] == ["submit", "start_review"]
    assignment.refresh_from_db()
    assert assignment.status == "open"
    assert not Review.objects.filter(assignment=assignment).exists()


def test_a_transition_reads_only_what_its_checks_need(django_assert_num_queries):
    """Withdrawing: lock the row, the user's memberships (the permission), log, the reactions of
    reviews, decisions and webhooks, save, and the mail written to the outbox (its recipients,
    its row).
    The permission reads the organisation by id, not the row."""
    application = states.submitted()
    user = application.created_by
    # savepoint, lock, memberships, log, close assignments, archive them, void proposals, the
    # active webhook endpoints (none), save, mail recipients, outbox row, release
    with django_assert_num_queries(12):
        services.withdraw(user, application, "Projekt verschoben.")
