"""The message thread between the coordination office and the company: who reads and writes
it, the mail to the other side, and the part on the application's page."""

import datetime
import re
import zoneinfo

import pytest
import rules
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from applications import thread
from applications.models import MESSAGE_MAX_LENGTH, Message
from funding.errors import RuleViolation
from funding.models import Membership
from notifications.models import Notification, OutboxMail
from records.services import erase_application
from tests import factories, states

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
PERMISSIONS = ("applications.read_thread", "applications.post_message")


@pytest.fixture
def client():
    """A browser that asks for English, so that the assertions do not depend on the catalogue."""
    return Client(headers={"accept-language": "en"})


def login(client, user):
    client.force_login(user)
    return client


def page_url(application):
    return reverse("application-detail", args=[application.pk])


def post_url(application):
    return reverse("application-messages", args=[application.pk])


def posted(django_capture_on_commit_callbacks, user, application, body):
    """Post a message and run what the commit queues (the mail is sent)."""
    with django_capture_on_commit_callbacks(execute=True):
        return thread.post_message(user, application, body)


def thread_part(html):
    """The thread's section of a page, or None."""
    match = re.search(r'<section class="card" id="messages".*?</section>', html, re.S)
    return match.group(0) if match else None


# ----- who reads and writes ----------------------------------------------------------------


def test_the_office_and_the_company_read_and_write_from_the_first_submission():
    application = states.submitted()
    coordinator, colleague = factories.coordinator(), factories.applicant(application.organization)
    for user in (coordinator, application.created_by, colleague):
        assert [rules.has_perm(name, user, application) for name in PERMISSIONS] == [True, True]


def test_a_draft_has_no_thread_for_anyone():
    """A draft has not reached the office: the office reads nothing of it, so the company's
    questions would reach nobody (the thread opens with the first submission)."""
    draft = states.draft()
    for user in (factories.coordinator(), draft.created_by):
        assert [rules.has_perm(name, user, draft) for name in PERMISSIONS] == [False, False]
    with pytest.raises(PermissionDenied):
        thread.post_message(draft.created_by, draft, "Welche Unterlagen brauchen Sie?")
    assert Message.objects.count() == 0


@pytest.mark.parametrize("state", ["returned", "approved", "withdrawn"])
def test_the_thread_stays_open_after_a_return_a_decision_or_a_withdrawal(state):
    application = states.reach(state)
    coordinator = factories.coordinator()
    for user in (coordinator, application.created_by):
        assert [rules.has_perm(name, user, application) for name in PERMISSIONS] == [True, True]


def test_an_erased_application_has_no_thread():
    application = states.withdrawn()
    with transaction.atomic():
        erase_application(application, timezone.now())
    for user in (factories.coordinator(), application.created_by):
        assert [rules.has_perm(name, user, application) for name in PERMISSIONS] == [False, False]


def test_reviewers_the_board_and_another_company_never_read_or_write_it():
    application = states.awaiting_decision()
    reviewer = application.assignments.first().reviewer
    (board_member,) = states.deciding_board(application, count=1)
    for user in (reviewer, board_member, factories.applicant(), factories.UserFactory()):
        assert [rules.has_perm(name, user, application) for name in PERMISSIONS] == [False, False]


# ----- posting -----------------------------------------------------------------------------


def test_a_message_records_who_spoke_and_its_text_without_the_browsers_line_breaks():
    application = states.submitted()
    coordinator = factories.coordinator()
    office = thread.post_message(coordinator, application, "  Bitte den Mietvertrag.\r\nDanke  ")
    company = thread.post_message(application.created_by, application, "Kommt morgen.")
    assert (office.author, office.from_office, office.body) == (
        coordinator,
        True,
        "Bitte den Mietvertrag.\nDanke",
    )
    assert (company.author, company.from_office) == (application.created_by, False)


def test_a_coordinator_who_acts_for_the_company_speaks_for_the_company():
    application = states.submitted()
    coordinator = factories.coordinator()
    Membership.objects.create(user=coordinator, organization=application.organization)
    coordinator = type(coordinator).objects.get(pk=coordinator.pk)  # roles are cached
    message = thread.post_message(coordinator, application, "Wir reichen es nach.")
    assert message.from_office is False


