"""The applicant never sees reviews, review scores, the discussion or who reviewed.

A world where an application was returned once, resubmitted, reviewed (distinctive comments
and reviewers' names, a declared conflict with a note), discussed (a post edited, so an earlier
text exists) and approved with a letter. The applicant's browser then follows every same-site
link from the start page (GET only, bounded) and no page, download, letter or mail to the
company may contain any of it. The company's own people and the reason of the return are the
controls: they are shown.
"""

import re
from collections import deque
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit

import openpyxl
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from applications import services as application_services
from decisions import services as decision_services
from notifications.models import OutboxMail
from reviews import services as review_services
from tests import factories, states

pytestmark = pytest.mark.django_db

COMMENTS = ("Vertrauliche Bewertung Almandin", "Vertrauliche Bewertung Beryll")
POSTS = ("Diskussionsbeitrag Chalzedon", "Diskussionsbeitrag Diopsid", "Diskussionsbeitrag Epidot")
CONFLICT_NOTE = "Befangenheitsvermerk Fluorit"
RETURN_REASON = "Bitte reichen Sie den Gesellschaftsvertrag nach."
MAX_PAGES = 150
# Never followed: leaving the session, switching the language, the admin, static files.
SKIP = ("/accounts/logout/", "/i18n/", "/admin/", "/static/")
SCORE = re.compile(r"\d(?:[.,]\d+)?\s*/\s*(?:5|25)\b")
TAG = re.compile(r"<[^>]+>")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def links(base, html):
    parser = Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        url = urldefrag(urljoin(base, href)).url
        parts = urlsplit(url)
        if parts.scheme in ("", "http") and parts.netloc in ("", "testserver"):
            # another order of the same rows (the lists' ?sort=) shows nothing new
            query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "sort"])
            path = parts.path + (f"?{query}" if query else "")
            if not path.startswith(SKIP):
                found.append(path)
    return found


def person(first, last, username, maker=factories.reviewer):
    return maker(
        first_name=first, last_name=last, username=username, email=f"{username}@example.org"
    )


def build_world():
    application = states.submitted(title="Inklusive Fahrradwerkstatt")
    applicant = application.created_by
    applicant.first_name, applicant.last_name = "Hanna", "Eigenbetrieb"
    applicant.save()
    coordinator = person("Gregor", "Amtsstube", "gregor_amtsstube", factories.coordinator)
    deadline = application.created_at.date().replace(year=application.created_at.year + 1)
    application = application_services.return_for_revision(
        coordinator, application, RETURN_REASON, deadline
    )
    application = application_services.submit(applicant, application, states.DECLARATIONS)

    first = person("Xaver", "Gutachtermann", "xaver_gutachter")
    second = person("Yvonne", "Prüfstein", "yvonne_pruefstein")
    conflicted = person("Zacharias", "Befangen", "zacharias_befangen")
    for reviewer in (first, second, conflicted):
        review_services.assign_reviewer(coordinator, application, reviewer)
    review_services.declare_conflict(
        conflicted,
        application.assignments.get(reviewer=conflicted),
        has_conflict=True,
        note=CONFLICT_NOTE,
    )
    review_services.assign_reviewer(coordinator, application, factories.reviewer())
    application = review_services.start_review(coordinator, application)

    states.review(first, application, comment=COMMENTS[0], score_risk=2)
    post = review_services.add_post(coordinator, application, POSTS[0])
    review_services.edit_post(coordinator, post, POSTS[1])
    review_services.add_post(first, application, POSTS[2])
    states.review(second, application, comment=COMMENTS[1], recommendation="reject")
    application.refresh_from_db()
    assert application.state == "awaiting_decision"

    proposer, confirmer = factories.board_member(), factories.board_member()
    for member in (proposer, confirmer):
        decision_services.declare_board_conflict(member, application, "none")
    decision = decision_services.propose_decision(
        proposer, application, "approve", amount=application.requested_amount
    )
    decision_services.confirm_decision(confirmer, decision)
    application.refresh_from_db()
    assert application.state == "approved"
    return application, applicant, [coordinator, first, second, conflicted]


