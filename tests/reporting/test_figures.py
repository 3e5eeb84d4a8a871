"""The report's figures on one fund's fixed history, computed by hand.

The fund (budget 500,000, one review per round) and a second programme, built once for the
module through the services (each step at its moment, Berlin time) inside a transaction that
is rolled back at the end. ``today`` is 1 February 2026.

=====  ========  ===============================================================================
app    company   history
=====  ========  ===============================================================================
E      Delta     submitted 20.12.2024, review 21.12., approved 10.02.2025: 20,000 (loan)
A      Alpha     submitted 10.01.2025, returned 20.01., resubmitted 01.02., review 05.02.–20.02.,
                 approved 10.03.2025: 50,000 (loan); erased (tombstone) in January 2026
B      Beta      submitted 01.03.2025 (45,000 requested), review 03.03.–30.03. (late: due 24.03.),
                 approved 15.04.2025: 40,000 (silent partnership); erased (tombstone) in
                 January 2026 before the partner was kept: no partner
I      Alpha     other programme: submitted 01.03.2025, approved 01.04.2025: 60,000
C      Gamma     submitted 05.05.2025, review 06.05., rejected 20.06.2025
F      Epsilon   submitted 01.07.2025, withdrawn 15.07.2025
G      Zeta      submitted 01.09.2025, review started 02.09. (due 23.09.), no review yet
D      Alpha     submitted 20.11.2025 (30,000 requested), review 21.11.,
                 approved 15.01.2026: 25,000 (loan)
H      Beta      a draft never submitted; H2 (Epsilon) a draft withdrawn in 2025
=====  ========  ===============================================================================
"""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from applications.models import Application
from reporting.figures import report
from reporting.report import (
    Basis,
    DeMinimisRow,
    Funnel,
    InstrumentAmount,
    JobsYear,
    Partner,
    Quarter,
    RegionRow,
    Row,
    StateCount,
    StateStay,
)

from .conftest import World, at, company, period, programme, year

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2026, 2, 1)


def build():
    world = World()
    fund = programme(budget=D("500000"))
    other = programme()
    alpha = company("Alpha gGmbH", "rheinland")
    beta = company("Beta gGmbH", "westfalen_lippe")
    gamma = company("Gamma eG", "rheinland")
    delta = company("Delta GmbH", "")
    epsilon = company("Epsilon gGmbH", "westfalen_lippe")
    zeta = company("Zeta gGmbH", "rheinland")
    apps = {}
    apps["E"] = world.through(
        at(2024, 12, 20),
        at(2025, 2, 10),
        amount=D("20000"),
        programme=fund,
        organization=delta,
        cooperation_partner="aachener Druck GmbH",
    )
    a = apps["A"] = world.submit(at(2025, 1, 10), programme=fund, organization=alpha)
    world.return_(a, at(2025, 1, 20))
    world.resubmit(a, at(2025, 2, 1))
    world.start_review(a, at(2025, 2, 5))
    world.review(a, at(2025, 2, 20))
    world.decide(a, at(2025, 3, 10), amount=D("50000"))
    b = apps["B"] = world.submit(
        at(2025, 3, 1),
        programme=fund,
        organization=beta,
        requested_amount=D("45000"),
        own_contribution=D("25000"),
        other_funding=D("30000"),
        jobs_new=1,
        jobs_secured=2,
        staff_total=10,
        staff_severely_disabled=4,
        de_minimis_received=D("5000"),
    )
    world.start_review(b, at(2025, 3, 3))
    world.review(b, at(2025, 3, 30))
    world.decide(b, at(2025, 4, 15), amount=D("40000"), instrument="silent_partnership")
    apps["I"] = world.through(
        at(2025, 3, 1, 11), at(2025, 4, 1), programme=other, organization=alpha
    )
    apps["C"] = world.through(
        at(2025, 5, 5),
        at(2025, 6, 20),
        outcome="reject",
        programme=fund,
        organization=gamma,
        cooperation_partner="Aachener Werkstatt AG",
    )
    f = apps["F"] = world.submit(at(2025, 7, 1), programme=fund, organization=epsilon)
    world.withdraw(f, at(2025, 7, 15))
    g = apps["G"] = world.submit(at(2025, 9, 1), programme=fund, organization=zeta)
    world.start_review(g, at(2025, 9, 2))
    apps["D"] = world.through(
        at(2025, 11, 20),
        at(2026, 1, 15),
        amount=D("25000"),
        programme=fund,
        organization=alpha,
        requested_amount=D("30000"),
        own_contribution=D("25000"),
        other_funding=D("45000"),
        jobs_new=1,
        jobs_secured=1,
        staff_total=22,
        staff_severely_disabled=9,
        de_minimis_received=D("20000"),
        cooperation_partner="  Stadtwerke Musterstadt GmbH ",
    )
    apps["H"] = world.draft(at(2025, 6, 1), programme=fund, organization=beta)
    apps["H2"] = world.draft(at(2025, 6, 1), programme=fund, organization=epsilon)
    world.withdraw(apps["H2"], at(2025, 6, 2))
    world.erase(apps["A"], at(2026, 1, 20))
    # B: a tombstone erased before the cooperation partner was kept (no partner left).
    world.erase(b, at(2026, 1, 20))
    Application.objects.filter(pk=b.pk).update(cooperation_partner="")
    for application in apps.values():
        application.refresh_from_db()
    return fund, other, apps


