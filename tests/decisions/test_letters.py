"""The decision letter: the PDF, its storage, the mail, the sweep and render_letter."""

import hashlib
import io
import smtplib
from datetime import timedelta
from unittest import mock

import pdfplumber
import pytest
from celery.exceptions import Retry
from django.core.management import CommandError, call_command
from django.utils import timezone
from pypdf import PdfReader
from weasyprint.urls import FatalURLFetchingError, path2url

from decisions import letters, tasks
from decisions.models import Decision, DecisionLetter
from notifications.models import Notification
from tests.decisions.letter_factories import make_letter, stored_files
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

MM = 72 / 25.4
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
Status = DecisionLetter.Status


def pdf_text(pdf):
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return "\n".join(page.extract_text() for page in document.pages)


def first_page_words(pdf):
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return document.pages[0].extract_words(keep_blank_chars=False)


def pdfa_ids(reader):
    descriptions = reader.xmp_metadata.rdf_root.getElementsByTagNameNS(RDF, "Description")
    return {
        (node.getAttributeNS(PDFAID, "part"), node.getAttributeNS(PDFAID, "conformance"))
        for node in descriptions
        if node.getAttributeNS(PDFAID, "part")
    }


# ----- the PDF ----------------------------------------------------------------------------------


def test_letter_is_a_tagged_pdfa3_on_a4():
    pdf = letters.render_letter_pdf(make_letter())
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(595.28, abs=0.5)
    assert float(box.height) == pytest.approx(841.89, abs=0.5)
    assert pdfa_ids(reader) == {("3", "A")}
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "de"


def test_letter_uses_only_the_shipped_fonts():
    # the @font-face family of letter.css: no system font slips in
    with pdfplumber.open(io.BytesIO(letters.render_letter_pdf(make_letter()))) as document:
        fonts = {char["fontname"].split("+")[-1] for char in document.pages[0].chars}
    assert fonts == {"Letter-Sans", "Letter-Sans-Bold"}


def test_german_approval_shows_reference_organisation_and_terms():
    letter = make_letter()
    text = pdf_text(letters.render_letter_pdf(letter))
    assert "RK-2026-0042" in text
    assert letter.application.organization.name in text
    assert "Bescheid über die Bewilligung von Risikokapital" in text
    assert "Sehr geehrte Damen und Herren" in text
    assert "60.000,00 €" in text
    assert "Darlehen" in text
    assert "84 Monate" in text
    assert "1,50 % p. a." in text
    assert "12 Monate" in text
    assert "Vorlage des Verwendungsnachweises bis 31.03.2028." in text
    # confirmed at 23:30 in Berlin (22:30 UTC): the letter carries the local date
    assert "12. März 2026" in text
    assert "Anna Vorstand" in text
    assert "Bernd Zweitprüfer" in text


def test_german_rejection_gives_the_reasons():
    text = pdf_text(letters.render_letter_pdf(make_letter(outcome=Decision.Outcome.REJECT)))
    assert "Bescheid über die Ablehnung Ihres Antrags" in text
    assert "Der Finanzierungsplan ist nicht ausgeglichen." in text
    assert "€" not in text


def test_english_letter():
    text = pdf_text(letters.render_letter_pdf(make_letter(language="en")))
    assert "Decision: approval of risk capital" in text
    assert "€60,000.00" in text
    assert "12 March 2026" in text
    assert "84 months" in text
    assert "Bescheid" not in text


def test_unknown_language_falls_back_to_german():
    text = pdf_text(letters.render_letter_pdf(make_letter(language="fr")))
    assert "Bescheid" in text


def test_address_lies_in_the_din_5008_window():
    letter = make_letter()
    address = letter.application.organization.address_lines()
    words = first_page_words(letters.render_letter_pdf(letter))
    first_line = address[0].split()
    hits = [word for word in words if word["text"] in first_line]
    assert {word["text"] for word in hits} == set(first_line)
    city = [word for word in words if word["text"] == "Köln"]
    for word in [*hits, *city]:
        assert word["x0"] >= 20 * MM
        assert word["x1"] <= 105 * MM
        assert word["top"] >= 45 * MM
        assert word["bottom"] <= 90 * MM


def test_money_and_percent_formats():
    assert letters.format_money(60000, "de") == "60.000,00 €"
    assert letters.format_money("1234567.5", "de") == "1.234.567,50 €"
    assert letters.format_money(60000, "en") == "€60,000.00"
    assert letters.format_percent(0, "de") == "0,00 % p. a."


# ----- the URL fetcher ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/letter.css",
        "https://example.org/font.ttf",
        "ftp://example.org/x",
        path2url("/etc/passwd"),
        path2url(str(letters.LETTERS_DIR.parent.parent / "pyproject.toml")),
        letters.LETTERS_DIR.as_uri() + "/../../pyproject.toml",
        letters.LETTERS_DIR.as_uri() + "/%2e%2e/%2e%2e/pyproject.toml",
        "file://otherhost" + letters.LETTERS_DIR.as_uri()[7:] + "/letter.css",
    ],
)
def test_fetcher_refuses_everything_but_data_and_letter_files(url):
    with pytest.raises(letters.RefusedURL):
        letters.LetterURLFetcher().fetch(url)


