"""The fund's evaluation figures for one programme and one period (``report``).

Definitions (dates are calendar days in Berlin time, ``settings.TIME_ZONE``; the period's first
and last day both count):

- **The applications of the period.** By date of submission: those first submitted within the
  period. By date of decision: those closed within the period, that is the board's decision
  confirmed (four eyes) or the application withdrawn within it. An application counts once
  however often it was resubmitted; a draft never submitted never counts. Applications
  reduced to a tombstone by the retention rules still count with what they keep. Everything
  below about "the applications of the period" uses what is known today (with the date of
  submission, a decision after the period's end counts too).
- **Counts.** Applications by their current state; returned: returned for revision at least
  once (returns: how often in all); approval rate: approved ÷ (approved + rejected), in %.
- **Amounts.** Requested: the sum of their requested amounts. Granted: the sum of their
  confirmed approvals, by the instrument the board decided. Committed: every confirmed
  approval of the programme up to the period's end, whichever dates put applications into
  the period; remaining: budget − committed. Mean and median grant of their approvals (the
  median of an even number: the mean of the two middle ones).
- **Times.** Days to decision: whole calendar days from the first submission to the
  confirmation of the decision; median and 90th percentile (nearest rank: the smallest value
  that at least 90 % of the values do not exceed). Stays: how often their applications
  entered a state and how long they stayed (from entering to leaving it, in calendar days; a
  stay not yet ended counts up to today). Reviews: on time when submitted on or before the due
  date, late when after it, overdue when an open assignment has no review and its due date
  has passed (declined, removed, recused and closed assignments do not count).
- **Effect** (their approved applications, with the values of the version decided, summed
  per application: a company funded twice counts twice): new and secured jobs for the target
  group, staff and severely disabled staff, their share (severely disabled ÷ staff, in %),
  granted ÷ (new + secured jobs).
- **Cooperation.** Funded companies (each once, with an approved application of the period),
  those with a cooperation partner on one of them, by region; the partners named (each name
  once, with the number of funded applications naming it).
- **De minimis** per funded company: declared (the aid it declared in its latest approved
  application of the period) plus granted (its approvals by this programme confirmed in the
  three years up to the period's end: after the same day three years earlier, up to the
  period's last day) against the programme's ceiling.
- **Quarters and years.** Always by the date of the decision, whichever dates put
  applications into the period: the approvals of the programme confirmed in each calendar
  quarter (and year) the period touches, clipped to the period; their sums and job counts.
- **Funnel** of the applications of the period: submitted, reviewed (reached "awaiting
  decision" at least once), decided (approved or rejected), approved.

Money has two places, percentages and days one place, rounded half up. Computed in seven
queries whatever the number of applications; medians and percentiles in Python.
"""

import datetime
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from applications.models import Application, Instrument, State
from decisions.models import Decision
from funding.models import Organization
from reviews.models import Assignment

from .report import (
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
    Quarter,
    RegionRow,
    Report,
    Row,
    StateCount,
    StateStay,
    Times,
)

ZERO = Decimal("0")
CENT = Decimal("0.01")
TENTH = Decimal("0.1")

# The states whose stays are measured, in the workflow's order.
STAY_STATES = (State.SUBMITTED, State.RETURNED, State.IN_REVIEW, State.AWAITING_DECISION)
# Regions in the order of the report; "" is "not stated".
REGIONS = ("rheinland", "westfalen_lippe", "")
# Assignments that owe no review.
NOT_OWED = (Assignment.Status.DECLINED, Assignment.Status.REMOVED)


# ----- small helpers -----------------------------------------------------------------------------


def _zone():
    return ZoneInfo(settings.TIME_ZONE)


def local_date(moment):
    """The calendar day of ``moment`` in ``settings.TIME_ZONE`` (None stays None)."""
    return None if moment is None else moment.astimezone(_zone()).date()