@pytest.fixture(scope="module")
def fund(django_db_setup, django_db_blocker):
    """The fund's history, built once and rolled back at the end of the module."""
    from funding.celery import app as celery_app

    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(PASSWORD_HASHERS=hashers),
            transaction.atomic(),
        ):
            yield build()
            transaction.set_rollback(True)
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


def figures(fund, the_period):
    with translation.override("en"):
        return report(fund[0], the_period, today=TODAY)


def by_state(**counts):
    labels = {
        "draft": "Draft",
        "submitted": "Submitted",
        "returned": "Returned for revision",
        "in_review": "In review",
        "awaiting_decision": "Awaiting decision",
        "approved": "Approved",
        "rejected": "Rejected",
        "withdrawn": "Withdrawn",
    }
    return [StateCount(state, label, counts.get(state, 0)) for state, label in labels.items()]


QUARTERS_2025 = [
    Quarter("Q1 2025", 2, D("70000.00")),  # E 10.02., A 10.03.
    Quarter("Q2 2025", 1, D("40000.00")),  # B 15.04. (I is another programme's)
    Quarter("Q3 2025", 0, D("0")),
    Quarter("Q4 2025", 0, D("0")),  # D is approved in 2026
]


# ----- by date of submission -----------------------------------------------------------------


def test_submitted_basis_counts_the_applications_first_submitted_in_the_period(fund):
    result = figures(fund, year(2025))

    counts = result.counts
    assert counts.total == 6  # A B C F G D: not E (2024), not the drafts, not I
    assert counts.by_state == by_state(in_review=1, approved=3, rejected=1, withdrawn=1)
    assert (counts.submitted, counts.approved, counts.rejected, counts.withdrawn) == (6, 3, 1, 1)
    assert (counts.returned, counts.returns) == (1, 1)
    assert counts.approval_rate == D("75.0")
    assert (result.programme_id, result.programme) == (fund[0].pk, fund[0].name)
    assert result.period == year(2025)


def test_submitted_basis_amounts(fund):
    amounts = figures(fund, year(2025)).amounts

    assert amounts.requested == D("315000.00")  # 60 + 45 + 60 + 30 + 60 + 60 thousand
    assert amounts.granted == D("115000.00")  # A 50 + B 40 + D 25 thousand
    assert amounts.budget == D("500000.00")
    assert amounts.committed == D("110000.00")  # E, A, B; D is confirmed after the period
    assert amounts.remaining == D("390000.00")
    assert amounts.by_instrument == [
        InstrumentAmount("loan", "Loan", 2, D("75000.00")),
        InstrumentAmount("silent_partnership", "Silent partnership", 1, D("40000.00")),
    ]
    assert amounts.mean_grant == D("38333.33")
    assert amounts.median_grant == D("40000.00")


def test_submitted_basis_times(fund):
    times = figures(fund, year(2025)).times

    assert times.decided == 4
    assert times.days_to_decision == [45, 46, 56, 59]  # B, C, D, A
    assert times.median_days_to_decision == D("51.0")
    assert times.p90_days_to_decision == D("59.0")
    assert times.stays == [
        # A 10 and 4, B 2, C 1, D 1, F 14, G 1
        StateStay("submitted", "Submitted", 7, D("4.7")),
        StateStay("returned", "Returned for revision", 1, D("12.0")),
        # A 15, B 27, C 0, D 0, G 152 (still in review on 1 February 2026)
        StateStay("in_review", "In review", 5, D("38.8")),
        # A 18, B 16, C 45, D 55
        StateStay("awaiting_decision", "Awaiting decision", 4, D("33.5")),
    ]
    # A, C, D on time, B late, G overdue.
    assert (times.reviews_on_time, times.reviews_late, times.reviews_overdue) == (3, 1, 1)


