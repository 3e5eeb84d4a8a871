"""The reminder sweep (``notifications``) with the reviews' rule: due soon and overdue."""

import datetime
import io
from smtplib import SMTPException
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.core.management.base import CommandError

from applications.models import State
from notifications import reminders, tasks
from notifications.models import Reminder
from reviews.models import Assignment
from tests.notifications import reminder_factories
from tests.notifications.reminder_factories import DUE, make_due

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# the offsets, assignments, one candidate query per other rule (return_due, decision_due,
# proposal_unconfirmed: nothing of theirs is due here), recent keys, claim, read back our claim,
# mark sent
OTHER_RULES = 3
QUERIES_PER_SWEEP = 6 + OTHER_RULES


def at(day, hour=10, minute=0):
    """A moment in Berlin, ``day`` days after the due date (negative: before it)."""
    moment = datetime.datetime.combine(DUE, datetime.time(hour, minute), tzinfo=BERLIN)
    return moment + datetime.timedelta(days=day)


def due_soon_key(assignment):
    return f"review_due_soon:{assignment.id}:{assignment.reviewer_id}:{DUE.isoformat()}"


def overdue_key(assignment, occurrence):
    return f"review_overdue:{assignment.id}:{assignment.reviewer_id}:{occurrence}"


def dry_run_line(kind, assignment, key):
    reference = assignment.application.reference
    return f"{kind}\t{assignment.reviewer.email}\t{reference}\t{key}"


class FlakyBackend(locmem.EmailBackend):
    """Delivers ``deliver`` messages to the outbox, then loses the connection."""

    def __init__(self, deliver, **kwargs):
        super().__init__(**kwargs)
        self.deliver = deliver

    def send_messages(self, messages):
        if self.deliver <= 0:
            raise SMTPException("connection lost")
        self.deliver -= len(messages)
        return super().send_messages(messages)


@pytest.fixture
def clock(monkeypatch):
    """Fix the real clock (for the task and the command, which take no ``now``)."""

    def set_clock(moment):
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    return set_clock


def test_due_tomorrow_sends_one_due_soon_mail(mailoutbox):
    assignment = reminder_factories.assignment()

    keys = reminders.send_reminders(now=at(-1))

    assert keys == [due_soon_key(assignment)]
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [assignment.reviewer.email]
    assert assignment.application.reference in mail.subject
    assert "14.05.2026" in mail.subject
    assert assignment.application.title in mail.body
    assert "14.05.2026" in mail.body
    assert f"{settings.SITE_URL}/reviews/" in mail.body
    reminder = Reminder.objects.get()
    assert (reminder.key, reminder.rule) == (due_soon_key(assignment), "review_due_soon")
    assert reminder.recipient == assignment.reviewer
    assert reminder.sent_at == at(-1)


@pytest.mark.parametrize(("day", "sent"), [(-4, False), (-3, True), (0, True)])
def test_due_soon_window_is_three_calendar_days(mailoutbox, day, sent):
    assignment = reminder_factories.assignment()

    keys = reminders.send_reminders(now=at(day))

    assert keys == ([due_soon_key(assignment)] if sent else [])
    assert len(mailoutbox) == int(sent)


def test_second_sweep_does_not_repeat(mailoutbox):
    assignment = reminder_factories.assignment()
    reminders.send_reminders(now=at(-2))

    assert reminders.send_reminders(now=at(-2, hour=11)) == []
    assert reminders.send_reminders(now=at(0)) == []
    assert len(mailoutbox) == 1
    assert Reminder.objects.get().key == due_soon_key(assignment)


def test_after_downtime_only_the_latest_overdue_occurrence_is_sent(mailoutbox):
    assignment = reminder_factories.assignment()
    reminders.send_reminders(now=at(-1))
    # Three weeks without a sweep: ten days overdue is occurrence 1, no backlog of occurrence 0.
    keys = reminders.send_reminders(now=at(10))

    assert keys == [overdue_key(assignment, 1)]
    assert len(mailoutbox) == 2
    assert assignment.application.reference in mailoutbox[1].subject
    assert "14.05.2026" in mailoutbox[1].body
    assert reminders.send_reminders(now=at(13, hour=19)) == []


def test_overdue_reminder_is_repeated_weekly(mailoutbox):
    assignment = reminder_factories.assignment()
    assert reminders.send_reminders(now=at(1)) == [overdue_key(assignment, 0)]
    assert reminders.send_reminders(now=at(6)) == []
    assert reminders.send_reminders(now=at(10)) == [overdue_key(assignment, 1)]
    assert reminders.send_reminders(now=at(17)) == [overdue_key(assignment, 2)]
    assert len(mailoutbox) == 3


