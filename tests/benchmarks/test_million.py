"""``benchmarks.million``: a funding history written in SQL, consistent as the services would
leave it; built small here (200, then 100 more on top), on PostgreSQL."""

import datetime
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications.models import Application, ReferenceCounter, State
from benchmarks import million
from decisions.models import Decision, DecisionLetter
from funding.models import Membership, Organization
from reviews.models import Assignment, ConflictDeclaration, Review, Score

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

REFERENCE = re.compile(r"RK-(\d{4})-(\d{4,})")
REVIEWED = (State.IN_REVIEW, State.AWAITING_DECISION, State.APPROVED, State.REJECTED)


@pytest.fixture(scope="module")
def built_once(django_db_setup, django_db_blocker):
    """Built once for the module (the first step with its indexes dropped and created again,
    the second on top with them kept), in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        first = million.build(200)
        second = million.build(300, rebuild_indexes=False)
        yield first, second, million.cast()
        transaction.set_rollback(True)


@pytest.fixture
def built(built_once, db):
    return built_once


def test_what_it_returns(built):
    first, second, cast = built
    assert (first["applications"], first["added"]) == (200, 200)
    assert (second["applications"], second["added"]) == (300, 100)
    assert "create_indexes" in first["steps"] and "create_indexes" not in second["steps"]
    assert million.build(300)["added"] == 0
    assert cast.applications == Application.objects.count() == 300
    User = get_user_model()
    assert User.objects.get(pk=cast.coordinators[0]).groups.filter(name="coordinators").exists()
    assert User.objects.get(pk=cast.board[0]).groups.filter(name="board").exists()
    assert User.objects.get(pk=cast.veteran).groups.filter(name="reviewers").exists()
    searched = Organization.objects.filter(name__icontains=cast.search)
    assert [o.pk for o in searched] == [million._meta()["org0"] + million.SEARCH_ORGANIZATION]
    assert Application.objects.filter(organization__in=searched).count() == 50


def test_every_index_is_back(built):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'board_queue_order'")
        assert cursor.fetchone()[0] == 1
        cursor.execute(f"SELECT count(*) FROM {million.INDEXES}")
        assert cursor.fetchone()[0] == 0


def test_new_rows_take_ids_past_the_reserved_ones(built):
    user = get_user_model().objects.create(username="after-the-build")
    assert user.pk > million._meta()["user0"] + million.STAFF + 4 * 50


def test_states_in_their_proportions(built):
    states = Counter(Application.objects.values_list("state", flat=True))
    assert set(states) == set(State.values)
    assert states[State.APPROVED] > states[State.REJECTED] > states[State.WITHDRAWN]
    assert sum(states[s] for s in (State.APPROVED, State.REJECTED, State.WITHDRAWN)) > 240


def test_references_numbered_per_year_after_the_counter(built):
    numbers = {}
    for reference, count in Application.objects.values_list("reference", "submission_count"):
        assert (reference is None) == (count == 0)
        if reference:
            year, number = REFERENCE.fullmatch(reference).groups()
            numbers.setdefault(int(year), []).append(int(number))
    for year, used in numbers.items():
        assert sorted(used) == list(range(1, len(used) + 1))
        assert ReferenceCounter.objects.get(year=year).last == len(used)


def test_each_story_is_consistent(built):
    now = timezone.now()
    logs = {}
    for entry in StateLog.objects.order_by("timestamp", "id"):
        logs.setdefault(entry.object_id, []).append(entry)
    members = dict(Membership.objects.filter(is_admin=True).values_list("organization", "user"))
    for app in Application.objects.prefetch_related("versions", "decisions", "letters"):
        entries = logs.get(app.pk, [])
        targets = [e.state for e in entries]
        assert [e.source_state for e in entries] == [State.DRAFT, *targets][: len(entries)]
        assert (targets[-1] if entries else State.DRAFT) == app.state
        assert all(app.created_at <= e.timestamp <= now for e in entries)
        assert app.created_by_id == members[app.organization_id]
        versions = sorted(app.versions.all(), key=lambda v: v.number)
        submits = [e.timestamp for e in entries if e.transition == "submit"]
        assert [v.number for v in versions] == list(range(1, app.submission_count + 1))
        assert [v.submitted_at for v in versions] == submits
        assert app.submitted_at == (submits[0] if submits else None)
        assert app.last_submitted_at == (submits[-1] if submits else None)
        assert app.updated_at == (entries[-1].timestamp if entries else app.updated_at)
        returned = app.state == State.RETURNED
        assert (app.return_deadline is not None) == returned == bool(app.return_reason)
        awaited = app.state in (State.AWAITING_DECISION, State.APPROVED, State.REJECTED)
        assert (app.awaiting_since is not None) == awaited
        assert (app.review_started_at is not None) == (
            "start_review" in [e.transition for e in entries]
        )
        decisions = list(app.decisions.all())
        if app.state in (State.APPROVED, State.REJECTED):
            (decision,) = decisions
            assert decision.status == Decision.Status.CONFIRMED
            assert decision.confirmed_at == entries[-1].timestamp
            assert decision.application_version == versions[-1]
            assert decision.proposed_by_id != decision.confirmed_by_id
            assert (decision.outcome == "approve") == (app.state == State.APPROVED)
            (letter,) = app.letters.all()
            assert (letter.decision, letter.status) == (decision, DecisionLetter.Status.SENT)
        elif app.state == State.AWAITING_DECISION:
            assert [d.status for d in decisions] in ([], [Decision.Status.OPEN])
        else:
            assert decisions == []


def test_review_rounds(built):
    rounds = {}
    for assignment in Assignment.objects.select_related("application"):
        app = assignment.application
        assert assignment.round == app.submission_count
        assert assignment.due_on == (
            timezone.localdate(app.review_started_at) + datetime.timedelta(days=21)
        )
        rounds.setdefault(app, []).append(assignment.status)
    for app in Application.objects.all():
        statuses = rounds.get(app, [])
        if app.state in REVIEWED or app.review_started_at:
            assert 2 <= len(statuses) <= 3
        else:
            assert statuses == []
        if app.state == State.IN_REVIEW:
            assert "open" in statuses and "closed" not in statuses
        elif app.state in REVIEWED:
            assert set(statuses) == {"done"}
        elif statuses:  # withdrawn in review
            assert Counter(statuses) == Counter(done=1, closed=len(statuses) - 1)
    assert Review.objects.count() == Assignment.objects.filter(status="done").count()
    reviewers = ConflictDeclaration.objects.filter(role="reviewer")
    assert reviewers.count() == Assignment.objects.exclude(status="closed").count()


def test_each_review_has_five_scores_and_their_mean(built):
    scores = {}
    for review_id, value in Score.objects.values_list("review", "value"):
        scores.setdefault(review_id, []).append(value)
    for review in Review.objects.select_related("assignment__application", "rubric"):
        points = scores[review.pk]
        assert len(points) == 5
        assert review.total_score == (Decimal(sum(points)) / 5).quantize(Decimal("0.01"))
        assert review.rubric.programme_id == review.assignment.application.programme_id
        assert review.submitted_at >= review.assignment.application.review_started_at


def test_the_board_declared_before_deciding(built):
    board = ConflictDeclaration.objects.filter(role="board")
    decided = Application.objects.filter(
        state__in=(State.AWAITING_DECISION, State.APPROVED, State.REJECTED)
    )
    assert board.count() == 2 * decided.count()
    for decision in Decision.objects.filter(status="confirmed"):
        declared = board.filter(application=decision.application).values_list("user", flat=True)
        assert set(declared) == {decision.proposed_by_id, decision.confirmed_by_id}


def test_the_veteran_has_reviews_and_a_few_open(built):
    cast = built[2]
    mine = Assignment.objects.filter(reviewer_id=cast.veteran)
    assert mine.filter(status="done").exists()
    assert mine.filter(status="open").count() <= 5
