"""The reminder sweep (``notifications``) with the reviews' rule: due soon, overdue, escalated
to the coordination office; the programme's offsets and each recipient's language."""

import datetime
import io
from smtplib import SMTPException
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext

from applications.models import State
from notifications import reminders, tasks
from notifications.models import Reminder
from reviews.models import Assignment
from tests import factories
from tests.notifications import reminder_factories
from tests.notifications.reminder_factories import DUE, make_due, set_offsets, speaks

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# one candidate query per other rule (return_due, decision_due, proposal_unconfirmed,
# draft_idle, letter_unsent: nothing of theirs is due here)
OTHER_RULES = 5
# the offsets, assignments, the other rules, recent keys, claim, read back our claim, the inbox
# entries, mark sent
QUERIES_PER_SWEEP = 7 + OTHER_RULES


def at(day, hour=10, minute=0):
    """A moment in Berlin, ``day`` days after the due date (negative: before it)."""
    moment = datetime.datetime.combine(DUE, datetime.time(hour, minute), tzinfo=BERLIN)
    return moment + datetime.timedelta(days=day)


def due_soon_key(assignment):
    return f"review_due_soon:{assignment.id}:{assignment.reviewer_id}:{DUE.isoformat()}"


def overdue_key(assignment, occurrence):
    return f"review_overdue:{assignment.id}:{assignment.reviewer_id}:{occurrence}"


def office():
    """The coordination office: every active coordinator with an email (ids)."""
    users = get_user_model().objects.filter(groups__name="coordinators", is_active=True)
    return sorted(users.exclude(email="").values_list("id", flat=True))


def escalated_keys(assignment):
    return [f"review_escalated:{assignment.id}:{user}:{assignment.round}" for user in office()]


def german(message):
    """``message`` as the German catalogue has it (the default language's)."""
    with translation.override("de"):
        return gettext(message)


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
    # Three weeks without a sweep: 17 days overdue is occurrence 2, no backlog of occurrence 0
    # or 1 (nor of the office's reminder, due with occurrence 1).
    keys = reminders.send_reminders(now=at(17))

    assert keys == [overdue_key(assignment, 2)]
    assert len(mailoutbox) == 2
    assert assignment.application.reference in mailoutbox[1].subject
    assert "14.05.2026" in mailoutbox[1].body
    assert reminders.send_reminders(now=at(21, hour=19)) == []


def test_overdue_reminder_is_repeated_weekly(mailoutbox):
    assignment = reminder_factories.assignment()
    assert reminders.send_reminders(now=at(1)) == [overdue_key(assignment, 0)]
    assert reminders.send_reminders(now=at(7)) == []
    reviewer_keys = [key for key in reminders.send_reminders(now=at(8)) if "overdue" in key]
    assert reviewer_keys == [overdue_key(assignment, 1)]
    assert reminders.send_reminders(now=at(14)) == []
    assert reminders.send_reminders(now=at(15)) == [overdue_key(assignment, 2)]
    assert reminders.send_reminders(now=at(22)) == [overdue_key(assignment, 3)]
    assert len(mailoutbox) == 4 + len(office())


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

    assert reminders.send_reminders(now=at(3)) == [overdue_key(second, 0)]
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

    def another_sweep_claims_meanwhile(now, rules, table):
        keys = recent_keys(now, rules, table)
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
    clock(at(3))

    result = tasks.send_reminders.delay()

    assert result.get() == [overdue_key(assignment, 0)]
    assert [mail.to for mail in mailoutbox] == [[assignment.reviewer.email]]
    assert tasks.send_reminders.name == "notifications.tasks.send_reminders"
    assert tasks.send_reminders.acks_late is True


# ----- the programme's offsets --------------------------------------------------------------


@pytest.mark.parametrize(("day", "sent"), [(-6, False), (-5, True), (-4, True), (0, True)])
def test_a_programme_with_five_days_reminds_five_days_before(mailoutbox, day, sent):
    assignment = reminder_factories.assignment()
    set_offsets(assignment.application.programme, review_due_soon=5)
    other = reminder_factories.assignment()  # its programme keeps the default: 3 days

    keys = reminders.send_reminders(now=at(day))

    expected = [due_soon_key(assignment)] if sent else []
    if day >= -3:
        expected = sorted([*expected, due_soon_key(other)])
    assert keys == expected


def test_a_programme_reminding_every_three_days(mailoutbox):
    assignment = reminder_factories.assignment()
    set_offsets(assignment.application.programme, review_overdue_every=3)
    escalated = set(escalated_keys(assignment))

    assert reminders.send_reminders(now=at(1)) == [overdue_key(assignment, 0)]
    assert reminders.send_reminders(now=at(3)) == []
    assert set(reminders.send_reminders(now=at(4))) == {overdue_key(assignment, 1)} | escalated
    assert reminders.send_reminders(now=at(6)) == []
    assert reminders.send_reminders(now=at(7)) == [overdue_key(assignment, 2)]


# ----- the coordination office on the second overdue reminder --------------------------------


