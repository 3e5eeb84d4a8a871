"""The review summary the board reads: exact aggregates on fixed examples, hand-computed.

Totals are weighted means (1–5) of the counted criteria; informational criteria never count.
Examples: weights that differ with an optional and an informational criterion partly missing
(a disagreement), a tie (even count, equal recommendations, a spread exactly at the
threshold), a single review (spread 0), an informational criterion nobody scored, and the
current round alone counting after a resubmission.
"""

import datetime
import math
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from applications import checks, services
from decisions import selectors as decision_selectors
from funding.models import Programme
from reviews import services as review_services
from reviews import summary
from tests import factories, states
from tests.decisions.scoring import INFORMATIONAL, OPTIONAL, REQUIRED, rubric_of, score

pytestmark = pytest.mark.django_db

D = Decimal

# Weights 2, 1, 1 (the last optional) and an informational "visit".
WEIGHTED = (
    ("viability", "2", REQUIRED),
    ("employment", "1", REQUIRED),
    ("cooperation", "1", OPTIONAL),
    ("visit", "1", INFORMATIONAL),
)
WEIGHTED_ROWS = [
    # (2·5 + 4 + 5) / 4 = 4.75; the visit is not counted
    ({"viability": 5, "employment": 4, "cooperation": 5, "visit": 2}, "approve", "high"),
    # (2·2 + 2) / 3 = 2.00; no cooperation, no visit
    ({"viability": 2, "employment": 2}, "reject", "medium"),
    # (2·4 + 2 + 4) / 4 = 3.50
    (
        {"viability": 4, "employment": 2, "cooperation": 4, "visit": 4},
        "approve_with_conditions",
        "low",
    ),
]

EQUAL = (("a", "1", REQUIRED), ("b", "1", REQUIRED), ("visit", "1", INFORMATIONAL))
TIE_ROWS = [
    ({"a": 4, "b": 3}, "approve", "high"),  # 3.50
    ({"a": 3, "b": 2}, "reject", "high"),  # 2.50
]


def weighted_example(reviews_required=3, **programme):
    programme = factories.ProgrammeFactory(reviews_required=reviews_required, **programme)
    application = states.awaiting_decision(programme=programme)
    rubric = rubric_of(programme, *WEIGHTED)
    totals = score(application, rubric, WEIGHTED_ROWS[:reviews_required])
    return application, totals


def tie_example(**programme):
    programme = factories.ProgrammeFactory(reviews_required=2, **programme)
    application = states.awaiting_decision(programme=programme)
    totals = score(application, rubric_of(programme, *EQUAL), TIE_ROWS)
    return application, totals


def stats(spread):
    return (spread.count, spread.mean, spread.median, spread.stdev, spread.range)


