"""Edge cases of the report's figures, each on a small history of its own."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from reporting import figures
from reporting.figures import report
from reporting.report import Basis, DeMinimisRow

from .conftest import at, company, period, programme, year

pytestmark = pytest.mark.django_db
D = Decimal
day = datetime.date


# ----- the helpers -------------------------------------------------------------------------------


def test_median_of_an_odd_and_an_even_count():
    assert figures.median([3, 1, 2]) == D("2")
    assert figures.median([4, 1, 3, 2]) == D("2.5")
    assert figures.median([]) is None


def test_nearest_rank_percentile():
    assert figures.nearest_rank(list(range(1, 11)), 90) == D("9")  # ceil(9) = 9th
    assert figures.nearest_rank(list(range(1, 12)), 90) == D("10")  # ceil(9.9) = 10th
    assert figures.nearest_rank([7], 90) == D("7")
    assert figures.nearest_rank([], 90) is None


def test_percent_rounds_half_up():
    assert figures.percent(1, 8) == D("12.5")
    assert figures.percent(1, 16) == D("6.3")  # 6.25 half up (not to even)
    assert figures.percent(5, 0) is None


def test_quarters_of_a_period():
    assert list(figures.quarters_of(day(2024, 12, 5), day(2025, 4, 1))) == [
        (4, 2024, day(2024, 12, 5), day(2024, 12, 31)),
        (1, 2025, day(2025, 1, 1), day(2025, 3, 31)),
        (2, 2025, day(2025, 4, 1), day(2025, 4, 1)),
    ]


def test_years_before_a_leap_day():
    assert figures.years_before(day(2028, 2, 29), 3) == day(2025, 2, 28)
    assert figures.years_before(day(2025, 12, 31), 3) == day(2022, 12, 31)


def test_an_unknown_basis_is_refused():
    with pytest.raises(ValueError, match="basis"):
        figures.applications_of(programme(), period(day(2025, 1, 1), day(2025, 12, 31), "x"))


# ----- figures -----------------------------------------------------------------------------------


def test_a_programme_without_decisions(world):
    fund = programme()
    world.submit(at(2025, 3, 1), programme=fund)
    in_review = world.submit(at(2025, 3, 2), programme=fund)
    world.start_review(in_review, at(2025, 3, 3))

    result = report(fund, year(2025), today=day(2025, 3, 13))

    assert (result.counts.total, result.counts.approval_rate) == (2, None)
    amounts = result.amounts
    assert (amounts.granted, amounts.committed, amounts.remaining) == (
        D("0"),
        D("0"),
        D("1000000.00"),
    )
    assert (amounts.mean_grant, amounts.median_grant) == (None, None)
    times = result.times
    assert (times.decided, times.median_days_to_decision, times.p90_days_to_decision) == (
        0,
        None,
        None,
    )
    # Open stays count up to today: submitted 12 days (01.03.) and 1 day (02.03.), in review
    # 10 days; the review is not yet due (24.03.).
    assert [(s.state, s.stays, s.mean_days) for s in times.stays] == [
        ("submitted", 2, D("6.5")),
        ("returned", 0, None),
        ("in_review", 1, D("10.0")),
        ("awaiting_decision", 0, None),
    ]
    assert (times.reviews_on_time, times.reviews_late, times.reviews_overdue) == (0, 0, 0)
    assert (result.effect.funded, result.effect.grant_per_job) == (0, None)
    assert result.effect.severely_disabled_share is None
    assert result.de_minimis == []
    assert [q.approved for q in result.quarters] == [0, 0, 0, 0]
    assert [(r.closed, r.version, r.granted, r.days_to_decision) for r in result.rows] == [
        (None, None, None, None)
    ] * 2


def test_a_withdrawn_application_closes_on_its_withdrawal(world):
    fund = programme()
    withdrawn = world.submit(at(2025, 3, 1), programme=fund)
    world.withdraw(withdrawn, at(2025, 4, 2, 23, 30))  # 21:30 UTC: still the 2nd in Berlin

    decided = report(fund, period(day(2025, 4, 1), day(2025, 4, 2), Basis.DECIDED))
    after = report(fund, period(day(2025, 4, 3), day(2025, 4, 30), Basis.DECIDED))

    assert decided.counts.total == 1
    assert (decided.counts.withdrawn, decided.counts.approved, decided.counts.approval_rate) == (
        1,
        0,
        None,
    )
    assert [(r.closed, r.version, r.days_to_decision) for r in decided.rows] == [
        (day(2025, 4, 2), None, None)
    ]
    assert decided.times.decided == 0
    assert (decided.funnel.submitted, decided.funnel.decided) == (1, 0)
    assert after.counts.total == 0


def test_the_day_of_submission_is_the_local_day(world):
    fund = programme()
    late = world.submit(at(2025, 12, 31, 23, 30), programme=fund)  # 22:30 UTC
    early = world.submit(at(2026, 1, 1, 0, 30), programme=fund)  # 23:30 UTC on 31.12.

    in_2025 = report(fund, year(2025), today=day(2026, 1, 2))
    in_2026 = report(fund, year(2026), today=day(2026, 1, 2))

    assert [r.reference for r in in_2025.rows] == [late.reference]
    assert [r.reference for r in in_2026.rows] == [early.reference]
    assert in_2025.rows[0].first_submitted == day(2025, 12, 31)


def test_a_review_on_its_due_date_is_on_time_the_day_after_late(world):
    fund = programme(reviews_required=2, review_period_days=10)
    application = world.submit(at(2025, 3, 1), programme=fund)
    world.start_review(application, at(2025, 3, 2))  # due 12.03.
    world.review(application, at(2025, 3, 12, 23, 30), count=1)
    world.review(application, at(2025, 3, 13, 0, 30), count=1)
    overdue = world.submit(at(2025, 3, 1, 11), programme=fund)
    world.start_review(overdue, at(2025, 3, 2))  # due 12.03., never reviewed

    on_the_day = report(fund, year(2025), today=day(2025, 3, 12))
    after = report(fund, year(2025), today=day(2025, 3, 13))

    assert (on_the_day.times.reviews_on_time, on_the_day.times.reviews_late) == (1, 1)
    assert on_the_day.times.reviews_overdue == 0  # due today: not yet overdue
    assert after.times.reviews_overdue == 2


def test_declined_assignments_do_not_count(world):
    from reviews import services as review_services
    from reviews.models import Assignment

    fund = programme()
    application = world.submit(at(2025, 3, 1), programme=fund)
    world.start_review(application, at(2025, 3, 2), reviewers=2)  # due 23.03.
    assignment = Assignment.objects.filter(application=application).order_by("pk").first()
    review_services.decline_assignment(assignment.reviewer, assignment, "Keine Zeit.")

    result = report(fund, year(2025), today=day(2025, 6, 1))

    assert result.times.reviews_overdue == 1


def test_a_returned_application_counts_its_returns_and_stays(world):
    fund = programme()
    application = world.submit(at(2025, 3, 1), programme=fund)
    world.return_(application, at(2025, 3, 3))
    world.resubmit(application, at(2025, 3, 8))
    world.return_(application, at(2025, 3, 10))

    result = report(fund, year(2025), today=day(2025, 3, 20))

    assert (result.counts.returned, result.counts.returns) == (1, 2)
    assert result.counts.by_state[2].count == 1  # returned
    assert [(s.stays, s.mean_days) for s in result.times.stays[:2]] == [
        (2, D("2.0")),  # 01.–03.03., 08.–10.03.
        (2, D("7.5")),  # 03.–08.03., 10.–20.03. (open)
    ]
    assert [(r.submissions, r.returns) for r in result.rows] == [(2, 2)]


def test_median_grant_of_an_even_count(world):
    fund = programme()
    for amount, moment in ((D("10000.01"), at(2025, 2, 1)), (D("20000.00"), at(2025, 2, 2))):
        world.through(moment, moment + datetime.timedelta(days=5), amount=amount, programme=fund)

    amounts = report(fund, year(2025)).amounts

    assert amounts.median_grant == D("15000.01")  # 15,000.005 half up
    assert amounts.mean_grant == D("15000.01")
    assert amounts.granted == D("30000.01")


def test_the_de_minimis_window_is_three_years_up_to_the_periods_end(world):
    """Granted: approvals confirmed after 31.12.2022 up to 31.12.2025 (Berlin days)."""
    fund = programme(de_minimis_ceiling=D("100000"))
    other = programme()
    x = company("Xaver gGmbH", "rheinland")
    small = {
        "requested_amount": D("30000"),
        "own_contribution": D("25000"),
        "other_funding": D("45000"),
    }
    world.through(
        at(2022, 11, 1), at(2022, 12, 31, 23, 30), amount=D("10000"), programme=fund, organization=x
    )
    world.through(
        at(2022, 11, 2), at(2023, 1, 1, 0, 30), amount=D("20000"), programme=fund, organization=x
    )
    world.through(at(2023, 5, 1), at(2023, 6, 1), amount=D("7000"), programme=other, organization=x)
    latest = world.through(
        at(2025, 5, 1),
        at(2025, 12, 31, 23, 30),
        amount=D("30000"),
        programme=fund,
        organization=x,
        de_minimis_received=D("60000"),
        **small,
    )
    world.through(
        at(2025, 6, 1),
        at(2026, 1, 1, 0, 30),
        amount=D("5000"),
        programme=fund,
        organization=x,
        de_minimis_received=D("0"),
        **small,
    )

    result = report(fund, year(2025, Basis.DECIDED))

    assert [r.reference for r in result.rows] == [latest.reference]
    assert result.de_minimis == [
        DeMinimisRow(
            x.pk,
            "Xaver gGmbH",
            declared=D("60000.00"),
            granted=D("50000.00"),  # 20,000 (01.01.2023) + 30,000 (31.12.2025)
            total=D("110000.00"),
            ceiling=D("100000.00"),
            remaining=D("-10000.00"),
            over=True,
        )
    ]


def test_a_tombstone_still_counts(world):
    fund = programme()
    application = world.through(at(2025, 2, 1), at(2025, 3, 1), amount=D("40000"), programme=fund)
    world.erase(application, at(2035, 3, 1))

    with translation.override("en"):
        result = report(fund, year(2025))

    assert application.title == ""  # the free text is gone
    assert (result.counts.total, result.counts.approved) == (1, 1)
    assert (result.amounts.requested, result.amounts.granted) == (D("60000.00"), D("40000.00"))
    assert (result.effect.jobs_new, result.effect.jobs_secured) == (2, 2)
    assert result.times.days_to_decision == [28]
    assert result.funnel.reviewed == 1
    [row] = result.rows
    assert (row.erased, row.version, row.state, row.cooperation_partner) == (
        True,
        1,
        "Approved",
        "Stadtwerke Musterstadt GmbH",
    )
