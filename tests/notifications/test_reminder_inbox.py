"""Every reminder sent also enters its recipient's inbox; a reminder not sent does not."""

import datetime
from smtplib import SMTPException
from zoneinfo import ZoneInfo

import pytest
from django.core.mail.backends import locmem

from notifications import reminders
from notifications.models import Notification
from tests.notifications import reminder_factories
from tests.notifications.reminder_factories import DUE

pytestmark = pytest.mark.django_db

BEFORE_DUE = datetime.datetime.combine(
    DUE - datetime.timedelta(days=1), datetime.time(10), tzinfo=ZoneInfo("Europe/Berlin")
)


def test_a_sent_reminder_is_in_the_inbox(mailoutbox):
    assignment = reminder_factories.assignment()
    [key] = reminders.send_reminders(now=BEFORE_DUE)
    [entry] = Notification.objects.filter(kind="review_due_soon")
    [mail] = mailoutbox
    assert key.startswith("review_due_soon:")
    assert (entry.user, entry.kind, entry.subject, entry.body) == (
        assignment.reviewer,
        "review_due_soon",
        mail.subject,
        mail.body,
    )
    assert entry.reference == assignment.application.reference
    assert entry.url == "http://127.0.0.1:8000/reviews/"
    assert entry.read_at is None


class OneThenFail(locmem.EmailBackend):
    sent = 0

    def send_messages(self, messages):
        if OneThenFail.sent >= 1:
            raise SMTPException("connection lost")
        OneThenFail.sent += len(messages)
        return super().send_messages(messages)


def test_only_the_reminders_that_went_out_are_in_the_inbox(settings, mailoutbox):
    first, second = reminder_factories.assignment(), reminder_factories.assignment()
    settings.EMAIL_BACKEND = f"{__name__}.OneThenFail"
    OneThenFail.sent = 0
    with pytest.raises(SMTPException):
        reminders.send_reminders(now=BEFORE_DUE)
    [mail] = mailoutbox
    [entry] = Notification.objects.filter(kind="review_due_soon")
    assert entry.user.email == mail.to[0]
    assert {first.reviewer.email, second.reviewer.email} >= {mail.to[0]}