def test_weights_that_differ_optional_and_informational_partly_missing(
    django_assert_num_queries,
):
    application, totals = weighted_example()
    assert totals == [D("4.75"), D("2.00"), D("3.50")]
    application.programme  # noqa: B018 (the pages fetch it with the application)

    with django_assert_num_queries(3):  # reviews, their scores, the rubric's criteria
        result = summary.summary_for(application)

    assert result.count == 3
    assert [review.total_score for review in result.reviews] == totals
    assert [review.confidence for review in result.reviews] == ["high", "medium", "low"]
    # Totals 4.75, 2.00, 3.50: mean 41/12, median 3.50, pstdev √182 / 12, max − min 2.75.
    count, mean, median, stdev, spread = stats(result.totals)
    assert (count, median, spread) == (3, D("3.50"), D("2.75"))
    assert float(mean) == pytest.approx(41 / 12, abs=1e-12)
    assert float(stdev) == pytest.approx(math.sqrt(182) / 12, abs=1e-12)
    assert result.disagreement is True  # 2.75 > 1.5 (the default threshold)

    assert [c.key for c in result.counted] == ["viability", "employment", "cooperation"]
    assert [c.weight for c in result.counted] == [D("2"), D("1"), D("1")]
    assert [c.key for c in result.informational] == ["visit"]
    by_key = {c.key: c.stats for c in result.criteria}
    # viability 5, 2, 4: mean 11/3, median 4, pstdev √14 / 3, range 3
    assert stats(by_key["viability"])[0::2] == (3, 4, 3)
    assert float(by_key["viability"].mean) == pytest.approx(11 / 3, abs=1e-12)
    assert float(by_key["viability"].stdev) == pytest.approx(math.sqrt(14) / 3, abs=1e-12)
    # employment 4, 2, 2: mean 8/3, median 2, pstdev √8 / 3, range 2
    assert stats(by_key["employment"])[0::2] == (3, 2, 2)
    assert float(by_key["employment"].mean) == pytest.approx(8 / 3, abs=1e-12)
    assert float(by_key["employment"].stdev) == pytest.approx(math.sqrt(8) / 3, abs=1e-12)
    # cooperation (optional) 5, —, 4 and visit (informational) 2, —, 4
    assert stats(by_key["cooperation"]) == (2, D("4.5"), D("4.5"), D("0.5"), 1)
    assert stats(by_key["visit"]) == (2, 3, 3, 1, 2)

    assert [[(c.key, value) for c, value in r.summary_points] for r in result.reviews] == [
        [("viability", 5), ("employment", 4), ("cooperation", 5), ("visit", 2)],
        [("viability", 2), ("employment", 2), ("cooperation", None), ("visit", None)],
        [("viability", 4), ("employment", 2), ("cooperation", 4), ("visit", 4)],
    ]
    assert [(value, n) for value, _label, n in result.recommendations] == [
        ("approve", 1),
        ("approve_with_conditions", 1),
        ("reject", 1),
    ]
    with translation.override("en"):
        assert [c.label for c in result.criteria] == [
            "viability (en)",
            "employment (en)",
            "cooperation (en)",
            "visit (en)",
        ]
        assert [str(label) for label, _n in result.given_recommendations] == [
            "approve",
            "approve with conditions",
            "reject",
        ]
    with translation.override("de"):
        assert result.criteria[0].label == "viability (de)"


def test_a_tie_with_an_informational_criterion_nobody_scored():
    application, totals = tie_example()
    assert totals == [D("3.50"), D("2.50")]
    result = summary.summary_for(application)
    # Totals 3.50 and 2.50: mean 3, median 3 (the middle two), pstdev 0.5, range 1.
    assert stats(result.totals) == (2, 3, 3, D("0.5"), 1)
    assert result.disagreement is False
    by_key = {c.key: c.stats for c in result.criteria}
    assert stats(by_key["a"]) == (2, D("3.5"), D("3.5"), D("0.5"), 1)
    assert stats(by_key["b"]) == (2, D("2.5"), D("2.5"), D("0.5"), 1)
    assert [c.key for c in result.informational] == ["visit"]
    assert stats(by_key["visit"]) == (0, None, None, None, None)
    assert [(value, n) for value, _label, n in result.recommendations] == [
        ("approve", 1),
        ("approve_with_conditions", 0),
        ("reject", 1),
    ]


@pytest.mark.parametrize(("threshold", "disagree"), [("1.0", False), ("0.9", True)])
def test_the_disagreement_flag_needs_more_than_the_threshold(threshold, disagree):
    application, _totals = tie_example(disagreement_threshold=D(threshold))  # 1.00 apart
    assert summary.summary_for(application).disagreement is disagree
    row = decision_selectors.board_queue().get(pk=application.pk)
    assert (row.total_range, row.disagreement) == (D("1.00"), disagree)


def test_a_single_review_has_no_spread():
    application, totals = weighted_example(reviews_required=1)
    assert totals == [D("4.75")]
    result = summary.summary_for(application)
    assert stats(result.totals) == (1, D("4.75"), D("4.75"), 0, 0)
    assert result.disagreement is False
    assert stats({c.key: c.stats for c in result.criteria}["visit"]) == (1, 2, 2, 0, 0)
    row = decision_selectors.board_queue().get(pk=application.pk)
    assert (row.reviews_count, row.mean_total, row.total_range) == (1, 4.75, 0)
    assert row.disagreement is False