def test_an_empty_or_too_long_message_is_refused_and_nothing_is_written():
    application = states.submitted()
    coordinator = factories.coordinator()
    with pytest.raises(RuleViolation) as empty:
        thread.post_message(coordinator, application, " \r\n ")
    assert empty.value.errors == {"body": ["Bitte schreiben Sie eine Nachricht."]}
    with pytest.raises(RuleViolation) as long:
        thread.post_message(coordinator, application, "x" * (MESSAGE_MAX_LENGTH + 1))
    assert long.value.errors == {
        "body": ["Die Nachricht ist 5001 Zeichen lang; erlaubt sind höchstens 5000."]
    }
    assert Message.objects.count() == 0
    assert OutboxMail.objects.filter(kind="message_posted").count() == 0
    # The limit itself is allowed.
    thread.post_message(coordinator, application, "x" * MESSAGE_MAX_LENGTH)
    assert Message.objects.count() == 1


# ----- the mail to the other side ----------------------------------------------------------


def test_the_office_writes_the_company_is_told_in_the_organisations_language(
    django_capture_on_commit_callbacks,
):
    application = states.submitted()
    organization = application.organization
    organization.language = "en"
    organization.save()
    owner = application.created_by
    colleague = factories.applicant(organization)
    german = factories.applicant(organization)
    Profile.objects.create(user=german, language="de")
    gone = factories.applicant(organization, is_active=False)
    coordinator = factories.coordinator(first_name="Erika", last_name="Mustermann")
    other_coordinator = factories.coordinator()

    message = posted(
        django_capture_on_commit_callbacks, coordinator, application, "Bitte den Mietvertrag."
    )

    rows = {row.language: row for row in OutboxMail.objects.filter(kind="message_posted")}
    assert sorted(rows) == ["de", "en"]
    assert rows["en"].recipients == sorted(
        [organization.contact_email, owner.email, colleague.email]
    )
    assert rows["de"].recipients == [german.email]
    assert (rows["en"].reference, rows["en"].application_id) == (
        application.reference,
        application.pk,
    )
    sent = {tuple(m.to): m for m in mail.outbox}
    assert set(sent) == {tuple(rows["en"].recipients), (german.email,)}
    english = sent[tuple(rows["en"].recipients)]
    assert english.subject == f"Application {application.reference}: new message"
    assert "the coordination office has written a message about application" in english.body
    assert "Bitte den Mietvertrag." in english.body
    assert english.body.endswith("\n" + thread.absolute(page_url(application) + "#messages"))
    # The office speaks as the office: the coordinator's name is in no mail.
    assert all("Mustermann" not in m.body for m in mail.outbox)
    # Nobody of the office (the author included), nobody inactive.
    everyone = [address for m in mail.outbox for address in m.to]
    for person in (coordinator, other_coordinator, gone):
        assert person.email not in everyone
    # Each user also finds it in the inbox, with the link to the thread.
    entries = Notification.objects.filter(kind="message_posted")
    assert sorted(entries.values_list("user_id", flat=True)) == sorted(
        [owner.pk, colleague.pk, german.pk]
    )
    assert {entry.url for entry in entries} == {
        thread.absolute(page_url(application) + "#messages")
    }
    assert message.pk is not None


def test_the_company_writes_the_active_coordinators_are_told(django_capture_on_commit_callbacks):
    application = states.submitted()
    coordinators = [factories.coordinator(), factories.coordinator()]
    factories.coordinator(is_active=False)
    colleague = factories.applicant(application.organization)
    author = application.created_by

    posted(django_capture_on_commit_callbacks, author, application, "Reicht ein Angebot?")

    (row,) = OutboxMail.objects.filter(kind="message_posted")
    assert row.recipients == sorted(c.email for c in coordinators)
    assert row.language == "de"
    (sent,) = mail.outbox
    assert sent.to == row.recipients
    name = author.get_full_name()
    assert f"{application.organization.name} ({name}) hat eine Nachricht zum Antrag" in sent.body
    assert "Reicht ein Angebot?" in sent.body
    # Not the author, not the company's other people, not the contact address.
    for address in (author.email, colleague.email, application.organization.contact_email):
        assert address not in sent.to
    assert sorted(
        Notification.objects.filter(kind="message_posted").values_list("user_id", flat=True)
    ) == sorted(c.pk for c in coordinators)


def test_the_author_is_never_told_of_their_own_message(django_capture_on_commit_callbacks):
    """A coordinator who acts for the company writes as the company: the rest of the office is
    told, not the author (a coordinator too)."""
    application = states.submitted()
    author = factories.coordinator()
    Membership.objects.create(user=author, organization=application.organization)
    author = type(author).objects.get(pk=author.pk)  # roles are cached
    other = factories.coordinator()

    posted(django_capture_on_commit_callbacks, author, application, "Frage der Firma")

    (sent,) = mail.outbox
    assert sent.to == [other.email]
    entries = Notification.objects.filter(kind="message_posted")
    assert list(entries.values_list("user_id", flat=True)) == [other.pk]


