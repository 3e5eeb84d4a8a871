"""Mails per reader: each user in their language, optional kinds as the user prefers, an HTML
part, an inbox entry for every user recipient, a Message-ID, failed mails retried."""

import smtplib
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core import mail as django_mail

from accounts.models import Profile
from notifications import mails, outbox, registry, services, tasks
from notifications.models import Notification, OutboxMail, Preference
from notifications.reminders import html_part
from tests import factories

pytestmark = pytest.mark.django_db

Status = OutboxMail.Status


@pytest.fixture
def note_kind():
    """A mail kind of the tests (templates in tests/templates/mail/test_note.*)."""
    recipients = []

    def answer(obj):
        context = {"reference": obj.reference, "title": obj.title, "url": obj.url}
        return recipients, context, "de"

    registry.add_mail_kind("test_note", answer, label="Test note", optional=True)
    yield recipients
    registry._mail_kinds.pop("test_note")


def note(title="Küche & <Service>"):
    return SimpleNamespace(reference="RK-1", title=title, url="https://rk.example/a/1/")


def speaking(language, **kwargs):
    user = factories.UserFactory(**kwargs)
    Profile.objects.create(user=user, language=language)
    return user


def test_each_user_reads_it_in_their_language_the_address_in_the_kinds(note_kind):
    german, english = speaking("de"), speaking("en")
    note_kind.extend([german, english, "kontakt@firma.example"])

    composed = mails.compose("test_note", note())

    assert [(c.language, c.recipients, c.subject) for c in composed] == [
        ("de", sorted([german.email, "kontakt@firma.example"]), "Antrag zurückgegeben: RK-1"),
        ("en", [english.email], "Application returned: RK-1"),
    ]
    assert [c.inbox for c in composed] == [[(german.pk, False)], [(english.pk, False)]]


def test_text_as_typed_html_escaped_and_in_the_readers_language(note_kind):
    note_kind.append(speaking("en"))
    [composed] = mails.compose("test_note", note())
    assert composed.body == "Küche & <Service>"
    assert composed.html == '<p lang="en">Application returned: Küche &amp; &lt;Service&gt;</p>'
    assert composed.url == "https://rk.example/a/1/"


def test_an_address_that_is_a_users_is_mailed_once_in_the_users_language(note_kind):
    english = speaking("en", email="Anna@Firma.example")
    note_kind.extend(["anna@firma.example", english])
    [composed] = mails.compose("test_note", note())
    assert (composed.language, composed.recipients) == ("en", ["Anna@Firma.example"])


def test_inactive_users_and_empty_addresses_get_nothing(note_kind):
    note_kind.extend([speaking("de", is_active=False), "", "  ", None])
    assert mails.compose("test_note", note()) == []


@pytest.mark.parametrize(
    ("delivery", "mailed", "digest"),
    [
        (Preference.Delivery.MAIL, True, False),
        (Preference.Delivery.DIGEST, False, True),
        (Preference.Delivery.INBOX, False, False),
    ],
)
def test_an_optional_kind_follows_the_preference(note_kind, delivery, mailed, digest):
    user = speaking("de")
    Preference.objects.create(user=user, kind="test_note", delivery=delivery)
    note_kind.append(user)

    [composed] = mails.compose("test_note", note())

    assert composed.recipients == ([user.email] if mailed else [])
    assert composed.inbox == [(user.pk, digest)]


def test_a_mandatory_kind_ignores_the_preference(note_kind):
    registry.add_mail_kind("test_note", registry.mail_kind("test_note"))  # not optional
    user = speaking("de")
    Preference.objects.create(user=user, kind="test_note", delivery=Preference.Delivery.INBOX)
    note_kind.append(user)
    [composed] = mails.compose("test_note", note())
    assert composed.recipients == [user.email]


def test_an_optional_kind_needs_a_label():
    with pytest.raises(ValueError, match="needs a label"):
        registry.add_mail_kind("test_unlabelled", lambda obj: ([], {}, None), optional=True)