def test_submitted_basis_effect_and_cooperation(fund):
    result = figures(fund, year(2025))

    effect = result.effect
    assert (effect.funded, effect.jobs_new, effect.jobs_secured) == (3, 4, 5)
    assert (effect.staff_total, effect.staff_severely_disabled) == (52, 21)
    assert effect.severely_disabled_share == D("40.4")  # 21 / 52 = 40.38 %
    assert effect.grant_per_job == D("12777.78")  # 115,000 / 9
    cooperation = result.cooperation
    assert (cooperation.companies, cooperation.with_partner) == (2, 1)  # Alpha, Beta
    assert cooperation.by_region == [
        RegionRow("rheinland", "Rheinland", 1, 1),
        RegionRow("westfalen_lippe", "Westfalen-Lippe", 1, 0),
        RegionRow("", "not stated", 0, 0),
    ]
    # A (a tombstone keeps its partner) and D (stripped); C was rejected, F withdrawn.
    assert cooperation.partners == [Partner("Stadtwerke Musterstadt GmbH", 2)]


def test_submitted_basis_de_minimis(fund):
    rows = figures(fund, year(2025)).de_minimis

    alpha, beta = fund[2]["A"].organization, fund[2]["B"].organization
    assert rows == [
        # D is Alpha's latest approval (declared 20,000); granted in the three years up to
        # 31.12.2025: A only (D came later, I is another programme's).
        DeMinimisRow(
            alpha.pk,
            "Alpha gGmbH",
            D("20000.00"),
            D("50000.00"),
            D("70000.00"),
            D("300000.00"),
            D("230000.00"),
            False,
        ),
        DeMinimisRow(
            beta.pk,
            "Beta gGmbH",
            D("5000.00"),
            D("40000.00"),
            D("45000.00"),
            D("300000.00"),
            D("255000.00"),
            False,
        ),
    ]


def test_submitted_basis_quarters_funnel_and_years(fund):
    result = figures(fund, year(2025))

    assert result.quarters == QUARTERS_2025
    assert result.funnel == Funnel(submitted=6, reviewed=4, decided=4, approved=3)
    assert result.jobs_by_year == [JobsYear(2025, 5, 6)]  # E 2/2, A 2/2, B 1/2


def test_submitted_basis_rows(fund):
    apps = fund[2]

    rows = figures(fund, year(2025)).rows

    def row(key, **values):
        application = apps[key]
        defaults = {
            "reference": application.reference,
            "organization": application.organization.name,
            "region": "Rheinland",
            "state": "Approved",
            "instrument": "Loan",
            "first_submitted": None,
            "closed": None,
            "version": None,
            "submissions": 1,
            "returns": 0,
            "requested": D("60000.00"),
            "granted": None,
            "jobs_new": 2,
            "jobs_secured": 2,
            "staff_total": 20,
            "staff_severely_disabled": 8,
            "cooperation_partner": "Stadtwerke Musterstadt GmbH",
            "days_to_decision": None,
            "erased": False,
        }
        return Row(**{**defaults, **values})

    day = datetime.date
    assert rows == [
        row(
            "A",
            first_submitted=day(2025, 1, 10),
            closed=day(2025, 3, 10),
            version=2,
            submissions=2,
            returns=1,
            granted=D("50000.00"),
            days_to_decision=59,
            erased=True,
        ),
        row(
            "B",
            region="Westfalen-Lippe",
            instrument="Silent partnership",
            first_submitted=day(2025, 3, 1),
            closed=day(2025, 4, 15),
            version=1,
            requested=D("45000.00"),
            granted=D("40000.00"),
            jobs_new=1,
            staff_total=10,
            staff_severely_disabled=4,
            cooperation_partner="",
            days_to_decision=45,
            erased=True,
        ),
        row(
            "C",
            state="Rejected",
            first_submitted=day(2025, 5, 5),
            closed=day(2025, 6, 20),
            version=1,
            cooperation_partner="Aachener Werkstatt AG",
            days_to_decision=46,
        ),
        row(
            "F",
            region="Westfalen-Lippe",
            state="Withdrawn",
            first_submitted=day(2025, 7, 1),
            closed=day(2025, 7, 15),
        ),
        row("G", state="In review", first_submitted=day(2025, 9, 1)),
        row(
            "D",
            first_submitted=day(2025, 11, 20),
            closed=day(2026, 1, 15),
            version=1,
            requested=D("30000.00"),
            granted=D("25000.00"),
            jobs_new=1,
            jobs_secured=1,
            staff_total=22,
            staff_severely_disabled=9,
            days_to_decision=56,
        ),
    ]
    assert [r.reference for r in rows] == sorted(r.reference for r in rows)