def forbidden(people):
    texts = [*COMMENTS, *POSTS, CONFLICT_NOTE]
    for user in people:
        texts += [user.get_full_name(), user.first_name, user.last_name, user.username, user.email]
    return texts


def leaks(text, people):
    found = [secret for secret in forbidden(people) if secret in text]
    found += SCORE.findall(TAG.sub(" ", text))
    return found


def xlsx_text(data):
    """Every cell of a spreadsheet (the list's export), one a line."""
    workbook = openpyxl.load_workbook(BytesIO(data))
    return "\n".join(
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    )


def pdf_text(data):
    """The text of a PDF (the letter); the raw bytes of one pypdf cannot read (the tests'
    minimal documents)."""
    try:
        return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)
    except (PdfReadError, ValueError):
        return data.decode("latin-1")


def test_the_applicant_sees_no_review_score_post_or_reviewer(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application, applicant, people = build_world()
    letter = application.letters.get()
    assert letter.file

    client = Client(headers={"accept-language": "de"})
    client.force_login(applicant)
    seen, queue, problems, pages = set(), deque(["/"]), {}, {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.streaming:
            body = b"".join(response.streaming_content)
            if body.startswith(b"%PDF"):
                text = pdf_text(body)
            elif response.get("Content-Type", "").startswith("application/vnd.openxml"):
                text = xlsx_text(body)
            else:
                text = body.decode("utf-8" if "utf-8" in response["Content-Type"] else "latin-1")
        else:
            text = response.content.decode()
        pages[url] = response.status_code
        found = leaks(text, people)
        if found:
            problems[url] = found
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            queue.extend(link for link in links(url, text) if link not in seen)

    assert problems == {}
    assert 10 < len(seen) < MAX_PAGES  # the crawl ended by itself: every page was checked
    detail = reverse("application-detail", args=[application.pk])
    document = application.documents.first()
    expected = [
        detail,
        reverse("application-version", args=[application.pk, 1]),
        reverse("application-version", args=[application.pk, 2]),
        reverse("document-download", args=[application.pk, document.pk]),
        reverse("letter-download", args=[application.pk, letter.pk]),
    ]
    assert {url: pages.get(url) for url in expected} == dict.fromkeys(expected, 200)

    # The controls: the letter's text was read; the company's own people and the reason of
    # the return are shown.
    letter_text = pdf_text(client.get(expected[-1]).getvalue())
    assert application.reference in letter_text
    page = client.get(detail).content.decode()
    assert "Hanna Eigenbetrieb" in page
    assert RETURN_REASON in page
    assert 'id="discussion"' not in page
    # The discussion, the review pages and the board's pages are refused by URL too.
    for url in (
        reverse("review-discussion", args=[application.pk]),
        reverse("review-round", args=[application.pk]),
        reverse("board-decide", args=[application.pk]),
        reverse("post-edit", args=[application.discussion.first().pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert leaks(response.content.decode(), people) == []


def test_no_mail_to_the_company_carries_a_review_or_a_reviewer(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application, applicant, people = build_world()
    company = {applicant.email, application.organization.contact_email}
    written = OutboxMail.objects.order_by("pk")
    rows = [row for row in written if company & set(row.recipients)]
    assert [row.kind for row in rows] == [
        "submitted_receipt",
        "returned",
        "submitted_receipt",
        "review_started",
    ]
    for row in rows:
        assert leaks(row.subject + "\n" + row.body, people) == []
    messages = [m for m in mail.outbox if company & set(m.to + m.cc + m.bcc)]
    assert len(messages) == 5  # two receipts, the return, the review's start, the letter
    for message in messages:
        text = message.subject + "\n" + message.body
        for attachment in message.attachments:
            content = attachment[1] if isinstance(attachment, tuple) else attachment.content
            text += pdf_text(content) if content.startswith(b"%PDF") else ""
        assert leaks(text, people) == []
