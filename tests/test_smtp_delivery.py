"""Real delivery: the project's SMTP backend talks to a real SMTP server (aiosmtpd) on
127.0.0.1; the progress mails and the letter are read back as they arrived over the socket."""

import datetime
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from applications import services
from decisions import letters
from decisions import services as decision_services
from reviews import services as review_services
from tests import factories, states

TITLE = "Werkstatt „Rad & Tat“ <Köln>"
ORGANIZATION = "Müller & Söhne gGmbH"
REASON = "Bitte ergänzen Sie den Finanzplan & die Nachweise über Schwerbehinderte."
SENDER = "Risikokapital <noreply@risikokapital.local>"


class Inbox:
    """aiosmtpd handler: keeps every accepted envelope."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(
            (envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
        )
        return "250 Message accepted for delivery"

    def take(self):
        """The messages received since the last call: (envelope from, recipients, message)."""
        taken, self.envelopes = self.envelopes, []
        return [
            (sender, rcpt, email.message_from_bytes(raw, policy=email.policy.default))
            for sender, rcpt, raw in taken
        ]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(settings):
    """A running SMTP server; Django sends to it through the SMTP backend (not locmem)."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = controller.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.DEFAULT_FROM_EMAIL = SENDER
        yield handler
    finally:
        controller.stop()


def german(msgid, **values):
    """``msgid`` as the German catalogue has it (English until it is translated)."""
    with translation.override("de"):
        return gettext(msgid) % values


def text_of(message):
    """The plain text of a mail whose HTML part comes second (text first, as clients expect)."""
    assert [part.get_content_type() for part in message.walk() if not part.is_multipart()][:2] == [
        "text/plain",
        "text/html",
    ]
    return lines(message.get_body(preferencelist=("plain",)).get_content())


def lines(text):
    """Text as written: SMTP carries CRLF line ends, the parser keeps them."""
    return text.replace("\r\n", "\n")


def assert_plain_progress_mail(message, subject):
    """A progress mail: a text part as typed and an HTML part that escapes it."""
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text.get_content_charset() == html.get_content_charset() == "utf-8"
    assert message["From"] == SENDER
    assert message["Subject"] == subject
    body = lines(text.get_content())
    assert "&amp;" not in body and "&#" not in body and "&lt;" not in body
    assert "&amp;" in html.get_content() and TITLE not in html.get_content()
    return body


@pytest.mark.django_db
def test_progress_mails_and_the_letter_arrive_over_smtp(inbox, django_capture_on_commit_callbacks):
    organization = factories.OrganizationFactory(
        name=ORGANIZATION, contact_email="kontakt@mueller.example"
    )
    applicant = factories.applicant(organization=organization, email="antrag@mueller.example")
    office = factories.coordinator(email="koordination@example.org")
    application = states.draft(organization=organization, created_by=applicant, title=TITLE)

    # Submitted: a progress mail to the coordination office, a receipt to the company.
    with django_capture_on_commit_callbacks(execute=True):
        application = services.submit(applicant, application, states.DECLARATIONS)
    reference = application.reference
    (sender, recipients, message), receipt, *others = inbox.take()
    assert others == []
    assert receipt[1] == ["antrag@mueller.example", "kontakt@mueller.example"]
    assert_plain_progress_mail(
        receipt[2], german("Receipt of your application %(reference)s", reference=reference)
    )
    assert sender == "noreply@risikokapital.local"
    assert recipients == ["koordination@example.org"]
    assert message["To"] == "koordination@example.org"
    body = assert_plain_progress_mail(message, f"Antrag {reference} wurde eingereicht")
    assert body.startswith(
        f"Guten Tag,\n\n{ORGANIZATION} hat den Antrag {reference} „{TITLE}“ eingereicht. "
        "Bitte prüfen Sie ihn formal und weisen Sie Gutachterinnen und Gutachter zu.\n"
    )

    # Returned for revision: one mail to the company (contact address and its applicant).
    deadline = datetime.date(2027, 1, 15)
    with django_capture_on_commit_callbacks(execute=True):
        application = services.return_for_revision(office, application, REASON, deadline)
    (sender, recipients, message), *others = inbox.take()
    assert others == []
    assert sorted(recipients) == ["antrag@mueller.example", "kontakt@mueller.example"]
    body = assert_plain_progress_mail(message, f"Antrag {reference}: Bitte um Überarbeitung")
    assert body.startswith(
        f"Sehr geehrte Damen und Herren,\n\nIhr Antrag {reference} „{TITLE}“ wurde Ihnen "
        "zur Überarbeitung zurückgegeben. Bitte ergänzen Sie ihn und reichen Sie ihn bis zum "
        f"15.01.2027 erneut ein.\n\nBegründung:\n{REASON}\n"
    )

    # Submitted again, reviewed (every mail of these steps goes over the socket too).
    with django_capture_on_commit_callbacks(execute=True):
        application = services.submit(applicant, application, states.DECLARATIONS)
        reviewers = [factories.reviewer() for _ in range(application.programme.reviews_required)]
        for reviewer in reviewers:
            review_services.assign_reviewer(office, application, reviewer)
        application = review_services.start_review(office, application)
        for reviewer in reviewers:
            states.review(reviewer, application)
    application.refresh_from_db()
    assert application.state == "awaiting_decision"
    arrived = [(recipients, message["Subject"]) for _, recipients, message in inbox.take()]
    company = ["antrag@mueller.example", "kontakt@mueller.example"]
    assert arrived == [
        (["koordination@example.org"], f"Antrag {reference} wurde eingereicht"),
        (company, german("Receipt of your application %(reference)s", reference=reference)),
        *(([r.email], f"Bitte um Begutachtung: Antrag {reference}") for r in reviewers),
        (
            company,
            german("Application %(reference)s: the review has started", reference=reference),
        ),
    ]

    # Four eyes: the proposal mails the other board member; the confirmation mails the letter.
    first, second = states.deciding_board(application)
    with django_capture_on_commit_callbacks(execute=True):
        decision = decision_services.propose_decision(
            first,
            application,
            "approve",
            amount=application.requested_amount,
            conditions="Jährlicher Verwendungsnachweis.",
        )
    (sender, recipients, message), *others = inbox.take()
    assert others == []
    assert recipients == [second.email]
    body = assert_plain_progress_mail(message, f"Entscheidungsvorschlag zum Antrag {reference}")
    assert f"„{TITLE}“" in body

    with django_capture_on_commit_callbacks(execute=True):
        decision_services.confirm_decision(second, decision)
    (sender, recipients, message), *others = inbox.take()
    assert others == []
    assert sender == "noreply@risikokapital.local"
    assert recipients == ["kontakt@mueller.example", "antrag@mueller.example"]
    assert message["From"] == SENDER
    assert message["Reply-To"] == "koordination@risikokapital.local"
    assert message["Subject"] == german(
        "Decision on your application %(reference)s", reference=reference
    )
    assert message.get_content_type() == "multipart/mixed"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "multipart/alternative",
        "application/pdf",
    ]
    text = text_of(message)
    assert f"{reference}" in text and TITLE in text
    assert text.endswith("Risikokapital für Integrationsunternehmen\n")
    letter = application.letters.get()
    (attachment,) = message.iter_attachments()
    pdf = attachment.get_content()
    assert attachment.get_filename() == f"Bescheid-{reference}-{letter.number}.pdf"
    assert pdf.startswith(b"%PDF-")
    assert pdf == letters.stored_bytes(letter)

    # Nothing went to the test outbox: it all went over the socket.
    assert mail.outbox == []
