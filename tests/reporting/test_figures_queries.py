"""The report costs the same number of queries whatever the number of applications."""

import datetime
from decimal import Decimal

import pytest

from reporting.figures import report
from reporting.report import Basis

from .conftest import at, company, programme, year

pytestmark = pytest.mark.django_db
QUERIES = 7


def history(world, fund, count):
    """``count`` applications of every kind: approved, rejected, returned, withdrawn, in review."""
    regions = ("rheinland", "westfalen_lippe", "")
    for n in range(count):
        organization = company(f"Betrieb {n}", regions[n % 3])
        moment = at(2025, 1 + n % 10, 2 + n)
        kind = n % 5
        if kind in (0, 1):
            world.through(
                moment,
                moment + datetime.timedelta(days=20),
                outcome="approve" if kind == 0 else "reject",
                amount=Decimal("30000"),
                programme=fund,
                organization=organization,
            )
        elif kind == 2:
            application = world.submit(moment, programme=fund, organization=organization)
            world.return_(application, moment + datetime.timedelta(days=2))
        elif kind == 3:
            application = world.submit(moment, programme=fund, organization=organization)
            world.withdraw(application, moment + datetime.timedelta(days=2))
        else:
            application = world.submit(moment, programme=fund, organization=organization)
            world.start_review(application, moment + datetime.timedelta(days=1))


@pytest.mark.parametrize("basis", [Basis.SUBMITTED, Basis.DECIDED])
@pytest.mark.parametrize("count", [2, 6])
def test_a_constant_number_of_queries(world, django_assert_num_queries, basis, count):
    fund = programme()
    history(world, fund, count)

    with django_assert_num_queries(QUERIES):
        result = report(fund, year(2025, basis), today=datetime.date(2025, 12, 1))

    assert result.counts.total == (count if basis == Basis.SUBMITTED else min(count, 4))
