"""The fund's past two years in the demo (``demo.past``): enough decided applications for
every figure and chart of a report, reached through the services and moved back in time
consistently.

The module's tests share one seeding on 1 December 2026, 10:00 in Berlin (time-machine): the
past then covers every quarter of 2025 and 2026.
"""

import datetime
import io
from collections import Counter, defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_fsm_log.models import StateLog
from pypdf import PdfReader

from applications.models import Application, ApplicationVersion, Document, ReferenceCounter, State
from decisions.models import Decision, DecisionLetter
from decisions.selectors import committed_budget, reserved_budget
from demo import past
from demo.people import INTEGRA, PAST_ORGANIZATIONS, PROGRAMME_NAME, QUERBEET
from funding.models import Organization, Programme
from notifications.models import Notification, OutboxMail
from reporting import figures
from reporting.report import Basis, Period
from reviews.models import Assignment, ConflictDeclaration, Review
from tests.demo.test_seed_demo import demo_applications, seeded_for_the_module, story_applications

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
SEEDED_AT = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN)
QUARTERS = [(year, quarter) for year in (2025, 2026) for quarter in (1, 2, 3, 4)]


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    with seeded_for_the_module(django_db_blocker, SEEDED_AT) as output:
        yield output


@pytest.fixture
def seeded(seeded_once, db):
    return seeded_once


def local(moment):
    return timezone.localtime(moment, BERLIN)


def quarter(moment):
    day = local(moment).date()
    return day.year, (day.month - 1) // 3 + 1


def past_applications():
    return demo_applications().exclude(pk__in=story_applications().values("pk"))


def confirmed():
    return Decision.objects.filter(
        application__programme__name=PROGRAMME_NAME, status=Decision.Status.CONFIRMED
    ).select_related("application__organization")


def same_moment(first, second):
    """Written by one step (a service sets its time a moment before the log's own)."""
    return abs(first - second) < datetime.timedelta(seconds=1)


def logs(application):
    return list(StateLog.objects.for_(application).order_by("timestamp", "pk"))


# ----- what the reports need ---------------------------------------------------------------


def test_every_quarter_of_2025_and_2026_has_approvals_and_rejections(seeded):
    outcomes = defaultdict(Counter)
    for decision in confirmed():
        outcomes[quarter(decision.confirmed_at)][decision.outcome] += 1
    for key in QUARTERS:
        assert outcomes[key][Decision.Outcome.APPROVE] >= 1, key
        assert outcomes[key][Decision.Outcome.REJECT] >= 1, key
    assert sum(counts[Decision.Outcome.APPROVE] for counts in outcomes.values()) == 13
    assert sum(counts[Decision.Outcome.REJECT] for counts in outcomes.values()) == 9


def test_approvals_of_both_instruments_with_amounts(seeded):
    approvals = confirmed().filter(outcome=Decision.Outcome.APPROVE)
    instruments = Counter(approvals.values_list("instrument", flat=True))
    assert instruments == {"loan": 7, "silent_partnership": 6}
    assert all(decision.amount > 0 for decision in approvals)
    assert any(d.amount < d.application.requested_amount for d in approvals)  # granted less
    for decision in approvals:
        assert decision.proposed_by_id != decision.confirmed_by_id


def test_withdrawn_while_submitted_in_review_and_awaiting_the_board(seeded):
    withdrawals = StateLog.objects.filter(
        transition="withdraw", object_id__in=past_applications().values("pk")
    )
    assert sorted(withdrawals.values_list("source_state", flat=True)) == [
        State.AWAITING_DECISION,
        State.IN_REVIEW,
        State.SUBMITTED,
    ]
    assert all(local(log.timestamp).year in (2025, 2026) for log in withdrawals)
    awaiting = Application.objects.get(
        pk=withdrawals.get(source_state="awaiting_decision").object_id
    )
    assert list(awaiting.decisions.values_list("status", flat=True)) == [Decision.Status.VOID]
    assert demo_applications().filter(state=State.WITHDRAWN).count() == 4  # and today's story


def test_returned_and_submitted_again(seeded):
    returned = [
        application
        for application in past_applications()
        if any(log.transition == "return_for_revision" for log in logs(application))
    ]
    assert len(returned) == 7  # six by the office, one by the board
    for application in returned:
        transitions = [log.transition for log in logs(application)]
        assert transitions.index("return_for_revision") < len(transitions) - 1
        assert transitions[transitions.index("return_for_revision") + 1] == "submit"
        assert application.submission_count == transitions.count("submit") == 2
    # one was returned by the board and reviewed a second time
    by_board = StateLog.objects.filter(
        transition="return_for_revision",
        source_state=State.AWAITING_DECISION,
        object_id__in=past_applications().values("pk"),
    ).get()
    application = Application.objects.get(pk=by_board.object_id)
    assert application.state == State.APPROVED
    assert sorted(set(application.assignments.values_list("round", flat=True))) == [1, 2]
    assert application.decisions.get().application_version.number == 2