def test_fetcher_serves_letter_files_and_data_urls():
    fetcher = letters.LetterURLFetcher()
    css = fetcher.fetch((letters.LETTERS_DIR / "letter.css").as_uri())
    assert css.content_type == "text/css"
    assert b"@font-face" in css.read()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


def test_rendering_stops_at_a_refused_url():
    html = '<html><body><img src="http://127.0.0.1:9/logo.png"></body></html>'
    with pytest.raises(FatalURLFetchingError):
        letters.html_to_pdf(html)


# ----- the task ---------------------------------------------------------------------------------


def test_task_twice_stores_one_file_and_sends_one_mail(media, mailoutbox):
    letter = make_letter()
    colleague = UserFactory(email="kollegin@example.org")
    MembershipFactory(user=colleague, organization=letter.application.organization)

    tasks.generate_decision_letter.delay(letter.pk)
    tasks.generate_decision_letter.delay(letter.pk)

    letter.refresh_from_db()
    assert letter.status == Status.SENT
    assert letter.attempts == 1
    assert letter.sent_at is not None
    assert [path.name for path in stored_files(media)] == [f"1-{letter.sha256}.pdf"]
    stored = letter.file.open("rb").read()
    letter.file.close()
    assert hashlib.sha256(stored).hexdigest() == letter.sha256
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    organization = letter.application.organization
    # templates/mail/letter.txt in the letter's language (German once the catalogue has it).
    assert mail.subject == "Bescheid zu Ihrem Antrag RK-2026-0042"
    assert mail.alternatives[0][1] == "text/html"
    assert '<html lang="de">' in mail.alternatives[0][0]
    assert set(mail.to) == {
        organization.contact_email,
        letter.application.created_by.email,
        "kollegin@example.org",
    }
    assert letter.recipients == mail.to
    assert mail.reply_to == [letters.letter_sender()["email"]]
    (name, content, mimetype) = mail.attachments[0]
    assert name == "Bescheid-RK-2026-0042-1.pdf"
    assert mimetype == "application/pdf"
    assert content == stored
    # each member finds the letter's mail in the inbox, once (the second run sent nothing)
    entries = Notification.objects.filter(kind="letter").order_by("user_id")
    assert [(e.user_id, e.subject, e.reference) for e in entries] == [
        (user.pk, "Bescheid zu Ihrem Antrag RK-2026-0042", "RK-2026-0042")
        for user in sorted([letter.application.created_by, colleague], key=lambda u: u.pk)
    ]
    assert entries[0].url.endswith(f"/applications/{letter.application.pk}/")


def test_english_mail(mailoutbox):
    letter = make_letter(language="en")
    tasks.generate_decision_letter.delay(letter.pk)
    assert mailoutbox[0].subject == "Decision on your application RK-2026-0042"
    assert mailoutbox[0].attachments[0][0] == "Decision-RK-2026-0042-1.pdf"


def test_recipients_are_unique():
    letter = make_letter()
    organization = letter.application.organization
    MembershipFactory(
        user=UserFactory(email=organization.contact_email.upper()), organization=organization
    )
    recipients = letters.letter_recipients(organization)
    assert recipients == [organization.contact_email, letter.application.created_by.email]


def test_mail_failure_leaves_the_letter_rendered_and_a_later_run_sends_once(media, mailoutbox):
    letter = make_letter()
    failure = smtplib.SMTPServerDisconnected("connection lost")
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=failure) as send,
        pytest.raises(Retry) as retry,  # eager with task_eager_propagates: raised, not re-run
    ):
        tasks.generate_decision_letter.delay(letter.pk)
    assert retry.value.exc is failure
    assert send.call_count == 1

    letter.refresh_from_db()
    assert letter.status == Status.RENDERED
    assert mailoutbox == []
    rendered = stored_files(media)
    assert len(rendered) == 1

    tasks.generate_decision_letter.delay(letter.pk)
    tasks.generate_decision_letter.delay(letter.pk)
    letter.refresh_from_db()
    assert letter.status == Status.SENT
    assert letter.attempts == 1
    assert len(mailoutbox) == 1
    assert stored_files(media) == rendered


def test_rendering_failure_puts_the_letter_back_to_pending(media):
    letter = make_letter()
    with (
        mock.patch.object(letters, "render_letter_pdf", side_effect=RuntimeError("boom")),
        pytest.raises(Retry),
    ):
        tasks.generate_decision_letter.delay(letter.pk)
    letter.refresh_from_db()
    assert letter.status == Status.PENDING
    assert letter.attempts == 1
    assert stored_files(media) == []

    tasks.generate_decision_letter.delay(letter.pk)
    letter.refresh_from_db()
    assert letter.status == Status.SENT
    assert letter.attempts == 2
    assert len(stored_files(media)) == 1