@pytest.mark.parametrize(
    ("hour", "minute", "sent"),
    [(6, 59, False), (7, 0, True), (19, 59, True), (20, 0, False), (23, 30, False)],
)
def test_sent_only_between_7_and_20_berlin_time(mailoutbox, hour, minute, sent):
    reminder_factories.assignment()

    keys = reminders.send_reminders(now=at(-1, hour=hour, minute=minute))

    assert len(keys) == len(mailoutbox) == int(sent)
    assert Reminder.objects.count() == int(sent)


def test_sending_hours_are_berlin_time_not_utc(mailoutbox):
    reminder_factories.assignment()
    five_utc = datetime.datetime(2026, 5, 13, 5, 30, tzinfo=datetime.UTC)  # 07:30 in Berlin

    assert len(reminders.send_reminders(now=five_utc)) == 1


@pytest.mark.parametrize(
    "status",
    [
        Assignment.Status.DONE,
        Assignment.Status.RECUSED,
        Assignment.Status.DECLINED,
        Assignment.Status.CLOSED,
    ],
)
def test_assignment_not_open_gets_nothing(mailoutbox, status):
    reminder_factories.assignment(status=status)

    assert reminders.send_reminders(now=at(-1)) == []
    assert reminders.send_reminders(now=at(10)) == []
    assert mailoutbox == []
    assert not Reminder.objects.exists()


@pytest.mark.parametrize(
    "state", [State.SUBMITTED, State.AWAITING_DECISION, State.APPROVED, State.WITHDRAWN]
)
def test_application_not_in_review_gets_nothing(mailoutbox, state):
    application = reminder_factories.application_in(state)
    for assignment in application.assignments.all():
        make_due(assignment)

    assert reminders.send_reminders(now=at(-1)) == []
    assert reminders.send_reminders(now=at(10)) == []
    assert mailoutbox == []


def test_assignment_of_an_earlier_round_gets_nothing(mailoutbox):
    _application, first, second = reminder_factories.in_review_again()
    make_due(first)
    make_due(second)

    assert reminders.send_reminders(now=at(10)) == [overdue_key(second, 1)]
    assert [mail.to for mail in mailoutbox] == [[second.reviewer.email]]


def test_assignment_without_due_date_gets_nothing(mailoutbox):
    reminder_factories.assignment(due_on=None)

    assert reminders.send_reminders(now=at(-1)) == []


def test_dry_run_claims_and_sends_nothing(mailoutbox):
    assignment = reminder_factories.assignment()

    assert reminders.send_reminders(now=at(-1), dry_run=True) == [due_soon_key(assignment)]
    assert mailoutbox == []
    assert not Reminder.objects.exists()
    assert reminders.send_reminders(now=at(-1)) == [due_soon_key(assignment)]
    assert reminders.send_reminders(now=at(-1), dry_run=True) == []


def test_reminder_claimed_by_another_sweep_is_not_sent(mailoutbox):
    ours, theirs = reminder_factories.assignment(), reminder_factories.assignment()
    Reminder.objects.create(
        key=due_soon_key(theirs),
        rule="review_due_soon",
        recipient=theirs.reviewer,
        claim="another-sweep",
    )

    assert reminders.send_reminders(now=at(-1)) == [due_soon_key(ours)]
    assert [mail.to for mail in mailoutbox] == [[ours.reviewer.email]]
    assert Reminder.objects.get(key=due_soon_key(theirs)).sent_at is None


def test_concurrent_claim_between_read_and_insert_wins(mailoutbox, monkeypatch):
    ours, theirs = reminder_factories.assignment(), reminder_factories.assignment()
    recent_keys = reminders._recent_keys

    def another_sweep_claims_meanwhile(now, rules):
        keys = recent_keys(now, rules)
        Reminder.objects.create(
            key=due_soon_key(theirs),
            rule="review_due_soon",
            recipient=theirs.reviewer,
            claim="another-sweep",
        )
        return keys

    monkeypatch.setattr(reminders, "_recent_keys", another_sweep_claims_meanwhile)

    assert reminders.send_reminders(now=at(-1)) == [due_soon_key(ours)]
    assert [mail.to for mail in mailoutbox] == [[ours.reviewer.email]]
    assert Reminder.objects.get(key=due_soon_key(theirs)).claim == "another-sweep"


def test_failing_connection_leaves_no_claimed_but_unsent_rows(mailoutbox, monkeypatch):
    assignment = reminder_factories.assignment()
    monkeypatch.setattr(reminders, "get_connection", lambda: FlakyBackend(deliver=0))

    with pytest.raises(SMTPException):
        reminders.send_reminders(now=at(-1))

    assert mailoutbox == []
    assert not Reminder.objects.exists()
    monkeypatch.undo()
    assert reminders.send_reminders(now=at(-1)) == [due_soon_key(assignment)]