def test_the_upper_quota_flag():
    programme = factories.ProgrammeFactory(quota_flag_percent=D("50"))
    flagged = states.awaiting_decision(
        programme=programme, staff_total=20, staff_severely_disabled=11
    )
    at_limit = states.awaiting_decision(
        programme=programme, staff_total=20, staff_severely_disabled=10
    )
    assert summary.summary_for(at_limit).flags == []
    flags = summary.summary_for(flagged).flags
    assert flags == checks.flags(flagged)
    assert len(flags) == 1


def test_without_reviews():
    application = states.in_review_application()
    result = summary.summary_for(application)
    assert (result.count, result.total_mean, result.disagreement) == (0, None, False)
    assert stats(result.totals) == (0, None, None, None, None)
    assert result.criteria == []


# ----- only the current round counts ---------------------------------------------------------


def run_round(application, reviewers):
    coordinator = factories.coordinator()
    for reviewer in reviewers:
        review_services.assign_reviewer(coordinator, application, reviewer)
    application = review_services.start_review(coordinator, application)
    for reviewer in reviewers:
        states.review(reviewer, application)
    application.refresh_from_db()
    return application


def test_only_the_current_round_counts():
    """Round 1: two poor reviews; returned, resubmitted; round 2: the weighted example. The
    first reviewer reviews both rounds: only the round-2 review counts."""
    programme = factories.ProgrammeFactory(reviews_required=2)
    rubric = rubric_of(programme, *WEIGHTED)
    application = states.submitted(programme=programme)
    first, second, third = (factories.reviewer() for _ in range(3))
    application = run_round(application, [first, second])
    poor = ({"viability": 1, "employment": 1}, "reject", "high")
    assert score(application, rubric, [poor, poor]) == [D("1.00"), D("1.00")]
    services.return_for_revision(
        states.deciding_board(application, count=1)[0],
        application,
        "Bitte überarbeiten.",
        datetime.date.today() + datetime.timedelta(days=14),
    )
    application.refresh_from_db()
    application = services.submit(application.created_by, application, states.DECLARATIONS)
    Programme.objects.filter(pk=programme.pk).update(reviews_required=3)
    application.programme.refresh_from_db()
    application = run_round(application, [first, third, second])
    assert (application.state, application.submission_count) == ("awaiting_decision", 2)
    score(application, rubric, WEIGHTED_ROWS)

    result = summary.summary_for(application)
    assert [r.assignment.reviewer for r in result.reviews] == [first, third, second]
    assert stats(result.totals)[0::2] == (3, D("3.50"), D("2.75"))
    assert result.given_recommendations[-1][1] == 1  # one "reject", not three

    row = decision_selectors.board_queue().get(pk=application.pk)
    assert (row.reviews_count, row.total_range, row.disagreement) == (3, D("2.75"), True)
    assert row.mean_total == pytest.approx(41 / 12)
    assert (row.rec_approve, row.rec_approve_with_conditions, row.rec_reject) == (1, 1, 1)


# ----- the decide page shows it ----------------------------------------------------------------


def test_the_decide_page_shows_the_aggregates(client, english):
    application, _totals = weighted_example()
    client.force_login(states.deciding_board(application, count=1)[0])
    response = client.get(reverse("board-decide", args=[application.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    nbsp = "&nbsp;/&nbsp;5"
    for total in ("4.8", "2.0", "3.5"):  # each review's total, one decimal
        assert f"<strong>{total}{nbsp}</strong>" in html
    # The totals' row: 3 reviews, mean 3.4, median 3.5, pstdev 1.12, max − min 2.75.
    assert (
        '<td class="num">3</td><td class="num"><strong>3.4</strong></td>'
        '<td class="num">3.5</td><td class="num">1.12</td><td class="num">2.75</td>'
    ) in html
    # The optional cooperation: 2 reviews, 4.5, 4.5, 0.50, 1; the visit shown apart.
    assert (
        'cooperation (en)</th><td class="num">1</td><td class="num">2</td>'
        '<td class="num">4.5</td><td class="num">4.5</td><td class="num">0.50</td>'
        '<td class="num">1</td>'
    ) in html
    assert html.index("Shown only, not counted") < html.index('visit (en)</th><td class="num">—')
    assert "The reviews disagree." in html
    assert escape("Their totals are 2.75 points apart") in html
    assert ">high<" in html and ">medium<" in html and ">low<" in html