def day_start(day):
    """The first moment of ``day`` in ``settings.TIME_ZONE`` (an aware datetime)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=_zone())


def years_before(day, years):
    """The same day ``years`` earlier (the 29th of February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def percent(part, whole):
    """``part / whole`` in %, one place, half up; None when ``whole`` is zero."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def median(values):
    """The median of numbers (the mean of the two middle ones for an even count), or None."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[middle])
    return (Decimal(ordered[middle - 1]) + Decimal(ordered[middle])) / 2


def nearest_rank(values, percentile):
    """The nearest-rank percentile: the smallest value such that at least ``percentile`` % of
    the values are less than or equal to it (None without values)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = -(-percentile * len(ordered) // 100)  # ceil(p/100 · n), in integers
    return Decimal(ordered[max(rank, 1) - 1])


def _round(value, places):
    return None if value is None else value.quantize(places, rounding=ROUND_HALF_UP)


def _mean(values, places):
    values = list(values)
    if not values:
        return None
    return _round(Decimal(sum(values)) / len(values), places)


def _label(choices, value):
    """The translated label of a choice (the value itself if unknown, "" for empty)."""
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def region_label(value):
    if value not in REGIONS[:-1]:
        return str(_("not stated"))
    return str(Organization.Region(value).label)


def quarters_of(start, end):
    """Every calendar quarter from ``start`` to ``end``: (quarter, year, first day, last day),
    clipped to ``start`` and ``end``."""
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while True:
        first = datetime.date(year, 3 * quarter - 2, 1)
        following = (
            datetime.date(year + 1, 1, 1)
            if quarter == 4
            else datetime.date(year, 3 * quarter + 1, 1)
        )
        if first > end:
            return
        last = following - datetime.timedelta(days=1)
        yield quarter, year, max(first, start), min(last, end)
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


# ----- the queries -------------------------------------------------------------------------------


def _application_logs():
    """The transition log of applications (by the content type's natural key: no look-up)."""
    return StateLog.objects.filter(
        content_type__app_label="applications", content_type__model="application"
    )


def _confirmed():
    return Decision.objects.filter(status=Decision.Status.CONFIRMED)


def _approvals(programme):
    return _confirmed().filter(application__programme=programme, outcome=Decision.Outcome.APPROVE)


def applications_of(programme, period):
    """The applications of the period (a queryset; see the module's definitions)."""
    start, end = day_start(period.start), day_start(period.end + datetime.timedelta(days=1))
    submitted = Application.objects.filter(programme=programme, submitted_at__isnull=False)
    if period.basis == Basis.SUBMITTED:
        return submitted.filter(submitted_at__gte=start, submitted_at__lt=end)
    if period.basis == Basis.DECIDED:
        # Two plain subqueries (not correlated: each is evaluated once, not per application).
        decided = (
            _confirmed()
            .filter(application__programme=programme, confirmed_at__gte=start, confirmed_at__lt=end)
            .values("application_id")
        )
        withdrawn = (
            _application_logs()
            .filter(transition="withdraw", timestamp__gte=start, timestamp__lt=end)
            .values("object_id")
        )
        return submitted.filter(Q(pk__in=decided) | Q(pk__in=withdrawn))
    raise ValueError(f"Unknown basis: {period.basis!r}")


APPLICATION_VALUES = (
    "pk",
    "reference",
    "state",
    "organization_id",
    "organization__name",
    "organization__region",
    "instrument",
    "submitted_at",
    "submission_count",
    "requested_amount",
    "jobs_new",
    "jobs_secured",
    "staff_total",
    "staff_severely_disabled",
    "cooperation_partner",
    "de_minimis_received",
    "erased_at",
)


class _Data:
    """What the queries fetched, by application."""

    def __init__(self, programme, period, today):
        self.programme, self.period, self.today = programme, period, today
        chosen = applications_of(programme, period)
        ids = chosen.values("pk")
        start = day_start(period.start)
        end = day_start(period.end + datetime.timedelta(days=1))
        # 1. The applications.
        self.applications = sorted(
            chosen.order_by().values(*APPLICATION_VALUES),
            key=lambda a: (a["reference"] or "", a["pk"]),
        )
        # 2. Their confirmed decisions (the latest one per application).
        self.decisions = {
            d["application_id"]: d
            for d in _confirmed()
            .filter(application__in=ids)
            .order_by("confirmed_at", "pk")
            .values(
                "application_id",
                "outcome",
                "amount",
                "instrument",
                "confirmed_at",
                "application_version__number",
            )
        }
        # 3. Their transition logs, in order.
        self.logs = defaultdict(list)
        for log in (
            _application_logs()
            .filter(object_id__in=ids)
            .order_by("timestamp", "pk")
            .values("object_id", "state", "transition", "timestamp")
        ):
            self.logs[log["object_id"]].append(log)
        # 4. Their reviews and the open assignments past their due date.
        self.assignments = list(
            Assignment.objects.filter(application__in=ids)
            .exclude(status__in=NOT_OWED)
            .filter(Q(review__isnull=False) | Q(status=Assignment.Status.OPEN, due_on__lt=today))
            .order_by()
            .values("status", "due_on", "review__submitted_at")
        )
        # 5. Committed up to the period's end.
        self.committed = (
            _approvals(programme)
            .filter(confirmed_at__lt=end)
            .order_by()
            .aggregate(total=Sum("amount"))["total"]
            or ZERO
        )
        # 6. The programme's approvals confirmed within the period (quarters and years).
        self.period_approvals = list(
            _approvals(programme)
            .filter(confirmed_at__gte=start, confirmed_at__lt=end)
            .order_by()
            .values("confirmed_at", "amount", "application__jobs_new", "application__jobs_secured")
        )
        # 7. De minimis: the funded companies' approvals by this programme in three years.
        window = day_start(years_before(period.end, 3) + datetime.timedelta(days=1))
        self.de_minimis_granted = {
            row["application__organization_id"]: row["total"]
            for row in _approvals(programme)
            .filter(
                application__organization_id__in=chosen.filter(state=State.APPROVED).values(
                    "organization_id"
                ),
                confirmed_at__gte=window,
                confirmed_at__lt=end,
            )
            .order_by()
            .values("application__organization_id")
            .annotate(total=Sum("amount"))
        }

    def decision(self, application):
        return self.decisions.get(application["pk"])

    def approved(self):
        """The approved applications of the period with their confirmed approval."""
        return [
            (a, self.decisions[a["pk"]])
            for a in self.applications
            if a["state"] == State.APPROVED
            and self.decisions.get(a["pk"], {}).get("outcome") == Decision.Outcome.APPROVE
        ]

    def returns(self, application):
        return sum(
            1 for log in self.logs[application["pk"]] if log["transition"] == "return_for_revision"
        )

    def withdrawn_on(self, application):
        moments = [
            log["timestamp"]
            for log in self.logs[application["pk"]]
            if log["transition"] == "withdraw"
        ]
        return local_date(moments[-1]) if moments else None

    def closed_on(self, application):
        decision = self.decision(application)
        if decision is not None:
            return local_date(decision["confirmed_at"])
        return self.withdrawn_on(application)

    def days_to_decision(self, application):
        decision = self.decision(application)
        if decision is None or application["submitted_at"] is None:
            return None
        return (local_date(decision["confirmed_at"]) - local_date(application["submitted_at"])).days


# ----- the figures -------------------------------------------------------------------------------


def _counts(data):
    states = Counter(a["state"] for a in data.applications)
    returns = [data.returns(a) for a in data.applications]
    approved, rejected = states[State.APPROVED], states[State.REJECTED]
    return Counts(
        total=len(data.applications),
        by_state=[
            StateCount(state=state.value, label=str(state.label), count=states[state.value])
            for state in State
        ],
        submitted=sum(1 for a in data.applications if a["submitted_at"] is not None),
        approved=approved,
        rejected=rejected,
        withdrawn=states[State.WITHDRAWN],
        returned=sum(1 for n in returns if n),
        returns=sum(returns),
        approval_rate=percent(approved, approved + rejected),
    )


def _amounts(data):
    approved = data.approved()
    grants = [decision["amount"] for _a, decision in approved]
    by_instrument = defaultdict(list)
    for application, decision in approved:
        by_instrument[decision["instrument"] or application["instrument"]].append(
            decision["amount"]
        )
    budget = data.programme.budget
    return Amounts(
        requested=sum((a["requested_amount"] or ZERO for a in data.applications), ZERO),
        granted=sum(grants, ZERO),
        budget=budget,
        committed=data.committed,
        remaining=budget - data.committed,
        by_instrument=[
            InstrumentAmount(
                instrument=instrument.value,
                label=str(instrument.label),
                count=len(by_instrument[instrument.value]),
                granted=sum(by_instrument[instrument.value], ZERO),
            )
            for instrument in Instrument
        ],
        mean_grant=_mean(grants, CENT),
        median_grant=_round(median(grants), CENT),
    )


def _stays(data):
    lengths = defaultdict(list)
    for logs in data.logs.values():
        for index, log in enumerate(logs):
            if log["state"] not in STAY_STATES:
                continue
            entered = local_date(log["timestamp"])
            left = local_date(logs[index + 1]["timestamp"]) if index + 1 < len(logs) else data.today
            lengths[log["state"]].append(max((left - entered).days, 0))
    return [
        StateStay(
            state=state.value,
            label=str(state.label),
            stays=len(lengths[state.value]),
            mean_days=_mean(lengths[state.value], TENTH),
        )
        for state in STAY_STATES
    ]


def _times(data):
    days = sorted(d for d in (data.days_to_decision(a) for a in data.applications) if d is not None)
    on_time = late = overdue = 0
    for assignment in data.assignments:
        submitted = assignment["review__submitted_at"]
        if submitted is None:
            overdue += 1  # the query fetched only open ones past their due date
        elif assignment["due_on"] is None or local_date(submitted) <= assignment["due_on"]:
            on_time += 1
        else:
            late += 1
    return Times(
        decided=len(days),
        median_days_to_decision=_round(median(days), TENTH),
        p90_days_to_decision=_round(nearest_rank(days, 90), TENTH),
        days_to_decision=days,
        stays=_stays(data),
        reviews_on_time=on_time,
        reviews_late=late,
        reviews_overdue=overdue,
    )


def _effect(data, granted):
    approved = [a for a, _decision in data.approved()]
    jobs_new = sum(a["jobs_new"] or 0 for a in approved)
    jobs_secured = sum(a["jobs_secured"] or 0 for a in approved)
    staff = sum(a["staff_total"] or 0 for a in approved)
    severely_disabled = sum(a["staff_severely_disabled"] or 0 for a in approved)
    jobs = jobs_new + jobs_secured
    return Effect(
        funded=len(approved),
        jobs_new=jobs_new,
        jobs_secured=jobs_secured,
        staff_total=staff,
        staff_severely_disabled=severely_disabled,
        severely_disabled_share=percent(severely_disabled, staff),
        grant_per_job=_round(granted / jobs, CENT) if jobs else None,
    )


def _region(value):
    return value if value in REGIONS else ""


def _cooperation(data):
    companies = {}  # organisation id: (region, has a partner)
    partners = Counter()
    for application, _decision in data.approved():
        partner = (application["cooperation_partner"] or "").strip()
        region, has_partner = companies.get(
            application["organization_id"], (_region(application["organization__region"]), False)
        )
        companies[application["organization_id"]] = (region, has_partner or bool(partner))
        if partner:
            partners[partner] += 1
    return Cooperation(
        companies=len(companies),
        with_partner=sum(1 for _region_, has in companies.values() if has),
        by_region=[
            RegionRow(
                region=region,
                label=region_label(region),
                companies=sum(1 for r, _has in companies.values() if r == region),
                with_partner=sum(1 for r, has in companies.values() if r == region and has),
            )
            for region in REGIONS
        ],
        partners=[
            Partner(name=name, applications=partners[name])
            for name in sorted(partners, key=lambda name: (name.casefold(), name))
        ],
    )


def _de_minimis(data):
    latest = {}  # organisation id: its latest approved application of the period
    for application, _decision in sorted(
        data.approved(), key=lambda pair: (pair[1]["confirmed_at"], pair[0]["pk"])
    ):
        latest[application["organization_id"]] = application
    ceiling = data.programme.de_minimis_ceiling
    rows = []
    for organization_id, application in latest.items():
        declared = application["de_minimis_received"] or ZERO
        granted = data.de_minimis_granted.get(organization_id) or ZERO
        total = declared + granted
        rows.append(
            DeMinimisRow(
                organization_id=organization_id,
                organization=application["organization__name"],
                declared=declared,
                granted=granted,
                total=total,
                ceiling=ceiling,
                remaining=ceiling - total,
                over=total > ceiling,
            )
        )
    return sorted(rows, key=lambda row: (row.organization.casefold(), row.organization_id))


def quarter_label(year, quarter):
    """ "Q3 2025" in the active language."""
    return _("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": year}


def _quarters(data):
    approvals = [(local_date(a["confirmed_at"]), a) for a in data.period_approvals]
    quarters = []
    for quarter, year, first, last in quarters_of(data.period.start, data.period.end):
        inside = [a for day, a in approvals if first <= day <= last]
        quarters.append(
            Quarter(
                label=quarter_label(year, quarter),
                approved=len(inside),
                granted=sum((a["amount"] for a in inside), ZERO),
            )
        )
    return quarters


def _jobs_by_year(data):
    approvals = [(local_date(a["confirmed_at"]).year, a) for a in data.period_approvals]
    return [
        JobsYear(
            year=year,
            jobs_new=sum(a["application__jobs_new"] or 0 for y, a in approvals if y == year),
            jobs_secured=sum(
                a["application__jobs_secured"] or 0 for y, a in approvals if y == year
            ),
        )
        for year in range(data.period.start.year, data.period.end.year + 1)
    ]


def _funnel(data, counts):
    reviewed = sum(
        1
        for a in data.applications
        if any(log["state"] == State.AWAITING_DECISION for log in data.logs[a["pk"]])
    )
    return Funnel(
        submitted=counts.submitted,
        reviewed=reviewed,
        decided=counts.approved + counts.rejected,
        approved=counts.approved,
    )


def _rows(data):
    rows = []
    for application in data.applications:
        decision = data.decision(application)
        approval = decision is not None and decision["outcome"] == Decision.Outcome.APPROVE
        instrument = (decision and decision["instrument"]) or application["instrument"]
        rows.append(
            Row(
                reference=application["reference"] or "",
                organization=application["organization__name"],
                region=region_label(_region(application["organization__region"])),
                state=_label(State, application["state"]),
                instrument=_label(Instrument, instrument),
                first_submitted=local_date(application["submitted_at"]),
                closed=data.closed_on(application),
                version=decision["application_version__number"] if decision else None,
                submissions=application["submission_count"],
                returns=data.returns(application),
                requested=application["requested_amount"],
                granted=decision["amount"] if approval else None,
                jobs_new=application["jobs_new"] or 0,
                jobs_secured=application["jobs_secured"] or 0,
                staff_total=application["staff_total"],
                staff_severely_disabled=application["staff_severely_disabled"],
                cooperation_partner=(application["cooperation_partner"] or "").strip(),
                days_to_decision=data.days_to_decision(application),
                erased=application["erased_at"] is not None,
            )
        )
    return rows


def report(programme, period, today=None):
    """The figures of ``programme`` for ``period`` (a ``reporting.report.Period``) as a
    ``reporting.report.Report``; ``today`` (default: today in Berlin) ends the open stays and
    tells which reviews are overdue. Seven queries, whatever the data."""
    data = _Data(programme, period, today or timezone.localdate())
    counts = _counts(data)
    amounts = _amounts(data)
    return Report(
        programme_id=programme.pk,
        programme=programme.name,
        period=period,
        counts=counts,
        amounts=amounts,
        times=_times(data),
        effect=_effect(data, amounts.granted),
        cooperation=_cooperation(data),
        de_minimis=_de_minimis(data),
        quarters=_quarters(data),
        funnel=_funnel(data, counts),
        jobs_by_year=_jobs_by_year(data),
        rows=_rows(data),
    )
