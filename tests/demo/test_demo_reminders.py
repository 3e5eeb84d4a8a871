"""``seed_demo`` leaves a reminder of every rule due on the day after seeding.

``python manage.py send_reminders --now <tomorrow 10:00>`` on fresh demo data sends each rule's
reminders once; a second run right after sends none. The demo moves a few stories back in time
(``demo.history``); the tests seed at fixed moments (time-machine), also on days whose
backdating crosses a change of daylight saving time.
"""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_fsm_log.models import StateLog

from decisions import letters
from decisions import services as decision_services
from decisions.models import DecisionLetter
from demo.history import DAYS_BACK
from notifications import registry, reminders
from notifications.models import Reminder
from tests.demo.test_seed_demo import demo_application, seed

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")

RULES = {
    "reviews.review_due",
    "applications.return_due",
    "decisions.decision_due",
    "decisions.proposal_unconfirmed",
    "applications.draft_idle",
    "decisions.letter_unsent",
}
# (kind, recipient's username) of every reminder due on the day after seeding.
DUE_TOMORROW = [
    ("decision_due", "vorstand1"),  # awaiting the board 23 days; vorstand3 declared a conflict
    ("decision_due", "vorstand2"),
    ("draft_idle", "antrag"),  # untouched for a month
    ("letter_unsent", "koordination"),  # the rejection letter failed
    ("proposal_unconfirmed", "vorstand2"),  # proposed by vorstand1 five days before
    ("proposal_unconfirmed", "vorstand3"),
    ("return_due_soon", "antrag"),  # the revision is due in two days
    ("review_due_soon", "gutachter1"),  # due tomorrow
    ("review_overdue", "gutachter2"),  # four days overdue
]

SEEDED_AT = {
    "an ordinary morning": datetime.datetime(2026, 5, 13, 9, 0, tzinfo=BERLIN),
    # backdating from summer into winter time: 00:30 CEST is 23:30 CET the day before
    "just after midnight in summer time": datetime.datetime(2026, 4, 1, 0, 30, tzinfo=BERLIN),
    # backdating from winter into summer time: 23:30 CET is 00:30 CEST the day after
    "late evening in winter time": datetime.datetime(2026, 11, 10, 23, 30, tzinfo=BERLIN),
}


def tomorrow_at_ten():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, datetime.time(10), tzinfo=BERLIN)


def sent(keys, due):
    usernames = dict(get_user_model().objects.values_list("id", "username"))
    return sorted((due[key].kind, usernames[due[key].recipient_id]) for key in keys)


@pytest.mark.parametrize("moment", SEEDED_AT.values(), ids=SEEDED_AT.keys())
def test_tomorrow_every_rule_sends_once(moment, django_capture_on_commit_callbacks, mailoutbox):
    with time_machine.travel(moment, tick=True):
        seed(django_capture_on_commit_callbacks)
        mail.outbox = []  # the progress mails written while seeding
        now = tomorrow_at_ten()
        assert now - moment < datetime.timedelta(days=2)

        keys, due = reminders.sweep(now=now)

        assert {due[key].rule for key in keys} == RULES
        assert {rule.name for rule in registry.reminder_rules()} == RULES  # every rule
        assert sent(keys, due) == DUE_TOMORROW
        assert len(keys) == len(due) == len(mail.outbox) == 9
        assert sorted(m.to[0] for m in mail.outbox) == sorted(due[key].email for key in keys)
        assert Reminder.objects.filter(sent_at=now).count() == 9

        again, still_due = reminders.sweep(now=now)
        assert (again, sorted(still_due)) == ([], sorted(keys))  # due, but already sent
        assert reminders.send_reminders(now=now + datetime.timedelta(hours=3)) == []
        assert len(mail.outbox) == 9


