"""The reminder rule ``decisions.letter_unsent``: decision letters failed or not sent.

Letters come from the real services (``states.approved``: the confirmed decision creates the
pending letter) and go on through the real letter code (``tasks``, ``letters``), under
``time_machine`` so that the decision's, the claims' and the resends' times are the ones the
test needs. Only the PDF rendering is replaced (it is not what is tested here). Nothing sets a
timestamp or a status directly.
"""

import contextlib
import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.exceptions import Retry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import Profile
from decisions import letter_reminders, letters, services, tasks
from decisions.models import DecisionLetter
from notifications import offsets, registry, reminders
from notifications.models import Reminder
from tests import factories, states

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

Status = DecisionLetter.Status
BERLIN = ZoneInfo("Europe/Berlin")
DECIDED_AT = datetime.datetime(2026, 5, 4, 10, 0, tzinfo=BERLIN)


def after(minutes=0, days=0, start=DECIDED_AT):
    return start + datetime.timedelta(days=days, minutes=minutes)


def approved_letter():
    """The pending letter of an application approved at ``DECIDED_AT`` (its task not run: on
    commit does not run inside a test transaction, as when the broker is down)."""
    with time_machine.travel(DECIDED_AT, tick=False):
        application = states.approved()
    return application.letters.get()


def run_task(letter, moment, fail=False):
    """The letter task at ``moment``: renders (fake bytes, or an error) and mails."""
    render = {"side_effect": RuntimeError("font missing")} if fail else {}
    render.setdefault("return_value", factories.PDF_BYTES)
    with (
        time_machine.travel(moment, tick=False),
        mock.patch.object(letters, "render_letter_pdf", **render),
        contextlib.suppress(Retry),  # a failed rendering with attempts left: retried later
    ):
        tasks.generate_decision_letter.delay(letter.pk)
    letter.refresh_from_db()
    return letter


def failed_letter(settings, moment=None):
    settings.LETTER_RENDER_ATTEMPTS = 1
    letter = run_task(approved_letter(), moment or after(minutes=2), fail=True)
    assert letter.status == Status.FAILED
    return letter


def office():
    """The active coordinators with an email: ``states`` made one per application, one more is
    added, and one inactive and one without an email who are not reminded."""
    factories.coordinator()
    factories.coordinator(is_active=False)
    factories.coordinator(email="")
    users = Group.objects.get(name="coordinators").user_set.filter(is_active=True)
    return sorted(users.exclude(email="").values_list("id", flat=True))


def keys(letter, users, occurrence):
    return {f"letter_unsent:{letter.pk}:{user}:{occurrence}" for user in users}


def due_at(moment):
    return set(reminders.send_reminders(now=moment, dry_run=True))


def rule():
    return next(r for r in registry.reminder_rules() if r.name == "decisions.letter_unsent")


def reminder_mails(mailoutbox):
    return [mail for mail in mailoutbox if not mail.attachments]


def test_registered_without_an_offset():
    assert datetime.timedelta(hours=1) == letter_reminders.UNSENT_AFTER
    assert not [o for o in registry.reminder_offsets() if o.name.startswith("letter")]


def test_a_failed_letter_reminds_the_office_at_once(settings, mailoutbox):
    letter = failed_letter(settings)
    people = office()

    assert due_at(after(minutes=1)) == set()  # before it failed
    assert set(reminders.send_reminders(now=after(minutes=3))) == keys(letter, people, "0-failed")
    assert reminders.send_reminders(now=after(minutes=63)) == []
    assert reminders.send_reminders(now=after(days=2)) == []
    assert len(people) == 2
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted(
        get_user_model().objects.filter(id__in=people).values_list("email", flat=True)
    )


def test_a_failed_letter_after_a_week_of_downtime_is_not_reminded(settings):
    letter = failed_letter(settings)
    people = office()

    assert due_at(after(minutes=2, days=7) - datetime.timedelta(minutes=1)) == keys(
        letter, people, "0-failed"
    )
    assert due_at(after(minutes=2, days=7)) == set()


def test_a_sent_letter_is_not_reminded():
    letter = run_task(approved_letter(), after(minutes=1))
    office()

    assert letter.status == Status.SENT
    for moment in (after(minutes=61), after(days=1), after(days=3)):
        assert due_at(moment) == set()


def test_a_letter_not_sent_after_an_hour_reminds_the_office(mailoutbox):
    letter = approved_letter()  # pending: the broker is down
    people = office()

    assert due_at(after(minutes=59)) == set()
    assert set(reminders.send_reminders(now=after(minutes=61))) == keys(letter, people, "0-unsent")
    assert reminders.send_reminders(now=after(minutes=121)) == []
    assert len(mailoutbox) == 2


def test_a_letter_moving_on_but_still_unsent_is_not_reminded_again(mailoutbox):
    """Pending, then rendered (its mail not sent yet): one stage, ``unsent``."""
    letter = approved_letter()
    people = office()
    reminders.send_reminders(now=after(minutes=61))
    with (
        time_machine.travel(after(minutes=70), tick=False),
        mock.patch.object(letters, "render_letter_pdf", return_value=factories.PDF_BYTES),
    ):
        assert letters.produce(letter.pk)
    letter.refresh_from_db()

    assert letter.status == Status.RENDERED
    assert set(rule().due(after(minutes=75), offsets.table())) == keys(letter, people, "0-unsent")
    assert reminders.send_reminders(now=after(minutes=75)) == []
    assert len(mailoutbox) == len(people)


def test_a_letter_whose_rendering_fails_once_then_goes_out_is_not_reminded():
    letter = approved_letter()
    run_task(letter, after(minutes=1), fail=True)  # back to pending, to be retried
    assert (letter.status, letter.attempts) == (Status.PENDING, 1)
    run_task(letter, after(minutes=3))
    office()

    assert letter.status == Status.SENT
    assert due_at(after(minutes=61)) == set()


