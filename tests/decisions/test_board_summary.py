"""The review summary the board reads: the queue's annotations and one application's round."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from applications import services
from decisions import selectors as decision_selectors
from decisions import services as decision_services
from reviews import services as review_services
from reviews import summary
from tests import factories, states

pytestmark = pytest.mark.django_db

# The board queue page: session, user, the user's groups, the user's memberships (navigation),
# the page's row count, the page's ids, the rows of that page with every annotation.
QUEUE_PAGE_QUERIES = 7


def scores(viability, employment, cooperation, risk, management, recommendation):
    return {
        "score_viability": viability,
        "score_employment": employment,
        "score_cooperation": cooperation,
        "score_risk": risk,
        "score_management": management,
        "recommendation": recommendation,
        "comment": f"{recommendation}: {viability}{employment}{cooperation}{risk}{management}",
    }


ROUND_1 = [scores(1, 1, 1, 1, 1, "reject"), scores(1, 1, 1, 1, 1, "reject")]
ROUND_2 = [
    scores(4, 5, 4, 3, 4, "approve"),  # total 20
    scores(2, 3, 3, 2, 2, "reject"),  # total 12
    scores(5, 5, 5, 4, 5, "approve_with_conditions"),  # total 24
]


def run_round(application, reviewers, reviews):
    coordinator = factories.coordinator()
    for reviewer in reviewers:
        review_services.assign_reviewer(coordinator, application, reviewer)
    application = review_services.start_review(coordinator, application)
    for reviewer, data in zip(reviewers, reviews, strict=True):
        states.review(reviewer, application, **data)
    application.refresh_from_db()
    return application


@pytest.fixture
def worked_example():
    """Round 1: two poor reviews; returned by the board, resubmitted; round 2: three reviews.

    The first expert reviews both rounds: only the round-2 review may count.
    """
    programme = factories.ProgrammeFactory(reviews_required=2)
    application = states.submitted(programme=programme)
    first, second, third = (factories.reviewer() for _ in range(3))
    application = run_round(application, [first, second], ROUND_1)
    services.return_for_revision(
        factories.board_member(),
        application,
        "Bitte überarbeiten.",
        datetime.date.today() + datetime.timedelta(days=14),
    )
    application.refresh_from_db()
    application = services.submit(application.created_by, application, states.DECLARATIONS)
    type(programme).objects.filter(pk=programme.pk).update(reviews_required=3)
    application.programme.refresh_from_db()
    application = run_round(application, [first, third, second], ROUND_2)
    assert (application.state, application.submission_count) == ("awaiting_decision", 2)
    return application, (first, third, second)


def test_board_queue_annotations_are_exact(worked_example, django_assert_num_queries):
    application, _reviewers = worked_example
    other = states.awaiting_decision()  # round 1 only, default reviews (4, 5, 4, 3, 4: approve)
    proposer = factories.board_member(first_name="Bernd", last_name="Erst")
    decision_services.propose_decision(proposer, other, "approve", amount=other.requested_amount)
    states.in_review_application()  # not awaiting a decision: not in the queue
    board = factories.board_member()

    with django_assert_num_queries(1):
        rows = list(decision_selectors.board_queue(user=board))
        [(row.programme.name, row.organization.name) for row in rows]

    assert application.awaiting_since < other.awaiting_since
    assert [row.pk for row in rows] == [application.pk, other.pk]  # the longest waiting first
    row = {r.pk: r for r in rows}[application.pk]
    assert row.reviews_count == 3
    assert row.mean_score_viability == pytest.approx(11 / 3)
    assert row.mean_score_employment == pytest.approx(13 / 3)
    assert row.mean_score_cooperation == pytest.approx(4)
    assert row.mean_score_risk == pytest.approx(3)
    assert row.mean_score_management == pytest.approx(11 / 3)
    assert row.mean_total == pytest.approx(56 / 3)
    assert (row.rec_approve, row.rec_approve_with_conditions, row.rec_reject) == (1, 1, 1)
    assert row.has_open_proposal is False
    assert (row.proposer_id, row.proposer_name, row.proposal_outcome) == (None, None, None)
    assert row.user_reviewed is False

    proposed = {r.pk: r for r in rows}[other.pk]
    assert proposed.reviews_count == 2
    assert proposed.mean_total == pytest.approx(20)
    assert (proposed.rec_approve, proposed.rec_approve_with_conditions, proposed.rec_reject) == (
        2,
        0,
        0,
    )
    assert proposed.has_open_proposal is True
    assert (proposed.proposer_id, proposed.proposer_name) == (proposer.pk, "Bernd Erst")
    assert proposed.proposal_outcome == "approve"

    assert [r.pk for r in decision_selectors.board_queue(programme=other.programme)] == [other.pk]
    with translation.override("en"):
        counts = [(str(label), n) for label, n in summary.recommendation_counts(row)]
    assert counts == [
        ("approve", 1),
        ("approve with conditions", 1),
        ("reject", 1),
    ]


def test_board_queue_knows_who_reviewed(worked_example):
    application, (first, _third, _second) = worked_example
    first.groups.add(*factories.board_member().groups.all())
    row = decision_selectors.board_queue(user=first).get(pk=application.pk)
    assert row.user_reviewed is True


def test_summary_for_counts_only_the_current_round(worked_example, django_assert_num_queries):
    application, (first, third, second) = worked_example
    with django_assert_num_queries(1):
        result = summary.summary_for(application)
        names = [review.assignment.reviewer.get_full_name() for review in result.reviews]
    assert names == [first.get_full_name(), third.get_full_name(), second.get_full_name()]
    assert result.count == 3
    assert [review.total for review in result.reviews] == [20, 12, 24]
    means = {criterion.name: criterion.mean for criterion in result.criteria}
    assert means == pytest.approx(
        {
            "score_viability": 11 / 3,
            "score_employment": 13 / 3,
            "score_cooperation": 4,
            "score_risk": 3,
            "score_management": 11 / 3,
        }
    )
    assert result.total_mean == pytest.approx(56 / 3)
    assert [(value, n) for value, _label, n in result.recommendations] == [
        ("approve", 1),
        ("approve_with_conditions", 1),
        ("reject", 1),
    ]
    assert result.max_total == 25


def test_summary_for_without_reviews():
    application = states.in_review_application()
    result = summary.summary_for(application)
    assert (result.count, result.total_mean) == (0, None)
    assert all(criterion.mean is None for criterion in result.criteria)


def awaiting(count, board_members):
    """``count`` applications awaiting a decision; every other one with an open proposal."""
    for index in range(count):
        application = states.awaiting_decision()
        if index % 2:
            proposer = board_members[index % len(board_members)]
            decision_services.propose_decision(
                proposer, application, "approve", amount=application.requested_amount
            )


def test_queue_page_has_a_constant_number_of_queries(client, django_assert_num_queries):
    viewer = factories.board_member()
    others = [factories.board_member(), factories.board_member(), viewer]
    client.force_login(viewer)
    url = reverse("board-queue")
    row_link = 'href="{}'.format(reverse("board-decide", args=[1])[:-2])  # ".../applications/"

    awaiting(2, others)
    with django_assert_num_queries(QUEUE_PAGE_QUERIES):
        small = client.get(url)
    assert small.status_code == 200
    assert small.content.decode().count(row_link) == 2

    awaiting(10, others)
    with django_assert_num_queries(QUEUE_PAGE_QUERIES):
        large = client.get(url)
    assert large.status_code == 200
    assert large.content.decode().count(row_link) == 12
