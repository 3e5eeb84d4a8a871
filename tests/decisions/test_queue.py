"""The board queue: mean total, disagreement and quota flags, the three sorts (in SQL), and a
constant number of queries at two sizes for every sort."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from decisions import selectors, views
from decisions import services as decision_services
from reviews import summary
from tests import factories, states
from tests.decisions.scoring import REQUIRED, rubric_of, score

pytestmark = pytest.mark.django_db

D = Decimal
EQUAL = (("a", "1", REQUIRED), ("b", "1", REQUIRED))

# The board queue page: session, user, the user's groups, the user's memberships (navigation),
# the queue's count, the page's ids in the sort's order, the rows of that page with every
# annotation.
QUEUE_PAGE_QUERIES = 7


def scored(first, second, criteria=EQUAL, **application):
    """An application awaiting a decision with two reviews of the given points (a, b)."""
    programme = factories.ProgrammeFactory(reviews_required=2)
    application = states.awaiting_decision(programme=programme, **application)
    rows = [({"a": a, "b": b}, "approve", "high") for a, b in (first, second)]
    score(application, rubric_of(programme, *criteria), rows)
    return application


@pytest.fixture
def three():
    """Waiting longest first: mean 3.0 (apart 0.0); mean 3.65 (weights 3 and 7: totals 4.40
    and 2.90, exactly 1.5 apart, no disagreement; in floats 4.4 − 2.9 is 1.5000000000000004);
    mean 3.0 (apart 2.0: the reviews disagree)."""
    calm = scored((3, 3), (3, 3))
    at_threshold = scored((3, 5), (5, 2), criteria=(("a", "3", REQUIRED), ("b", "7", REQUIRED)))
    apart = scored((4, 4), (2, 2))
    return calm, at_threshold, apart


def test_the_three_sorts(three):
    calm, at_threshold, apart = three
    rows = {row.pk: row for row in selectors.board_queue()}
    assert (rows[calm.pk].mean_total, rows[calm.pk].total_range) == (3.0, D("0.00"))
    assert rows[at_threshold.pk].mean_total == pytest.approx(3.65)
    assert (rows[at_threshold.pk].total_range, rows[at_threshold.pk].disagreement) == (
        D("1.50"),
        False,
    )
    assert (rows[apart.pk].total_range, rows[apart.pk].disagreement) == (D("2.00"), True)

    def order(sort):
        ids = list(selectors.queue_ids(sort=sort))
        assert [row.pk for row in selectors.board_queue(sort=sort)] == ids
        return ids

    assert order("waiting") == [calm.pk, at_threshold.pk, apart.pk]
    assert order("mean") == [at_threshold.pk, calm.pk, apart.pk]  # ties: longest waiting first
    assert order("disagreement") == [apart.pk, at_threshold.pk, calm.pk]
    assert order("nonsense") == order("waiting")
    assert selectors.queue_sort("nonsense") == selectors.DEFAULT_SORT == "waiting"


def test_applications_without_totals_come_last_by_mean_and_by_disagreement(three):
    calm, at_threshold, apart = three
    unscored = states.awaiting_decision()
    unscored.assignments.filter(review__isnull=False).update(status="closed")  # no review counts
    assert selectors.board_queue().get(pk=unscored.pk).mean_total is None
    assert list(selectors.queue_ids(sort="mean"))[-1] == unscored.pk
    assert list(selectors.queue_ids(sort="disagreement"))[-1] == unscored.pk


def test_the_page_shows_mean_flags_and_sort_links(client, english, three):
    calm, at_threshold, apart = three
    flagged = scored((3, 3), (3, 3), staff_total=20, staff_severely_disabled=11)
    board = factories.board_member()
    for application in (calm, at_threshold, apart, flagged):
        states.board_declares(board, application)
    client.force_login(board)
    html = client.get(reverse("board-queue"), {"sort": "disagreement"}).content.decode()
    assert html.index(apart.reference) < html.index(at_threshold.reference)
    assert html.index(at_threshold.reference) < html.index(calm.reference)
    assert html.count("disagreement: totals") == 1
    assert escape("disagreement: totals 2.0 points apart") in html
    assert html.count("share of severely disabled staff above the flag") == 1
    assert html.index(flagged.reference) > html.index(apart.reference)
    assert html.count("3.0&nbsp;/&nbsp;5") == 3  # calm, apart, flagged: one decimal
    assert '<strong aria-current="true">disagreement first</strong>' in html
    assert '<a href="?sort=mean">highest mean total first</a>' in html
    assert '<a href="?sort=waiting">longest waiting first</a>' in html


def test_paging_keeps_the_sort(client, monkeypatch, three):
    calm, at_threshold, apart = three
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client.force_login(factories.board_member())
    first = client.get(reverse("board-queue"), {"sort": "mean"})
    cursor = first.context["page"].next
    second = client.get(reverse("board-queue"), {"sort": "mean", "after": cursor})
    assert [row.pk for row in first.context["page"]] == [at_threshold.pk, calm.pk]
    assert [row.pk for row in second.context["page"]] == [apart.pk]
    assert f'href="?sort=mean&amp;after={cursor}" rel="next"' in first.content.decode()
    back = client.get(
        reverse("board-queue"), {"sort": "mean", "before": second.context["page"].previous}
    )
    assert [row.pk for row in back.context["page"]] == [at_threshold.pk, calm.pk]
    last = client.get(reverse("board-queue"), {"sort": "mean", "page": "last"})
    assert [row.pk for row in last.context["page"]] == [calm.pk, apart.pk]


def test_the_benchmark_selector_returns_one_page(django_assert_num_queries, english, three):
    calm, at_threshold, apart = three
    board = factories.board_member()
    board.groups.all().count()
    with django_assert_num_queries(3):  # count, ids, rows
        page = selectors.board_queue_page(board, "disagreement", per_page=2)
        assert [row.pk for row in page] == [apart.pk, at_threshold.pk]
    assert (page.count, page.more) == (3, False)
    assert [str(label) for label, _n in summary.recommendation_counts(page.rows[0])] == ["approve"]


def awaiting(count, board_members):
    """``count`` applications awaiting a decision; every other one with an open proposal."""
    for index in range(count):
        application = states.awaiting_decision()
        if index % 2:
            proposer = states.deciding_board(application, count=1)[0]
            decision_services.propose_decision(
                proposer, application, "approve", amount=application.requested_amount
            )


@pytest.mark.parametrize("sort", ["", "waiting", "mean", "disagreement"])
def test_queue_page_has_a_constant_number_of_queries(client, django_assert_num_queries, sort):
    viewer = factories.board_member()
    others = [factories.board_member(), viewer]
    client.force_login(viewer)
    url = reverse("board-queue") + (f"?sort={sort}" if sort else "")
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


def test_before_declaring_a_member_sees_only_what_identifies_each_row(client, english, three):
    calm, at_threshold, apart = three
    board = factories.board_member()
    states.board_declares(board, calm)
    client.force_login(board)
    html = client.get(reverse("board-queue")).content.decode()
    for application in (calm, at_threshold, apart):
        assert application.reference in html
    assert html.count("Open it to declare on conflicts of interest") == 2
    assert html.count("3.0&nbsp;/&nbsp;5") == 1  # only the declared row shows its mean