def test_days_from_submission_to_decision_spread_over_the_bins(seeded):
    days = [
        (local(d.confirmed_at).date() - local(d.application.submitted_at).date()).days
        for d in confirmed().filter(application__in=past_applications())
    ]
    assert len(days) == 20
    assert min(days) >= 20 and max(days) <= 200
    assert len({day // 30 for day in days}) >= 3
    assert sorted({day // 30 for day in days}) == [0, 1, 2, 3, 4, 5, 6]


def test_companies_of_both_regions_and_one_without(seeded):
    applying = Organization.objects.filter(applications__in=demo_applications()).distinct()
    assert Counter(applying.values_list("region", flat=True)) == {
        "rheinland": 3,
        "westfalen_lippe": 3,
        "": 1,
    }
    funded = Organization.objects.filter(
        applications__in=demo_applications().filter(state=State.APPROVED)
    ).distinct()
    assert set(funded.values_list("region", flat=True)) == {"rheinland", "westfalen_lippe", ""}
    assert Organization.objects.get(name=QUERBEET).region == ""
    for name in PAST_ORGANIZATIONS:
        Organization.objects.get(name=name).full_clean()  # IBAN and the letter window


def test_jobs_and_cooperation_partners(seeded):
    approved = past_applications().filter(state=State.APPROVED)
    assert sum(approved.values_list("jobs_new", flat=True)) > 0
    assert sum(approved.values_list("jobs_secured", flat=True)) > 0
    decided = past_applications().filter(state__in=(State.APPROVED, State.REJECTED))
    assert all(decided.values_list("cooperation_partner", flat=True))
    partners = Counter(demo_applications().values_list("cooperation_partner", flat=True))
    assert partners["Stadtgrün Dortmund Service GmbH"] == 2  # a partner named twice


def test_a_company_funded_twice_within_three_years(seeded):
    approvals = confirmed().filter(
        outcome=Decision.Outcome.APPROVE, application__organization__name=INTEGRA
    )
    moments = sorted(approvals.values_list("confirmed_at", flat=True))
    assert len(moments) == 3  # two in the past, and today's story
    assert moments[-1] - moments[0] < datetime.timedelta(days=3 * 365)
    assert local(moments[0]).year == 2025


def test_the_budget_leaves_room_for_todays_decisions(seeded):
    programme = Programme.objects.get(name=PROGRAMME_NAME)
    committed = committed_budget(programme)
    assert committed == sum(
        confirmed().filter(outcome=Decision.Outcome.APPROVE).values_list("amount", flat=True)
    )
    remaining = programme.budget - committed - reserved_budget(programme)
    disputed = story_applications().get(state=State.AWAITING_DECISION, decisions__isnull=True)
    assert remaining > disputed.requested_amount
    assert programme.opens_on == datetime.date(2024, 1, 1)
    first = min(past_applications().values_list("created_at", flat=True))
    assert programme.opens_on <= local(first).date()


def test_the_report_shows_something_in_every_chart(seeded):
    programme = Programme.objects.get(name=PROGRAMME_NAME)
    for year in (2025, 2026):
        for basis in (Basis.SUBMITTED, Basis.DECIDED):
            period = Period(
                datetime.date(year, 1, 1), datetime.date(year, 12, 31), basis, str(year)
            )
            report = figures.report(programme, period, SEEDED_AT.date())
            label = (year, basis)
            assert report.counts.approved and report.counts.rejected, label
            assert all(quarter.approved for quarter in report.quarters), label
            assert all(row.count for row in report.amounts.by_instrument), label
            assert report.times.median_days_to_decision, label
            assert report.times.reviews_on_time and report.times.reviews_late, label
            assert all(stay.stays for stay in report.times.stays), label
            assert report.effect.jobs_new and report.effect.jobs_secured, label
            assert report.cooperation.partners, label
            assert report.de_minimis, label
            assert report.jobs_by_year[0].jobs_new, label
            assert report.funnel.approved, label
        decided = figures.report(
            programme,
            Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), Basis.DECIDED, ""),
            SEEDED_AT.date(),
        )
        assert decided.counts.withdrawn >= 1
        assert decided.counts.returned >= 1
        assert all(row.companies for row in decided.cooperation.by_region), year


# ----- consistent in time ------------------------------------------------------------------


def test_each_story_keeps_its_order_and_its_dates(seeded):
    yesterday = SEEDED_AT - datetime.timedelta(days=1)
    period = datetime.timedelta(days=21)
    for application in past_applications():
        logged = logs(application)
        assert [log.pk for log in logged] == sorted(log.pk for log in logged), application
        assert logged[-1].state == application.state
        submits = [log.timestamp for log in logged if log.transition == "submit"]
        assert same_moment(application.submitted_at, submits[0])
        assert same_moment(application.last_submitted_at, submits[-1])
        versions = ApplicationVersion.objects.filter(application=application).order_by("number")
        assert len(versions) == len(submits)
        for version, submitted in zip(versions, submits, strict=True):
            assert same_moment(version.submitted_at, submitted)
        assert application.created_at < application.submitted_at
        for document in Document.objects.filter(application=application):
            assert application.created_at <= document.uploaded_at < application.submitted_at
        assert same_moment(application.updated_at, logged[-1].timestamp)
        assert logged[-1].timestamp < yesterday
        starts = [log.timestamp for log in logged if log.transition == "start_review"]
        completes = [log.timestamp for log in logged if log.transition == "complete_review"]
        for assignment in Assignment.objects.filter(application=application):
            # the round's review started after its submission
            start = min(s for s in starts if s > submits[assignment.round - 1])
            assert submits[assignment.round - 1] < assignment.assigned_at <= start
            assert assignment.due_on == local(start).date() + period
        for review in Review.objects.filter(assignment__application=application):
            complete = min(  # (or the withdrawal that ended the round)
                (c for c in completes if c > review.assignment.assigned_at),
                default=logged[-1].timestamp,
            )
            assert review.assignment.assigned_at < review.submitted_at <= complete
        for declaration in ConflictDeclaration.objects.filter(application=application):
            assert application.submitted_at < declaration.declared_at <= logged[-1].timestamp
        for decision in application.decisions.all():
            assert decision.proposed_at < logged[-1].timestamp
            if decision.status == Decision.Status.CONFIRMED:
                assert same_moment(decision.confirmed_at, logged[-1].timestamp)
                assert logged[-1].transition in ("approve", "reject")
                assert local(decision.confirmed_at).weekday() < 5  # the board meets on weekdays


def test_some_reviews_came_in_late(seeded):
    reviews = Review.objects.filter(assignment__application__in=past_applications())
    late = [r for r in reviews if local(r.submitted_at).date() > r.assignment.due_on]
    assert 0 < len(late) < reviews.count()


def test_references_follow_the_year_of_the_first_submission(seeded):
    by_year = defaultdict(list)
    for application in past_applications().order_by("submitted_at", "pk"):
        by_year[local(application.submitted_at).year].append(application.reference)
    for year, references in by_year.items():
        assert references == [f"RK-{year}-{n:04d}" for n in range(1, len(references) + 1)]
    assert sorted(by_year) == [2024, 2025, 2026]
    counters = dict(ReferenceCounter.objects.values_list("year", "last"))
    assert counters[2024] == len(by_year[2024])
    assert counters[2025] == len(by_year[2025])
    today = sorted(story_applications().exclude(reference=None).values_list("reference", flat=True))
    assert today[0] == f"RK-2026-{len(by_year[2026]) + 1:04d}"
    assert counters[2026] == len(by_year[2026]) + len(today)


def test_every_decision_has_its_letter_sent(seeded):
    for decision in confirmed().filter(application__in=past_applications()):
        letter = decision.letters.get()
        application = decision.application
        assert letter.status == DecisionLetter.Status.SENT
        assert (
            decision.confirmed_at
            < letter.sent_at
            < decision.confirmed_at + datetime.timedelta(hours=1)
        )
        assert application.organization.contact_email in letter.recipients
        with letter.file.open("rb") as handle:
            text = PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()
        assert f"Bescheid {application.reference}" in text
        assert "Demo: vereinfachte Fassung" in text


def test_no_mails_and_no_inbox_entries_from_the_past(seeded):
    ids = list(past_applications().values_list("pk", flat=True))
    assert OutboxMail.objects.filter(application_id__in=ids).count() == 0
    assert Notification.objects.filter(application_id__in=ids).count() == 0
    assert OutboxMail.objects.filter(application_id__in=story_applications().values("pk")).exists()


def test_the_logins_name_the_past(seeded):
    assert (
        "The fund's past (for the reports): 23 applications of seven companies, closed from "
        "2025-01-13 to 2026-11-10"
    ) in seeded.splitlines()


# ----- the plan (no database) -------------------------------------------------------------


def test_the_plan_for_other_seeding_days():
    for today in (
        datetime.date(2026, 4, 1),  # the first day of a quarter: nothing closed in it yet
        datetime.date(2026, 5, 13),
        datetime.date(2027, 2, 28),
    ):
        plan = past.plan(today)
        assert [entry.index for entry in plan] == list(range(len(plan)))
        by_quarter = defaultdict(set)
        for entry in plan:
            moments = [moment for moment, _step in entry.steps]
            assert moments == sorted(moments) and len(set(moments)) == len(moments)
            assert entry.closed.date() <= today - datetime.timedelta(days=2)
            assert (entry.closed.date() - entry.first_submitted.date()).days == entry.delay
            assert 20 <= entry.delay <= 200
            assert entry.steps[0][0].date() >= past.opens_on(today)
            by_quarter[past.quarter_start(entry.closed.date())].add(entry.outcome)
        complete = [past.quarters_back(today, n) for n in range(1, past.QUARTERS)]
        for first in complete:
            assert {past.REJECT} <= by_quarter[first], first
            assert by_quarter[first] & {past.LOAN, past.SILENT}, first
        assert sum(entry.amount or 0 for entry in plan) < Decimal("1000000")
        board_returns = [e for e in plan if any(step == "return_board" for _m, step in e.steps)]
        assert len(board_returns) == 1