def test_a_lost_rendering_claim_discards_the_file(media):
    letter = make_letter()
    token = letters.claim(letter.pk, Status.PENDING, Status.RENDERING)
    DecisionLetter.objects.filter(pk=letter.pk).update(claimed_at=token - timedelta(seconds=1))
    letters.store(letters.load_letter(letter.pk), token)
    letter.refresh_from_db()
    assert letter.status == Status.RENDERING
    assert not letter.file
    assert stored_files(media) == []


# ----- the sweep --------------------------------------------------------------------------------


def set_status(letter, status, minutes_ago):
    claimed_at = timezone.now() - timedelta(minutes=minutes_ago)
    DecisionLetter.objects.filter(pk=letter.pk).update(status=status, claimed_at=claimed_at)


def test_sweep_requeues_unsent_letters_and_flags_stale_sending(mailoutbox, caplog):
    pending = make_letter()
    stuck_rendering = make_letter(reference="RK-2026-0043")
    set_status(stuck_rendering, Status.RENDERING, minutes_ago=11)
    busy_rendering = make_letter(reference="RK-2026-0044")
    set_status(busy_rendering, Status.RENDERING, minutes_ago=1)
    stale_sending = make_letter(reference="RK-2026-0045")
    set_status(stale_sending, Status.SENDING, minutes_ago=11)
    busy_sending = make_letter(reference="RK-2026-0046")
    set_status(busy_sending, Status.SENDING, minutes_ago=1)

    assert tasks.sweep_letters.delay().get() == 2

    statuses = dict(DecisionLetter.objects.values_list("application__reference", "status"))
    assert statuses == {
        "RK-2026-0042": Status.SENT,
        "RK-2026-0043": Status.SENT,
        "RK-2026-0044": Status.RENDERING,
        "RK-2026-0045": Status.UNCERTAIN,
        "RK-2026-0046": Status.SENDING,
    }
    assert sorted(mail.subject[-12:] for mail in mailoutbox) == ["RK-2026-0042", "RK-2026-0043"]
    assert "RK-2026-0045" in caplog.text
    assert "uncertain" in caplog.text
    assert pending.pk != stale_sending.pk


def test_sweep_requeues_a_rendered_letter(mailoutbox):
    letter = make_letter()
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("down")),
        pytest.raises(Retry),
    ):
        tasks.generate_decision_letter.delay(letter.pk)
    assert DecisionLetter.objects.get(pk=letter.pk).status == Status.RENDERED
    tasks.sweep_letters.delay()
    letter.refresh_from_db()
    assert letter.status == Status.SENT
    assert len(mailoutbox) == 1


def test_sweep_runs_a_constant_number_of_queries(django_assert_num_queries):
    def sweep_queries(count):
        for number in range(count):
            letter = make_letter(reference=f"RK-2026-{count}{number:03d}")
            set_status(letter, Status.SENDING, minutes_ago=20)
        for number in range(count):
            make_letter(reference=f"RK-2026-{count}{number:03d}P")
        with (
            mock.patch.object(tasks.generate_decision_letter, "delay") as delay,
            django_assert_num_queries(4),
        ):
            tasks.sweep_letters()
        DecisionLetter.objects.update(status=Status.SENT)
        return delay.call_count

    assert sweep_queries(1) == 1
    assert sweep_queries(5) == 5


# ----- render_letter ----------------------------------------------------------------------------


def test_render_letter_writes_the_stored_bytes(tmp_path):
    letter = make_letter()
    tasks.generate_decision_letter.delay(letter.pk)
    letter.refresh_from_db()
    out = tmp_path / "bescheid.pdf"
    call_command("render_letter", "RK-2026-0042", str(out), stdout=io.StringIO())
    assert hashlib.sha256(out.read_bytes()).hexdigest() == letter.sha256
    call_command("render_letter", "RK-2026-0042", str(out), "--letter", "1", stdout=io.StringIO())
    assert hashlib.sha256(out.read_bytes()).hexdigest() == letter.sha256


def test_render_letter_picks_the_latest_letter(tmp_path):
    first = make_letter()
    second = DecisionLetter.objects.create(
        application=first.application, decision=first.decision, number=2
    )
    for letter in (first, second):
        tasks.generate_decision_letter.delay(letter.pk)
    second.refresh_from_db()
    out = tmp_path / "latest.pdf"
    call_command("render_letter", "RK-2026-0042", str(out), stdout=io.StringIO())
    assert hashlib.sha256(out.read_bytes()).hexdigest() == second.sha256


@pytest.mark.parametrize(
    ("reference", "number", "message"),
    [
        ("RK-1999-0001", None, 'No application with reference "RK-1999-0001"'),
        ("RK-2026-0042", 7, "has no letter 7"),
        ("RK-2026-0042", None, "is not rendered yet (status: pending)"),
    ],
)
def test_render_letter_errors(tmp_path, reference, number, message):
    make_letter()
    extra = ["--letter", str(number)] if number else []
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("render_letter", reference, str(tmp_path / "x.pdf"), *extra)
    assert not (tmp_path / "x.pdf").exists()
