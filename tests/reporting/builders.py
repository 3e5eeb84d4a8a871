"""Hand-made ``Report`` objects for the tests of the charts, the exports and the PDF.

``make_report()`` is a small, consistent year (2025, by first submission) of a programme;
keyword arguments replace any part of it. ``empty_report()`` is a period without applications.
"""

import datetime
from decimal import Decimal

from reporting.report import (
    Amounts,
    Basis,
    Cooperation,
    Counts,
    DeMinimisRow,
    Effect,
    Funnel,
    InstrumentAmount,
    JobsYear,
    Partner,
    Period,
    Quarter,
    RegionRow,
    Report,
    Row,
    StateCount,
    StateStay,
    Times,
)

D = Decimal


def make_period(**changes):
    values = {
        "start": datetime.date(2025, 1, 1),
        "end": datetime.date(2025, 12, 31),
        "basis": Basis.SUBMITTED,
        "label": "2025",
    }
    return Period(**{**values, **changes})


def make_counts(**changes):
    values = {
        "total": 7,
        "by_state": [
            StateCount("draft", "Draft", 0),
            StateCount("submitted", "Submitted", 1),
            StateCount("approved", "Approved", 4),
            StateCount("rejected", "Rejected", 1),
            StateCount("withdrawn", "Withdrawn", 1),
        ],
        "submitted": 7,
        "approved": 4,
        "rejected": 1,
        "withdrawn": 1,
        "returned": 2,
        "returns": 3,
        "approval_rate": D("80.0"),
    }
    return Counts(**{**values, **changes})


def make_amounts(**changes):
    values = {
        "requested": D("500000.00"),
        "granted": D("320000.00"),
        "budget": D("1000000.00"),
        "committed": D("450000.00"),
        "remaining": D("550000.00"),
        "by_instrument": [
            InstrumentAmount("loan", "Loan", 3, D("200000.00")),
            InstrumentAmount("silent_partnership", "Silent partnership", 1, D("120000.00")),
        ],
        "mean_grant": D("80000.00"),
        "median_grant": D("75000.50"),
    }
    return Amounts(**{**values, **changes})


def make_times(**changes):
    values = {
        "decided": 5,
        "median_days_to_decision": D("45.0"),
        "p90_days_to_decision": D("95.0"),
        "days_to_decision": [12, 40, 45, 50, 95],
        "stays": [
            StateStay("submitted", "Submitted", 7, D("5.5")),
            StateStay("returned", "Returned", 3, D("12.0")),
            StateStay("in_review", "In review", 6, D("20.3")),
            StateStay("awaiting_decision", "Awaiting decision", 5, None),
        ],
        "reviews_on_time": 9,
        "reviews_late": 2,
        "reviews_overdue": 1,
    }
    return Times(**{**values, **changes})


def make_effect(**changes):
    values = {
        "funded": 4,
        "jobs_new": 8,
        "jobs_secured": 4,
        "staff_total": 120,
        "staff_severely_disabled": 45,
        "severely_disabled_share": D("37.5"),
        "grant_per_job": D("26666.67"),
    }
    return Effect(**{**values, **changes})


def make_cooperation(**changes):
    values = {
        "companies": 4,
        "with_partner": 2,
        "by_region": [
            RegionRow("rheinland", "Rheinland", 3, 2),
            RegionRow("westfalen_lippe", "Westfalen-Lippe", 1, 0),
            RegionRow("", "Not stated", 0, 0),
        ],
        "partners": [Partner("Caritas Köln", 1), Partner("Werkstatt Nord", 1)],
    }
    return Cooperation(**{**values, **changes})


def make_de_minimis(**changes):
    values = {
        "organization_id": 1,
        "organization": "Integra Köln gGmbH",
        "declared": D("50000.00"),
        "granted": D("120000.00"),
        "total": D("170000.00"),
        "ceiling": D("300000.00"),
        "remaining": D("130000.00"),
        "over": False,
    }
    return DeMinimisRow(**{**values, **changes})


def make_row(**changes):
    values = {
        "reference": "RK-2025-0001",
        "organization": "Integra Köln gGmbH",
        "region": "Rheinland",
        "state": "Approved",
        "instrument": "Loan",
        "first_submitted": datetime.date(2025, 2, 3),
        "closed": datetime.date(2025, 3, 20),
        "version": 2,
        "submissions": 2,
        "returns": 1,
        "requested": D("150000.00"),
        "granted": D("120000.00"),
        "jobs_new": 3,
        "jobs_secured": 1,
        "staff_total": 30,
        "staff_severely_disabled": 12,
        "cooperation_partner": "Caritas Köln",
        "days_to_decision": 45,
        "erased": False,
    }
    return Row(**{**values, **changes})


def make_quarters():
    return [
        Quarter("Q1 2025", 3, D("120000.00")),
        Quarter("Q2 2025", 0, D("0.00")),
        Quarter("Q3 2025", 1, D("200000.00")),
        Quarter("Q4 2025", 0, D("0.00")),
    ]


def make_report(**changes):
    values = {
        "programme_id": 1,
        "programme": "Risikokapital 2025",
        "period": make_period(),
        "counts": make_counts(),
        "amounts": make_amounts(),
        "times": make_times(),
        "effect": make_effect(),
        "cooperation": make_cooperation(),
        "de_minimis": [make_de_minimis()],
        "quarters": make_quarters(),
        "funnel": Funnel(submitted=7, reviewed=6, decided=5, approved=4),
        "jobs_by_year": [JobsYear(2025, 8, 4)],
        "rows": [
            make_row(),
            make_row(
                reference="RK-2025-0002",
                organization="Werkhof Bielefeld eG",
                region="Westfalen-Lippe",
                state="Submitted",
                instrument="Silent partnership",
                closed=None,
                version=None,
                submissions=1,
                returns=0,
                requested=D("80000.00"),
                granted=None,
                jobs_new=0,
                jobs_secured=0,
                staff_total=None,
                staff_severely_disabled=None,
                cooperation_partner="",
                days_to_decision=None,
            ),
        ],
    }
    return Report(**{**values, **changes})


def empty_report(**changes):
    """A period without a single application: zeros, no values to divide."""
    values = {
        "counts": make_counts(
            total=0,
            by_state=[StateCount("draft", "Draft", 0)],
            submitted=0,
            approved=0,
            rejected=0,
            withdrawn=0,
            returned=0,
            returns=0,
            approval_rate=None,
        ),
        "amounts": make_amounts(
            requested=D("0.00"),
            granted=D("0.00"),
            by_instrument=[InstrumentAmount("loan", "Loan", 0, D("0.00"))],
            mean_grant=None,
            median_grant=None,
        ),
        "times": make_times(
            decided=0,
            median_days_to_decision=None,
            p90_days_to_decision=None,
            days_to_decision=[],
            stays=[],
            reviews_on_time=0,
            reviews_late=0,
            reviews_overdue=0,
        ),
        "effect": make_effect(
            funded=0,
            jobs_new=0,
            jobs_secured=0,
            staff_total=0,
            staff_severely_disabled=0,
            severely_disabled_share=None,
            grant_per_job=None,
        ),
        "cooperation": make_cooperation(companies=0, with_partner=0, by_region=[], partners=[]),
        "de_minimis": [],
        "quarters": [Quarter(f"Q{n} 2025", 0, D("0.00")) for n in range(1, 5)],
        "funnel": Funnel(submitted=0, reviewed=0, decided=0, approved=0),
        "jobs_by_year": [JobsYear(2025, 0, 0)],
        "rows": [],
    }
    return make_report(**{**values, **changes})