def test_notify_writes_outbox_rows_per_language_and_an_inbox_entry_per_user(
    note_kind, django_capture_on_commit_callbacks
):
    german, english, quiet = speaking("de"), speaking("en"), speaking("de")
    Preference.objects.create(user=quiet, kind="test_note", delivery=Preference.Delivery.INBOX)
    note_kind.extend([german, english, quiet])

    with django_capture_on_commit_callbacks(execute=True):
        rows = services.notify("test_note", note())

    for row in rows:
        row.refresh_from_db()
    assert [(row.language, row.recipients, row.status) for row in rows] == [
        ("de", [german.email], Status.SENT),
        ("en", [english.email], Status.SENT),
    ]
    entries = Notification.objects.order_by("user_id")
    assert [(e.user_id, e.subject, e.url, e.reference) for e in entries] == [
        (german.pk, "Antrag zurückgegeben: RK-1", "https://rk.example/a/1/", "RK-1"),
        (english.pk, "Application returned: RK-1", "https://rk.example/a/1/", "RK-1"),
        (quiet.pk, "Antrag zurückgegeben: RK-1", "https://rk.example/a/1/", "RK-1"),
    ]
    sent = {message.to[0]: message for message in django_mail.outbox}
    assert sorted(sent) == sorted([german.email, english.email])
    english_mail = sent[english.email]
    assert english_mail.alternatives[0][1] == "text/html"
    assert "Küche &amp; &lt;Service&gt;" in english_mail.alternatives[0][0]
    assert english_mail.extra_headers["Message-ID"] == rows[1].message_id
    assert rows[1].message_id.startswith("<") and rows[1].message_id.endswith(">")


def test_a_user_only_in_the_inbox_writes_no_outbox_row(note_kind):
    quiet = speaking("de")
    Preference.objects.create(user=quiet, kind="test_note", delivery=Preference.Delivery.INBOX)
    note_kind.append(quiet)
    assert services.notify("test_note", note()) == []
    assert OutboxMail.objects.count() == 0
    assert Notification.objects.get().user == quiet


def failed_row():
    row = OutboxMail.objects.create(
        kind="test_note", recipients=["a@example.org"], language="de", subject="S", body="B"
    )
    with (
        mock.patch.object(outbox.EmailMultiAlternatives, "send", side_effect=ValueError("bad")),
        pytest.raises(ValueError),
    ):
        outbox.send(row.pk)
    # written a while ago: the sweep queues only rows older than outbox.REQUEUE_AFTER
    OutboxMail.objects.filter(pk=row.pk).update(created_at=row.created_at - timedelta(minutes=10))
    row.refresh_from_db()
    return row


def test_a_failed_mail_is_retried_by_the_next_sweep(mailoutbox):
    row = failed_row()
    assert (row.status, row.attempts, row.last_error) == (Status.FAILED, 1, "ValueError: bad")

    tasks.sweep_outbox()  # eager: queued and sent at once

    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)
    assert [m.to for m in mailoutbox] == [["a@example.org"]]


def test_a_mail_that_failed_max_attempts_stays_failed(mailoutbox):
    row = failed_row()
    OutboxMail.objects.filter(pk=row.pk).update(attempts=outbox.MAX_ATTEMPTS)
    tasks.sweep_outbox()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, outbox.MAX_ATTEMPTS)
    assert mailoutbox == []


def test_a_transient_failure_is_retried_and_keeps_its_message_id(mailoutbox):
    row = OutboxMail.objects.create(
        kind="test_note", recipients=["a@example.org"], language="de", subject="S", body="B",
        message_id="<fixed@rk.example>",
    )  # fmt: skip
    error = smtplib.SMTPServerDisconnected("gone")
    with (
        mock.patch.object(outbox.EmailMultiAlternatives, "send", side_effect=error),
        pytest.raises(smtplib.SMTPServerDisconnected),
    ):
        outbox.send(row.pk)
    assert outbox.send(row.pk) is True
    assert mailoutbox[0].extra_headers["Message-ID"] == "<fixed@rk.example>"


def test_the_profile_language_is_the_users_language_for_mails():
    english = speaking("en")
    plain = factories.UserFactory()
    assert registry.languages_of([english, plain]) == {english.pk: "en"}
    assert registry.languages_of([]) == {}


def test_a_reminders_html_part_escapes_the_text_and_links_addresses():
    html = html_part("Erinnerung", "Küche & <Service>\nZeile zwei\n\nhttps://rk.example/a/1/", "de")
    assert '<html lang="de">' in html
    assert "<p>Küche &amp; &lt;Service&gt;<br>Zeile zwei</p>" in html
    assert '<a href="https://rk.example/a/1/" rel="nofollow">https://rk.example/a/1/</a>' in html