def test_a_resubmitted_application_counts_once(fund):
    rows = figures(fund, year(2025)).rows

    a = fund[2]["A"]
    assert [(r.submissions, r.returns, r.version) for r in rows if r.reference == a.reference] == [
        (2, 1, 2)
    ]


# ----- by date of decision -------------------------------------------------------------------


def test_decided_basis_counts_the_applications_closed_in_the_period(fund):
    result = figures(fund, year(2025, Basis.DECIDED))

    apps = fund[2]
    assert [r.reference for r in result.rows] == sorted(
        apps[key].reference for key in ("E", "A", "B", "C", "F")
    )
    counts = result.counts
    assert counts.total == 5
    assert counts.by_state == by_state(approved=3, rejected=1, withdrawn=1)
    assert (counts.approved, counts.rejected, counts.withdrawn) == (3, 1, 1)
    assert (counts.returned, counts.returns, counts.approval_rate) == (1, 1, D("75.0"))


def test_decided_basis_amounts_and_times(fund):
    result = figures(fund, year(2025, Basis.DECIDED))

    amounts = result.amounts
    assert amounts.requested == D("285000.00")
    assert amounts.granted == D("110000.00")
    assert (amounts.committed, amounts.remaining) == (D("110000.00"), D("390000.00"))
    assert amounts.by_instrument == [
        InstrumentAmount("loan", "Loan", 2, D("70000.00")),
        InstrumentAmount("silent_partnership", "Silent partnership", 1, D("40000.00")),
    ]
    assert (amounts.mean_grant, amounts.median_grant) == (D("36666.67"), D("40000.00"))
    times = result.times
    assert times.days_to_decision == [45, 46, 52, 59]  # B, C, E, A
    assert (times.median_days_to_decision, times.p90_days_to_decision) == (D("49.0"), D("59.0"))
    assert times.stays == [
        StateStay("submitted", "Submitted", 6, D("5.3")),  # A 10 and 4, B 2, C 1, E 1, F 14
        StateStay("returned", "Returned for revision", 1, D("12.0")),
        StateStay("in_review", "In review", 4, D("10.5")),  # A 15, B 27, C 0, E 0
        StateStay("awaiting_decision", "Awaiting decision", 4, D("32.5")),  # 18, 16, 45, 51
    ]
    assert (times.reviews_on_time, times.reviews_late, times.reviews_overdue) == (3, 1, 0)


def test_decided_basis_effect_cooperation_and_de_minimis(fund):
    result = figures(fund, year(2025, Basis.DECIDED))

    effect = result.effect
    assert (effect.funded, effect.jobs_new, effect.jobs_secured) == (3, 5, 6)
    assert (effect.staff_total, effect.staff_severely_disabled) == (50, 20)
    assert (effect.severely_disabled_share, effect.grant_per_job) == (D("40.0"), D("10000.00"))
    cooperation = result.cooperation
    assert (cooperation.companies, cooperation.with_partner) == (3, 2)
    assert cooperation.by_region == [
        RegionRow("rheinland", "Rheinland", 1, 1),
        RegionRow("westfalen_lippe", "Westfalen-Lippe", 1, 0),
        RegionRow("", "not stated", 1, 1),
    ]
    # By name, whatever the case.
    assert cooperation.partners == [
        Partner("aachener Druck GmbH", 1),
        Partner("Stadtwerke Musterstadt GmbH", 1),
    ]
    assert [(r.organization, r.declared, r.granted, r.total) for r in result.de_minimis] == [
        ("Alpha gGmbH", D("10000.00"), D("50000.00"), D("60000.00")),  # A is its latest here
        ("Beta gGmbH", D("5000.00"), D("40000.00"), D("45000.00")),
        ("Delta GmbH", D("10000.00"), D("20000.00"), D("30000.00")),
    ]
    assert result.funnel == Funnel(submitted=5, reviewed=4, decided=4, approved=3)
    # Quarters and years are by the date of decision whichever the basis.
    assert result.quarters == QUARTERS_2025
    assert result.jobs_by_year == [JobsYear(2025, 5, 6)]