def test_failure_midway_keeps_the_sent_and_releases_the_rest(mailoutbox, monkeypatch):
    assignments = [reminder_factories.assignment() for _ in range(2)]
    first, second = sorted(due_soon_key(assignment) for assignment in assignments)
    monkeypatch.setattr(reminders, "get_connection", lambda: FlakyBackend(deliver=1))

    with pytest.raises(SMTPException):
        reminders.send_reminders(now=at(-1))

    assert len(mailoutbox) == 1
    assert list(Reminder.objects.values_list("key", "sent_at")) == [(first, at(-1))]
    monkeypatch.undo()
    assert reminders.send_reminders(now=at(-1)) == [second]
    assert len(mailoutbox) == 2


@pytest.mark.parametrize("size", [2, 20])
def test_constant_number_of_queries(django_assert_num_queries, mailoutbox, size):
    assignments = [reminder_factories.assignment() for _ in range(size)]

    with django_assert_num_queries(QUERIES_PER_SWEEP):
        keys = reminders.send_reminders(now=at(-1))
    # nothing new: the candidates of every rule and the recent keys only
    with django_assert_num_queries(3 + OTHER_RULES):
        assert reminders.send_reminders(now=at(-1, hour=11)) == []

    assert keys == sorted(due_soon_key(assignment) for assignment in assignments)
    recipients = sorted(mail.to[0] for mail in mailoutbox)
    assert recipients == sorted(assignment.reviewer.email for assignment in assignments)


def test_outside_sending_hours_makes_no_query(django_assert_num_queries):
    reminder_factories.assignment()

    with django_assert_num_queries(0):
        assert reminders.send_reminders(now=at(-1, hour=3)) == []


def test_command_dry_run_prints_the_keys(mailoutbox, clock):
    assignment = reminder_factories.assignment()
    clock(at(-1))
    out = io.StringIO()

    call_command("send_reminders", "--dry-run", stdout=out)

    assert out.getvalue().splitlines() == [
        dry_run_line("review_due_soon", assignment, due_soon_key(assignment)),
        "Would send 1 reminder(s).",
    ]
    assert mailoutbox == []
    assert not Reminder.objects.exists()


def test_command_dry_run_now_sweeps_as_if_then(mailoutbox):
    assignment = reminder_factories.assignment()
    out = io.StringIO()

    call_command("send_reminders", "--dry-run", "--now", "2026-05-13T10:00:00+02:00", stdout=out)

    assert out.getvalue().splitlines() == [
        dry_run_line("review_due_soon", assignment, due_soon_key(assignment)),
        "Would send 1 reminder(s).",
    ]
    assert mailoutbox == []
    assert not Reminder.objects.exists()


def test_command_now_without_offset_is_berlin_time(mailoutbox):
    assignment = reminder_factories.assignment()
    out = io.StringIO()

    # 06:30 in Berlin is before the sending hours; 06:30 UTC (08:30 in Berlin) would not be.
    call_command("send_reminders", "--dry-run", "--now", "2026-05-13T06:30", stdout=out)
    assert out.getvalue().splitlines() == ["Would send 0 reminder(s)."]
    # 19:30 in Berlin is within them; 19:30 UTC (21:30 in Berlin) would not be.
    out = io.StringIO()
    call_command("send_reminders", "--now", "2026-05-13T19:30", stdout=out)

    assert out.getvalue().splitlines() == [due_soon_key(assignment), "Sent 1 reminder(s)."]
    assert Reminder.objects.get().sent_at == at(-1, hour=19, minute=30)


@pytest.mark.parametrize(
    "value",
    [
        "tomorrow",
        "2026-05-13 10h",
        "2026-13-01T10:00",
        "",
    ],
)
def test_command_invalid_now_is_refused(mailoutbox, value):
    reminder_factories.assignment()

    with pytest.raises(CommandError, match="--now"):
        call_command("send_reminders", "--now", value, stdout=io.StringIO())

    assert mailoutbox == []
    assert not Reminder.objects.exists()


def test_command_sends(mailoutbox, clock):
    assignment = reminder_factories.assignment()
    clock(at(-1))
    out = io.StringIO()

    call_command("send_reminders", stdout=out)

    assert out.getvalue().splitlines() == [due_soon_key(assignment), "Sent 1 reminder(s)."]
    assert len(mailoutbox) == 1


def test_celery_task_runs_the_sweep(mailoutbox, clock):
    assignment = reminder_factories.assignment()
    clock(at(10))

    result = tasks.send_reminders.delay()

    assert result.get() == [overdue_key(assignment, 1)]
    assert [mail.to for mail in mailoutbox] == [[assignment.reviewer.email]]
    assert tasks.send_reminders.name == "notifications.tasks.send_reminders"
    assert tasks.send_reminders.acks_late is True
