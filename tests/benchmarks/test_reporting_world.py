"""``benchmarks.data.reporting_world``: two years of an evaluated programme, consistent enough
for the report (built small here; ``make bench`` builds 10,000)."""

import datetime
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications.models import Application, State
from benchmarks import data
from decisions.models import Decision
from reviews.models import Assignment, Review

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)


@pytest.fixture(scope="module")
def built_once(django_db_setup, django_db_blocker):
    """Built once for the module, in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield data.reporting_world(300, today=TODAY)
        transaction.set_rollback(True)


@pytest.fixture
def built(built_once, db):
    return built_once


def test_what_it_returns(built):
    applications = Application.objects.filter(programme=built.programme)
    assert applications.count() == built.applications == 300
    assert built.coordinator.groups.filter(name="coordinators").exists()
    assert built.today == TODAY
    assert built.first_day == TODAY - datetime.timedelta(days=data.REPORT_DAYS)
    assert built.states == dict(Counter(applications.values_list("state", flat=True)))
    assert built.decided == Decision.objects.filter(application__in=applications).count()
    assert built.states[State.DRAFT] == 12  # one in 25
    decided = built.states[State.APPROVED] + built.states[State.REJECTED]
    assert built.decided == decided
    assert built.states[State.APPROVED] > built.states[State.REJECTED] > 0
    assert built.states[State.WITHDRAWN] > 0
    assert {State.SUBMITTED, State.IN_REVIEW, State.AWAITING_DECISION} <= set(built.states)


def test_each_story_is_consistent(built):
    now = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(12)))
    start = now - datetime.timedelta(days=data.REPORT_DAYS)
    for app in Application.objects.filter(programme=built.programme):
        logs = list(StateLog.objects.for_(app).order_by("timestamp", "pk"))
        sources = [log.source_state for log in logs]
        targets = [log.state for log in logs]
        assert sources == [State.DRAFT, *targets][: len(logs)], app.pk
        assert (targets[-1] if logs else State.DRAFT) == app.state
        assert all(start <= log.timestamp <= now for log in logs)
        submits = [log.timestamp for log in logs if log.transition == "submit"]
        assert app.submission_count == len(submits) == app.versions.count()
        assert app.submitted_at == (submits[0] if submits else None)
        assert (app.reference is None) == (not submits)
        decisions = list(app.decisions.all())
        if app.state in (State.APPROVED, State.REJECTED):
            (decision,) = decisions
            assert decision.status == Decision.Status.CONFIRMED
            assert decision.confirmed_at == logs[-1].timestamp
            assert decision.application_version.number == app.submission_count
            if app.state == State.APPROVED:
                assert 0 < decision.amount <= app.requested_amount
            else:
                assert decision.amount is None and decision.reasons
        else:
            assert decisions == []


def test_review_rounds_with_due_dates_and_some_late_reviews(built):
    assignments = Assignment.objects.filter(application__programme=built.programme)
    assert set(assignments.values_list("status", flat=True)) == {"done", "open", "closed"}
    for assignment in assignments.select_related("application"):
        started = assignment.application.review_started_at
        assert assignment.due_on == timezone.localdate(started) + datetime.timedelta(days=21)
    reviews = Review.objects.filter(assignment__in=assignments).select_related("assignment")
    assert reviews.count() == assignments.filter(status="done").count()
    late = [r for r in reviews if timezone.localdate(r.submitted_at) > r.assignment.due_on]
    assert 0 < len(late) < reviews.count() / 2


def test_organisations_in_both_regions_and_without(built):
    regions = Counter(
        Application.objects.filter(programme=built.programme).values_list(
            "organization__region", flat=True
        )
    )
    assert set(regions) == {"rheinland", "westfalen_lippe", ""}