def test_the_contact_address_is_not_told_when_it_is_the_authors(
    django_capture_on_commit_callbacks,
):
    application = states.submitted()
    author = factories.coordinator(email=application.organization.contact_email.upper())

    posted(django_capture_on_commit_callbacks, author, application, "Antwort des Büros")

    (sent,) = mail.outbox
    assert sent.to == [application.created_by.email]


def test_the_mail_quotes_the_first_500_characters(django_capture_on_commit_callbacks):
    application = states.submitted()
    factories.coordinator()
    body = "a" * 500 + "ENDE"
    posted(django_capture_on_commit_callbacks, application.created_by, application, body)
    (sent,) = mail.outbox
    assert "a" * 500 + "…" in sent.body
    assert "ENDE" not in sent.body
    assert "Lesen Sie die ganze Nachricht und antworten Sie auf der Seite des Antrags:" in sent.body


def test_names_and_text_survive_unescaped_in_the_text_mail_and_escaped_in_the_html(
    django_capture_on_commit_callbacks,
):
    organization = factories.OrganizationFactory(name="Müller & Söhne <Inklusion> gGmbH")
    application = states.submitted(organization=organization, title="Küche 'Zum <Stern>' & Café")
    author = application.created_by
    author.first_name, author.last_name = "Seán", "O'Brien & <Co>"
    author.save()
    factories.coordinator()

    posted(django_capture_on_commit_callbacks, author, application, "Ist 5 < 7 & 'ok'?")

    (sent,) = mail.outbox
    assert "Müller & Söhne <Inklusion> gGmbH (Seán O'Brien & <Co>) hat eine Nachricht" in sent.body
    assert "„Küche 'Zum <Stern>' & Café“" in sent.body
    assert "Ist 5 < 7 & 'ok'?" in sent.body
    assert "&amp;" not in sent.body and "&lt;" not in sent.body and "&#x27;" not in sent.body
    (html, content_type) = sent.alternatives[0]
    assert content_type == "text/html"
    assert "Müller &amp; Söhne &lt;Inklusion&gt; gGmbH (Seán O&#x27;Brien &amp; &lt;Co&gt;)" in html
    assert "Ist 5 &lt; 7 &amp; &#x27;ok&#x27;?" in html
    assert "<Inklusion>" not in html


# ----- the application's page --------------------------------------------------------------


def test_the_page_shows_the_messages_oldest_first_with_who_wrote_them(client):
    application = states.submitted()
    organization = application.organization
    coordinator = factories.coordinator(first_name="Erika", last_name="Mustermann")
    author = application.created_by
    start = datetime.datetime(2026, 3, 4, 9, 5, tzinfo=BERLIN)
    with time_machine.travel(start, tick=False):
        thread.post_message(author, application, "Erste Frage")
    with time_machine.travel(start + datetime.timedelta(hours=2), tick=False):
        thread.post_message(coordinator, application, "Antwort des Büros")
        thread.post_message(author, application, "Zweite Frage")  # same time: by id

    part = thread_part(login(client, author).get(page_url(application)).content.decode())

    assert part is not None
    texts = re.findall(r"<div>(.*?)</div>", part)
    assert texts == ["Erste Frage", "Antwort des Büros", "Zweite Frage"]
    by = re.findall(r'<strong id="message-\d+-by">(.*?)</strong>', part)
    company = f"{organization.name} · {author.get_full_name()}"
    assert by == [company, "Coordination office", company]
    assert "Mustermann" not in part
    assert "04/03/2026 09:05" in part  # the reader's locale (English)


def test_the_date_follows_the_readers_language():
    application = states.submitted()
    with time_machine.travel(datetime.datetime(2026, 3, 4, 9, 5, tzinfo=BERLIN), tick=False):
        thread.post_message(application.created_by, application, "Frage")
    german = login(Client(headers={"accept-language": "de"}), application.created_by)
    part = thread_part(german.get(page_url(application)).content.decode())
    assert "04.03.2026 09:05" in part


def test_the_part_is_shown_only_to_the_thread(client):
    application = states.awaiting_decision()
    thread.post_message(application.created_by, application, "Geheime Frage")
    reviewer = application.assignments.first().reviewer  # has reviewed: reads the page
    (board_member,) = states.deciding_board(application, count=1)
    for user in (reviewer, board_member):
        response = login(client, user).get(page_url(application))
        assert response.status_code == 200
        html = response.content.decode()
        assert thread_part(html) is None
        assert "Geheime Frage" not in html
    response = login(client, factories.coordinator()).get(page_url(application))
    assert "Geheime Frage" in thread_part(response.content.decode())


