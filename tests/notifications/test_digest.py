"""The daily digest: one mail per user with the entries waiting for it, each listed once."""

import pytest

from accounts.models import Profile
from notifications import digest, tasks
from notifications.models import Notification, OutboxMail
from tests import factories

pytestmark = pytest.mark.django_db


def entry(user, subject, digest=True, url=""):
    return Notification.objects.create(
        user=user, kind="submitted", subject=subject, body="…", url=url, digest=digest
    )


def test_one_mail_per_user_listing_the_waiting_entries_in_order(django_capture_on_commit_callbacks):
    anna = factories.UserFactory(first_name="Anna", last_name="Berg")
    entry(anna, "Antrag RK-1 eingereicht", url="https://rk.example/applications/1/")
    entry(anna, "Antrag RK-2 eingereicht")
    entry(anna, "Schon gemeldet", digest=False)

    with django_capture_on_commit_callbacks(execute=True):
        [mail] = digest.send()

    mail.refresh_from_db()
    assert (mail.kind, mail.recipients, mail.language) == ("digest", [anna.email], "de")
    assert mail.subject == "Ihre tägliche Übersicht: 2 Benachrichtigungen"
    assert mail.body.splitlines()[:6] == [
        "Guten Tag Anna Berg,",
        "",
        "hier ist, was seit Ihrer letzten Übersicht geschehen ist:",
        "",
        "- Antrag RK-1 eingereicht",
        "  https://rk.example/applications/1/",
    ]
    assert "- Antrag RK-2 eingereicht" in mail.body
    assert "Schon gemeldet" not in mail.body
    assert '<a href="https://rk.example/applications/1/">Antrag RK-1 eingereicht</a>' in mail.html
    assert mail.status == OutboxMail.Status.SENT
    assert Notification.objects.filter(digest=True).count() == 0


def test_a_second_run_sends_nothing():
    entry(factories.UserFactory(), "Eins")
    assert len(digest.send()) == 1
    assert digest.send() == []
    assert OutboxMail.objects.count() == 1


def test_in_the_users_language():
    user = factories.UserFactory()
    Profile.objects.create(user=user, language="en")
    entry(user, "Application RK-1 submitted")
    [mail] = digest.send()
    assert mail.subject == "Your daily summary: 1 notification"


def test_an_inactive_user_gets_no_mail_and_keeps_the_entries():
    user = factories.UserFactory(is_active=False)
    entry(user, "Eins")
    assert digest.send() == []
    assert Notification.objects.get().digest is False
    assert OutboxMail.objects.count() == 0


def test_the_task_counts_the_mails():
    entry(factories.UserFactory(), "Eins")
    entry(factories.UserFactory(), "Zwei")
    assert tasks.send_digests() == 2