def test_the_two_bases_give_different_sets(fund):
    submitted = {r.reference for r in figures(fund, year(2025)).rows}
    decided = {r.reference for r in figures(fund, year(2025, Basis.DECIDED)).rows}

    apps = fund[2]
    assert submitted - decided == {apps["G"].reference, apps["D"].reference}
    assert decided - submitted == {apps["E"].reference}


# ----- periods ------------------------------------------------------------------------------


def test_quarters_are_clipped_to_the_period(fund):
    the_period = period(datetime.date(2025, 2, 15), datetime.date(2025, 5, 10), Basis.DECIDED)

    result = figures(fund, the_period)

    # E (10.02.) lies before the period, A (10.03.) and B (15.04.) inside it.
    assert result.quarters == [
        Quarter("Q1 2025", 1, D("50000.00")),
        Quarter("Q2 2025", 1, D("40000.00")),
    ]
    assert result.jobs_by_year == [JobsYear(2025, 3, 4)]
    assert result.amounts.committed == D("110000.00")  # everything confirmed up to 10.05.
    assert [r.reference for r in result.rows] == [fund[2]["A"].reference, fund[2]["B"].reference]


def test_quarters_and_years_across_the_turn_of_the_year(fund):
    the_period = period(datetime.date(2024, 11, 1), datetime.date(2025, 2, 28), Basis.DECIDED)

    result = figures(fund, the_period)

    assert result.quarters == [
        Quarter("Q4 2024", 0, D("0")),
        Quarter("Q1 2025", 1, D("20000.00")),  # E; A (10.03.) is after the period
    ]
    assert result.jobs_by_year == [JobsYear(2024, 0, 0), JobsYear(2025, 2, 2)]
    assert result.amounts.committed == D("20000.00")
    assert result.amounts.remaining == D("480000.00")


def test_an_empty_period(fund):
    result = figures(fund, year(2023))

    assert result.counts.total == 0
    assert result.counts.by_state == by_state()
    assert (result.counts.returned, result.counts.returns, result.counts.approval_rate) == (
        0,
        0,
        None,
    )
    amounts = result.amounts
    assert (amounts.requested, amounts.granted, amounts.committed) == (D("0"), D("0"), D("0"))
    assert amounts.remaining == D("500000.00")
    assert [(i.count, i.granted) for i in amounts.by_instrument] == [(0, D("0")), (0, D("0"))]
    assert (amounts.mean_grant, amounts.median_grant) == (None, None)
    times = result.times
    assert (times.decided, times.days_to_decision) == (0, [])
    assert (times.median_days_to_decision, times.p90_days_to_decision) == (None, None)
    assert [(s.stays, s.mean_days) for s in times.stays] == [(0, None)] * 4
    assert (times.reviews_on_time, times.reviews_late, times.reviews_overdue) == (0, 0, 0)
    effect = result.effect
    assert (effect.funded, effect.jobs_new, effect.staff_total) == (0, 0, 0)
    assert (effect.severely_disabled_share, effect.grant_per_job) == (None, None)
    assert (result.cooperation.companies, result.cooperation.partners) == (0, [])
    assert [(r.companies, r.with_partner) for r in result.cooperation.by_region] == [(0, 0)] * 3
    assert result.de_minimis == []
    assert result.quarters == [Quarter(f"Q{n} 2023", 0, D("0")) for n in (1, 2, 3, 4)]
    assert result.funnel == Funnel(0, 0, 0, 0)
    assert result.jobs_by_year == [JobsYear(2023, 0, 0)]
    assert result.rows == []


def test_the_figures_exclude_other_programmes(fund):
    _fund, other, apps = fund

    with translation.override("en"):
        result = report(other, year(2025), today=TODAY)

    assert [r.reference for r in result.rows] == [apps["I"].reference]
    assert (result.amounts.granted, result.amounts.committed) == (D("60000.00"), D("60000.00"))
    assert result.quarters[1] == Quarter("Q2 2025", 1, D("60000.00"))
    assert apps["I"].reference not in {r.reference for r in figures(fund, year(2025)).rows}


def test_labels_follow_the_active_language(fund):
    with translation.override("de"):
        result = report(fund[0], year(2025), today=TODAY)

    assert result.counts.by_state[5].label == "Bewilligt"
    assert result.rows[0].state == "Bewilligt"
    assert result.amounts.by_instrument[0].label == "Darlehen"
