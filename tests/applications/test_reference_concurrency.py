"""Concurrency guarantees, proven on PostgreSQL (SQLite serialises everything anyway).

Each test lets several threads, each with its own database connection, act at the same moment.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications import services
from applications.models import Application, ReferenceCounter
from decisions import selectors as decision_selectors
from decisions import services as decision_services
from decisions.models import Decision
from funding.errors import RuleViolation, StateConflict
from reviews import services as review_services
from tests import factories, states

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THREADS = 8


def run_concurrently(actions):
    """Run each callable in its own thread, all released at once; returns results or errors."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def target(index, action):
        # Each thread opens its own connection and closes it at the end.
        try:
            barrier.wait(timeout=30)
            outcomes[index] = action()
        except Exception as exc:  # the test inspects what each thread got
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=target, args=(index, action))
        for index, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_concurrent_submissions_get_distinct_sequential_reference_numbers():
    drafts = [states.draft() for _ in range(THREADS)]
    outcomes = run_concurrently(
        [
            lambda app=app: services.submit(app.created_by, app, states.DECLARATIONS).reference
            for app in drafts
        ]
    )
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    year = timezone.localdate().year
    assert sorted(outcomes) == [f"RK-{year}-{n:04d}" for n in range(1, THREADS + 1)]
    stored = Application.objects.filter(pk__in=[d.pk for d in drafts])
    assert sorted(stored.values_list("reference", flat=True)) == sorted(outcomes)
    assert set(stored.values_list("state", flat=True)) == {"submitted"}
    assert ReferenceCounter.objects.get(year=year).last == THREADS


def test_the_same_draft_submitted_twice_at_once_is_submitted_once():
    application = states.draft()
    colleague = factories.applicant(organization=application.organization)
    outcomes = run_concurrently(
        [
            lambda user=user: services.submit(user, application, states.DECLARATIONS)
            for user in (application.created_by, colleague)
        ]
    )
    assert sorted(type(outcome).__name__ for outcome in outcomes) == [
        "Application",
        "StateConflict",
    ]
    application.refresh_from_db()
    assert (application.state, application.submission_count) == ("submitted", 1)
    assert application.versions.count() == 1
    assert StateLog.objects.for_(application).count() == 1
    assert ReferenceCounter.objects.get(year=timezone.localdate().year).last == 1


def test_concurrent_edits_of_the_same_version_lose_no_update():
    application = states.draft()
    outcomes = run_concurrently(
        [
            lambda n=n: services.update_application(
                application.created_by, application, {"title": f"Fassung {n}"}, 1
            )
            for n in range(THREADS)
        ]
    )
    winners = [o for o in outcomes if isinstance(o, Application)]
    assert len(winners) == 1
    assert all(isinstance(o, StateConflict) for o in outcomes if o not in winners)
    application.refresh_from_db()
    assert (application.title, application.version) == (winners[0].title, 2)


def test_concurrent_proposals_never_exceed_the_budget():
    programme = factories.ProgrammeFactory(budget=Decimal("100000"))
    applications = [states.awaiting_decision(programme=programme) for _ in range(3)]
    members = [states.deciding_board(app, count=1)[0] for app in applications]
    outcomes = run_concurrently(
        [
            lambda app=app, member=member: decision_services.propose_decision(
                member, app, "approve", amount=Decimal("40000")
            )
            for app, member in zip(applications, members, strict=True)
        ]
    )
    assert sum(isinstance(o, Decision) for o in outcomes) == 2
    assert sum(isinstance(o, RuleViolation) for o in outcomes) == 1
    assert decision_selectors.reserved_budget(programme) == Decimal("80000")


def test_the_last_reviews_submitted_at_once_complete_the_round_once():
    programme = factories.ProgrammeFactory(reviews_required=2)
    application, _coordinator, reviewers = states.in_review(programme=programme)
    assignments = []
    for reviewer in reviewers:
        assignment = application.assignments.get(reviewer=reviewer)
        review_services.declare_conflict(reviewer, assignment, has_conflict=False)
        assignments.append(assignment)
    outcomes = run_concurrently(
        [
            lambda reviewer=reviewer, assignment=assignment: review_services.submit_review(
                reviewer, assignment, states.REVIEW
            )
            for reviewer, assignment in zip(reviewers, assignments, strict=True)
        ]
    )
    assert not [o for o in outcomes if isinstance(o, Exception)]
    application.refresh_from_db()
    assert application.state == "awaiting_decision"
    logs = StateLog.objects.for_(application).filter(transition="complete_review")
    assert logs.count() == 1
    assert logs.get().by_id in {reviewer.pk for reviewer in reviewers}


def test_withdrawal_and_confirmation_at_once_leave_one_consistent_outcome():
    application = states.awaiting_decision()
    proposer, confirmer = states.deciding_board(application)
    decision = decision_services.propose_decision(
        proposer, application, "approve", amount=Decimal("50000")
    )
    outcomes = run_concurrently(
        [
            lambda: decision_services.confirm_decision(confirmer, decision),
            lambda: services.withdraw(application.created_by, application),
        ]
    )
    assert sum(isinstance(o, StateConflict) for o in outcomes) == 1
    application.refresh_from_db()
    decision.refresh_from_db()
    expected = {"approved": "confirmed", "withdrawn": "void"}
    assert decision.status == expected[application.state]
    assert application.letters.count() == (1 if application.state == "approved" else 0)
    assert StateLog.objects.for_(application).filter(state__in=expected).count() == 1