def test_an_unsent_letter_that_fails_later_reminds_again(settings):
    letter = approved_letter()
    people = office()
    reminders.send_reminders(now=after(minutes=61))
    settings.LETTER_RENDER_ATTEMPTS = 1
    run_task(letter, after(minutes=90), fail=True)

    assert set(reminders.send_reminders(now=after(minutes=95))) == keys(letter, people, "0-failed")


def test_a_letter_stuck_in_sending_is_uncertain_and_reminds(mailoutbox):
    """A worker claimed the letter for sending and died; the letter sweep marks it uncertain."""
    letter = approved_letter()
    with (
        time_machine.travel(after(minutes=1), tick=False),
        mock.patch.object(letters, "render_letter_pdf", return_value=factories.PDF_BYTES),
    ):
        letters.produce(letter.pk)
        letters.claim(letter.pk, Status.RENDERED, Status.SENDING)
    people = office()
    assert set(reminders.send_reminders(now=after(minutes=61))) == keys(letter, people, "0-unsent")
    with time_machine.travel(after(minutes=70), tick=False):
        assert letters.mark_uncertain(after(minutes=60)) == [letter.pk]

    sent = reminders.send_reminders(now=after(minutes=75))

    assert set(sent) == keys(letter, people, "0-uncertain")
    mail = reminder_mails(mailoutbox)[-1]
    with translation.override("de"):
        status = str(Status.UNCERTAIN.label)
    assert f": {status}." in mail.body


def test_a_resent_letter_that_fails_again_reminds_again(settings):
    """The office renders a failed letter again: the letter keeps its number, its history
    grows by one; failing again is a new round."""
    letter = failed_letter(settings)
    people = office()
    reminders.send_reminders(now=after(minutes=3))
    coordinator = get_user_model().objects.get(id=people[0])
    with time_machine.travel(after(days=1), tick=False):
        services.resend_letter(coordinator, letter)
    letter = run_task(letter, after(days=1, minutes=1), fail=True)
    assert (letter.status, letter.number, len(letter.history)) == (Status.FAILED, 1, 1)

    assert set(reminders.send_reminders(now=after(days=1, minutes=2))) == keys(
        letter, people, "1-failed"
    )
    assert reminders.send_reminders(now=after(days=1, minutes=3)) == []


def test_the_hour_of_a_resent_letter_counts_from_the_resend(settings):
    """Sent, then sent again by the office (back to rendered) and held up there."""
    letter = run_task(approved_letter(), after(minutes=1))
    people = office()
    resent_at = after(days=2)
    with time_machine.travel(resent_at, tick=False):
        services.resend_letter(get_user_model().objects.get(id=people[0]), letter)

    assert due_at(after(minutes=59, start=resent_at)) == set()
    assert due_at(after(minutes=61, start=resent_at)) == keys(letter, people, "1-unsent")


# ----- the mails -----------------------------------------------------------------------------


def test_the_mail_in_german_by_default(settings, mailoutbox):
    letter = failed_letter(settings)
    office()
    application = letter.application

    reminders.send_reminders(now=after(minutes=3))

    mail = reminder_mails(mailoutbox)[0]
    with translation.override("de"):  # the German catalogue is the lead's step
        subject = gettext("Decision letter not sent: application %(reference)s")
        status = str(Status.FAILED.label)
    assert mail.subject == subject % {"reference": application.reference}
    assert application.title in mail.body
    assert "04.05.2026" in mail.body
    assert f": {status}." in mail.body
    assert f"{settings.SITE_URL}/applications/{application.id}/" in mail.body


def test_english_profile_gets_english_mail(settings, mailoutbox):
    letter = failed_letter(settings)
    people = office()
    Profile.objects.create(user_id=people[0], language="en")
    Profile.objects.create(user_id=people[1], language="de")
    application = letter.application

    due = rule().due(after(minutes=3), offsets.table())
    reminders.send_reminders(now=after(minutes=3))

    assert {item.recipient_id: item.language for item in due.values()} == {
        people[0]: "en",
        people[1]: "de",
    }
    english = get_user_model().objects.get(id=people[0]).email
    (mail,) = [mail for mail in reminder_mails(mailoutbox) if mail.to == [english]]
    assert mail.subject == f"Decision letter not sent: application {application.reference}"
    assert mail.body.split("\n\n")[1:] == [
        f"Decision letter 1 on application {application.reference} “{application.title}” "
        "(decided on 04/05/2026) has not been sent. Its status: could not be rendered.",
        "You can have it rendered again on the application's page.",
        f"The application: {settings.SITE_URL}/applications/{application.id}/",
    ]


def test_without_profile_the_language_is_empty(settings):
    failed_letter(settings)
    office()

    due = rule().due(after(minutes=3), offsets.table())

    assert {item.language for item in due.values()} == {""}


# ----- queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 6])
def test_constant_number_of_queries(django_assert_num_queries, settings, size):
    pending = [approved_letter() for _ in range(size // 2)]
    failed = [failed_letter(settings) for _ in range(size - size // 2)]
    run_task(approved_letter(), after(minutes=1))  # sent: never read
    people = office()
    table = offsets.table()

    with django_assert_num_queries(1):  # the letters: none due
        assert rule().due(after(minutes=1), table) == {}
    with django_assert_num_queries(2):  # the letters, the coordinators
        due = rule().due(after(minutes=3), table)
    with django_assert_num_queries(2):
        late = rule().due(after(minutes=61), table)

    assert len(due) == len(failed) * len(people)
    assert len(late) == (len(failed) + len(pending)) * len(people)
    assert Reminder.objects.count() == 0