def test_the_form_is_on_the_messages_page_and_works_with_the_csrf_check():
    """Without JavaScript, with the CSRF check as in a browser: the messages URL shows the page
    with the form (and its token); posting it writes the message and redirects (303)."""
    application = states.submitted()
    factories.coordinator()
    browser = login(
        Client(enforce_csrf_checks=True, headers={"accept-language": "en"}),
        application.created_by,
    )
    response = browser.get(post_url(application))
    assert response.status_code == 200
    part = thread_part(response.content.decode())
    assert '<label for="message-body">Your message</label>' in part
    assert f'action="{post_url(application)}"' in part
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', part).group(1)

    response = browser.post(post_url(application), {"csrfmiddlewaretoken": token, "body": "Hallo"})

    assert response.status_code == 303
    assert response["Location"] == page_url(application) + "#messages"
    message = Message.objects.get()
    assert (message.author, message.body, message.from_office) == (
        application.created_by,
        "Hallo",
        False,
    )


def test_the_page_offers_the_form_or_the_way_to_it(client):
    application = states.submitted()
    html = login(client, application.created_by).get(page_url(application)).content.decode()
    part = thread_part(html)
    assert 'id="message-body"' in part or f'href="{post_url(application)}#messages"' in part


def test_a_refused_post_shows_the_page_again_with_the_rule_beside_the_field(client):
    application = states.submitted()
    long_text = "Ä & <b>" * 800  # 5,600 characters
    browser = login(client, factories.coordinator())
    for body, error in (
        ("   ", "Please write a message."),
        (long_text, "The message is 5600 characters long; at most 5000 are allowed."),
    ):
        response = browser.post(post_url(application), {"body": body})
        assert response.status_code == 422
        part = thread_part(response.content.decode())
        assert f'<ul class="errorlist" id="message-body_error"><li>{error}</li></ul>' in part
        assert 'aria-describedby="message-body_helptext message-body_error"' in part
        assert 'aria-invalid="true"' in part
        typed = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert f">{typed}</textarea>" in part
    assert Message.objects.count() == 0
    assert OutboxMail.objects.filter(kind="message_posted").count() == 0


def test_another_company_gets_404_on_the_page_and_the_messages_url(client):
    application = states.submitted()
    stranger = login(client, factories.applicant())
    assert stranger.get(page_url(application)).status_code == 404
    assert stranger.get(post_url(application)).status_code == 404
    assert stranger.post(post_url(application), {"body": "Hallo"}).status_code == 404
    assert Message.objects.count() == 0


def test_a_reviewer_and_a_board_member_get_403(client):
    application = states.awaiting_decision()
    reviewer = application.assignments.first().reviewer
    (board_member,) = states.deciding_board(application, count=1)
    for user in (reviewer, board_member):
        browser = login(client, user)
        assert browser.get(post_url(application)).status_code == 403
        assert browser.post(post_url(application), {"body": "Hallo"}).status_code == 403
    assert Message.objects.count() == 0


def test_the_company_cannot_write_in_a_draft(client):
    draft = states.draft()
    browser = login(client, draft.created_by)
    assert thread_part(browser.get(page_url(draft)).content.decode()) is None
    assert browser.post(post_url(draft), {"body": "Hallo"}).status_code == 403
    assert Message.objects.count() == 0


def test_the_page_keeps_its_number_of_queries_as_messages_grow(client, django_assert_num_queries):
    application = states.submitted()
    coordinator = factories.coordinator()
    browser = login(client, coordinator)
    url = page_url(application)

    def page_queries():
        browser.get(url)  # warm the caches (the inbox count, the session)
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(url).status_code == 200
        return len(queries)

    thread.post_message(application.created_by, application, "Frage 1")
    small = page_queries()
    for n in range(8):
        author = factories.applicant(application.organization) if n % 2 else coordinator
        thread.post_message(author, application, f"Nachricht {n}")
    browser.get(url)
    with django_assert_num_queries(small):
        html = browser.get(url).content.decode()
    assert thread_part(html).count('<article class="post"') == 9


def test_the_thread_selector_reads_messages_and_authors_in_one_query(django_assert_num_queries):
    application = states.submitted()
    for _n in range(3):
        thread.post_message(factories.applicant(application.organization), application, "Frage")
    with django_assert_num_queries(1):
        names = [m.author.get_full_name() for m in thread.thread(application)]
    assert len(names) == 3
