"""What a report holds: plain values, computed by ``reporting.figures`` and shown by the page,
the charts and the exports (none of which compute anything themselves).

Money is ``Decimal`` (EUR, two places), shares and rates are ``Decimal`` percentages with one
place (``None`` when there is nothing to divide by), days are ``Decimal`` with one place (``None``
when there are no values). Counts only: no employee's personal data, no review text, no
reviewer's name.
"""

import dataclasses
import datetime
from decimal import Decimal


class Basis:
    """Which date puts an application into the period."""

    SUBMITTED = "submitted"  # its first submission
    DECIDED = "decided"  # its closing: the board's confirmed decision, or its withdrawal


@dataclasses.dataclass(frozen=True)
class Period:
    start: datetime.date  # first day, inclusive
    end: datetime.date  # last day, inclusive
    basis: str  # Basis.SUBMITTED or Basis.DECIDED
    label: str  # "2025", "Q3 2025", "01.03.2025–30.06.2025" (in the reader's language)


@dataclasses.dataclass
class StateCount:
    state: str  # applications.models.State value
    label: str
    count: int


@dataclasses.dataclass
class Counts:
    total: int  # applications in the period (each once, however often resubmitted)
    by_state: list[StateCount]  # every state in the workflow's order, zeros included
    submitted: int  # of them, submitted at least once
    approved: int
    rejected: int
    withdrawn: int
    returned: int  # returned for revision at least once
    returns: int  # how often, in all
    approval_rate: Decimal | None  # approved / (approved + rejected), in %


@dataclasses.dataclass
class InstrumentAmount:
    instrument: str  # applications.models.Instrument value
    label: str
    count: int
    granted: Decimal


@dataclasses.dataclass
class Amounts:
    requested: Decimal  # sum of the requested amounts of the applications in the period
    granted: Decimal  # sum of the amounts of their confirmed approvals
    budget: Decimal  # the programme's budget
    committed: Decimal  # all confirmed approvals of the programme up to the period's end
    remaining: Decimal  # budget - committed (negative when over-committed)
    by_instrument: list[InstrumentAmount]  # loan, silent partnership (zeros included)
    mean_grant: Decimal | None
    median_grant: Decimal | None


@dataclasses.dataclass
class StateStay:
    state: str
    label: str
    stays: int  # how many times an application of the period entered the state
    mean_days: Decimal | None  # mean length of a stay; an open stay counts up to today


@dataclasses.dataclass
class Times:
    decided: int  # applications with a decision (approved or rejected)
    median_days_to_decision: Decimal | None  # first submission → confirmed decision
    p90_days_to_decision: Decimal | None  # nearest-rank 90th percentile
    days_to_decision: list[int]  # every decided application's whole days, ascending
    stays: list[StateStay]  # submitted, returned, in review, awaiting decision
    reviews_on_time: int  # submitted on or before the due date
    reviews_late: int  # submitted after the due date
    reviews_overdue: int  # not yet submitted, due date passed


@dataclasses.dataclass
class Effect:
    funded: int  # approved applications
    jobs_new: int  # planned new jobs for the target group (from the decided versions)
    jobs_secured: int
    staff_total: int  # in the funded companies, as stated in the decided versions
    staff_severely_disabled: int
    severely_disabled_share: Decimal | None  # staff_severely_disabled / staff_total, in %
    grant_per_job: Decimal | None  # granted / (jobs_new + jobs_secured)


@dataclasses.dataclass
class RegionRow:
    region: str  # funding.models.Organization.Region value, "" for not stated
    label: str
    companies: int  # funded companies in the region
    with_partner: int  # of them, with a cooperation partner


@dataclasses.dataclass
class Partner:
    name: str
    applications: int  # funded applications naming it


@dataclasses.dataclass
class Cooperation:
    companies: int  # funded companies (each once)
    with_partner: int
    by_region: list[RegionRow]  # Rheinland, Westfalen-Lippe, not stated
    partners: list[Partner]  # by name


@dataclasses.dataclass
class DeMinimisRow:
    organization_id: int
    organization: str  # the company's name (an organisation, not a person)
    declared: Decimal  # de minimis aid declared in its latest approved application
    granted: Decimal  # granted by this programme in the three years up to the period's end
    total: Decimal  # declared + granted
    ceiling: Decimal
    remaining: Decimal  # ceiling - total (negative when over)
    over: bool


@dataclasses.dataclass
class Quarter:
    label: str  # "Q1 2025"
    approved: int  # approvals confirmed in the quarter
    granted: Decimal


@dataclasses.dataclass
class JobsYear:
    year: int
    jobs_new: int  # of the approvals confirmed in the year
    jobs_secured: int


@dataclasses.dataclass
class Funnel:
    submitted: int
    reviewed: int  # reached "awaiting decision" at least once
    decided: int  # approved or rejected
    approved: int


@dataclasses.dataclass
class Row:
    """One application of the period, with the version that was decided (the underlying data)."""

    reference: str
    organization: str
    region: str  # label
    state: str  # label
    instrument: str  # label of the decided (else requested) instrument
    first_submitted: datetime.date | None
    closed: datetime.date | None  # decision or withdrawal
    version: int | None  # the version decided (None when not decided)
    submissions: int
    returns: int
    requested: Decimal | None
    granted: Decimal | None
    jobs_new: int
    jobs_secured: int
    staff_total: int | None
    staff_severely_disabled: int | None
    cooperation_partner: str
    days_to_decision: int | None
    erased: bool  # reduced to a tombstone by the retention rules (still counted)


@dataclasses.dataclass
class Report:
    programme_id: int
    programme: str
    period: Period
    counts: Counts
    amounts: Amounts
    times: Times
    effect: Effect
    cooperation: Cooperation
    de_minimis: list[DeMinimisRow]  # companies funded in the period, by name
    quarters: list[Quarter]  # every quarter the period touches, in order (by decision date)
    funnel: Funnel
    jobs_by_year: list[JobsYear]  # every year the period touches (by decision date)
    rows: list[Row]  # by reference