def test_the_command_sends_them_tomorrow_and_then_none(django_capture_on_commit_callbacks):
    seed(django_capture_on_commit_callbacks)
    mail.outbox = []
    moment = tomorrow_at_ten().replace(tzinfo=None).isoformat()  # Berlin time without an offset
    dry, first, second = io.StringIO(), io.StringIO(), io.StringIO()

    call_command("send_reminders", "--dry-run", now=moment, stdout=dry)
    call_command("send_reminders", now=moment, stdout=first)
    call_command("send_reminders", now=moment, stdout=second)

    assert dry.getvalue().splitlines()[-1] == "Would send 9 reminder(s)."
    assert first.getvalue().splitlines()[-1] == "Sent 9 reminder(s)."
    assert second.getvalue().splitlines() == ["Sent 0 reminder(s)."]
    assert len(mail.outbox) == 9


def test_already_due_on_the_seeding_day(django_capture_on_commit_callbacks):
    """Every rule has something due already later on the seeding day (the hourly sweep of
    ``make run`` sends it then; tomorrow's run then finds it sent)."""
    with time_machine.travel(SEEDED_AT["an ordinary morning"], tick=True):
        seed(django_capture_on_commit_callbacks)
        keys, due = reminders.sweep(now=timezone.now().replace(hour=11), dry_run=True)
    assert {due[key].rule for key in keys} == RULES


def test_backdated_stories_keep_their_order(django_capture_on_commit_callbacks):
    with time_machine.travel(SEEDED_AT["an ordinary morning"], tick=True):
        seed(django_capture_on_commit_callbacks)
        today = timezone.localdate()
        for key, days in DAYS_BACK.items():
            application = demo_application(key)
            assert timezone.localdate(application.created_at) == today - datetime.timedelta(
                days=days
            ), key
            assert timezone.localdate(application.updated_at) <= today - datetime.timedelta(
                days=days
            ), key
            logged = list(StateLog.objects.for_(application).order_by("timestamp", "pk"))
            assert [log.pk for log in logged] == sorted(log.pk for log in logged), key
            for log in logged:
                assert timezone.localdate(log.timestamp) == today - datetime.timedelta(days=days)
        disputed = demo_application("awaiting_decision")
        assert timezone.localdate(disputed.awaiting_since) == today - datetime.timedelta(days=22)
        proposal = demo_application("proposed").decisions.get()
        assert timezone.localdate(proposal.proposed_at) == today - datetime.timedelta(days=4)
        # the untouched stories stay today's
        assert timezone.localdate(demo_application("approved").awaiting_since) == today


def test_a_second_seed_moves_nothing_back_again(django_capture_on_commit_callbacks):
    seed(django_capture_on_commit_callbacks)
    before = {key: demo_application(key).updated_at for key in DAYS_BACK}
    output = seed(django_capture_on_commit_callbacks)
    assert "already present" in output
    assert {key: demo_application(key).updated_at for key in DAYS_BACK} == before


def test_the_failed_letter_is_shown_to_the_office_and_renders_again(
    django_capture_on_commit_callbacks,
):
    seed(django_capture_on_commit_callbacks)
    rejected = demo_application("rejected")
    letter = rejected.letters.get()
    assert (letter.status, letter.file.name) == (DecisionLetter.Status.FAILED, "")
    assert letter.last_error.startswith("Demo: seed_demo marked this letter as failed")
    count, listed = letters.needing_attention()
    assert (count, [row.pk for row in listed]) == (1, [letter.pk])

    coordinator = get_user_model().objects.get(username="koordination")
    with django_capture_on_commit_callbacks(execute=True):
        decision_services.resend_letter(coordinator, letter)

    letter.refresh_from_db()
    assert letter.status == DecisionLetter.Status.SENT
    with letter.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert letters.needing_attention() == (0, [])


def test_the_logins_name_tomorrows_reminders(django_capture_on_commit_callbacks):
    with time_machine.travel(SEEDED_AT["an ordinary morning"], tick=True):
        output = seed(django_capture_on_commit_callbacks)
        again = seed(django_capture_on_commit_callbacks)
    line = (
        "Reminders due tomorrow (every rule): python manage.py send_reminders --dry-run "
        "--now 2026-05-14T10:00"
    )
    assert line in output.splitlines()
    assert "Reminders due tomorrow" not in again  # a later run created nothing