def test_the_office_is_told_with_the_second_overdue_reminder_once(mailoutbox):
    assignment = reminder_factories.assignment()
    factories.coordinator()
    factories.coordinator(email="")
    factories.coordinator(is_active=False)
    assert len(office()) == 2  # the one who started the review, the one added

    assert reminders.send_reminders(now=at(1)) == [overdue_key(assignment, 0)]
    keys = reminders.send_reminders(now=at(8))
    assert keys == sorted([overdue_key(assignment, 1), *escalated_keys(assignment)])
    assert reminders.send_reminders(now=at(9)) == []
    assert reminders.send_reminders(now=at(14, hour=19)) == []
    assert reminders.send_reminders(now=at(15)) == [overdue_key(assignment, 2)]

    rows = Reminder.objects.filter(rule="review_escalated")
    assert sorted(rows.values_list("recipient_id", flat=True)) == office()
    told = [mail for mail in mailoutbox if mail.to != [assignment.reviewer.email]]
    assert sorted(mail.to[0] for mail in told) == sorted(
        get_user_model().objects.filter(id__in=office()).values_list("email", flat=True)
    )
    application = assignment.application
    reviewer = assignment.reviewer
    mail = told[0]
    assert mail.subject == german("Review %(days)s days overdue: application %(reference)s") % {
        "days": 8,
        "reference": application.reference,
    }
    body = german(
        "The review of application %(reference)s “%(title)s” (round %(round)s) by "
        "%(reviewer)s was due on %(due)s and is %(days)s days overdue. The reviewer has "
        "been reminded of it."
    ) % {
        "reference": application.reference,
        "title": application.title,
        "round": 1,
        "reviewer": f"{reviewer.first_name} {reviewer.last_name}",
        "due": "14.05.2026",
        "days": 8,
    }
    assert body in mail.body
    assert f"{settings.SITE_URL}/applications/{application.id}/" in mail.body


def test_the_office_is_told_while_the_second_reminder_is_due(mailoutbox):
    assignment = reminder_factories.assignment()

    # No sweep on the first overdue days: the second reminder and the office's, on day 14.
    keys = reminders.send_reminders(now=at(14))

    assert keys == sorted([overdue_key(assignment, 1), *escalated_keys(assignment)])


def test_the_office_once_per_round(mailoutbox):
    _application, first, second = reminder_factories.in_review_again()
    make_due(first)
    make_due(second)

    keys = reminders.send_reminders(now=at(8))

    assert keys == sorted([overdue_key(second, 1), *escalated_keys(second)])
    assert all(key.endswith(":2") for key in escalated_keys(second))


# ----- each recipient's language ----------------------------------------------------------


def test_each_reviewer_reads_the_reminder_in_their_language(mailoutbox):
    english = reminder_factories.assignment()
    speaks(english.reviewer, "en")
    german_reviewer = reminder_factories.assignment()
    speaks(german_reviewer.reviewer, "de")
    no_profile = reminder_factories.assignment()

    reminders.send_reminders(now=at(-1))

    by_reviewer = {mail.to[0]: mail for mail in mailoutbox}
    in_english = by_reviewer[english.reviewer.email]
    assert in_english.subject == (
        f"Review due on 14/05/2026: application {english.application.reference}"
    )
    assert in_english.body.startswith(f"Hello {english.reviewer.first_name} ")
    assert "is due on 14/05/2026." in in_english.body
    assert 'lang="en"' in in_english.alternatives[0][0]
    for assignment in (german_reviewer, no_profile):
        mail = by_reviewer[assignment.reviewer.email]
        assert mail.subject == german("Review due on %(due)s: application %(reference)s") % {
            "due": "14.05.2026",
            "reference": assignment.application.reference,
        }
        assert mail.subject.startswith("Gutachten fällig am 14.05.2026")
        name = f"{assignment.reviewer.first_name} {assignment.reviewer.last_name}"
        assert mail.body.startswith(german("Hello %(name)s,") % {"name": name})
        assert "14.05.2026" in mail.body
        assert 'lang="de"' in mail.alternatives[0][0]


def test_the_office_reads_the_escalation_in_its_language(mailoutbox):
    assignment = reminder_factories.assignment()
    coordinator = speaks(factories.coordinator(), "en")

    reminders.send_reminders(now=at(8))

    mail = next(mail for mail in mailoutbox if mail.to == [coordinator.email])
    assert mail.subject == f"Review 8 days overdue: application {assignment.application.reference}"
    assert "was due on 14/05/2026 and is 8 days overdue." in mail.body


# Each application in review brings its coordinator: the office grows with the size (the
# inserts would be split into batches at 20).
@pytest.mark.parametrize("size", [2, 6])
def test_constant_number_of_queries_with_escalation_and_languages(
    django_assert_num_queries, mailoutbox, size
):
    assignments = [reminder_factories.assignment() for _ in range(size)]
    for assignment in assignments[::2]:
        speaks(assignment.reviewer, "en")

    # one more query: the coordination office
    with django_assert_num_queries(QUERIES_PER_SWEEP + 1):
        keys = reminders.send_reminders(now=at(8))

    assert len(keys) == size + size * len(office())
    subjects = sorted(mail.subject for mail in mailoutbox if "Review overdue" in mail.subject)
    assert len(subjects) == size // 2
