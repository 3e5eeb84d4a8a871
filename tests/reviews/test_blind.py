"""Blind review on every channel: a reviewer who has not submitted their own review of the round
sees no other review (score, text, reviewer's name) on any page, by URL guessing, in a mail or
in the discussion. One test per channel (the API, exports and reports add theirs when built).

The world: two reviews required, three reviewers. ``blind`` declared no conflict and has not
reviewed; ``early`` submitted a review with a distinctive comment; in the worlds past the round
``late`` submitted the second one, which closed the round by itself (the history names who
fired the transition).
"""

from dataclasses import dataclass

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from decisions import services as decision_services
from funding.models import BOARD
from notifications.models import OutboxMail
from reviews import services
from tests import factories, states

pytestmark = pytest.mark.django_db

EARLY_COMMENT = "Quittengelbe Bilanzlücke im dritten Quartal"
LATE_COMMENT = "Zinnoberrote Personalplanung überzeugt"
EARLY_POST = "Smaragdgrüne Nachfrage zur Liquidität"


@dataclass
class World:
    application: object
    coordinator: object
    blind: object
    early: object
    late: object

    @property
    def assignment(self):
        return self.application.assignments.get(reviewer=self.blind)


def person(first, last, username):
    return factories.reviewer(
        first_name=first, last_name=last, username=username, email=f"{username}@example.org"
    )


def secrets(world):
    """What ``blind`` must not see: the others' texts, names, user names and addresses."""
    found = [EARLY_COMMENT, LATE_COMMENT, EARLY_POST]
    for user in (world.early, world.late):
        found += [user.first_name, user.last_name, user.username, user.email]
    return found


def assert_blind(text, world):
    leaked = [secret for secret in secrets(world) if secret in text]
    assert leaked == []


def review(reviewer, application, comment):
    return states.review(reviewer, application, confidence="high", comment=comment)


def world(stage="in_review"):
    """``in_review``: only ``early`` has reviewed; ``awaiting``: ``late`` too (round closed);
    ``approved``: decided, with a letter."""
    application = states.submitted()
    coordinator = factories.coordinator()
    blind = person("Anselm", "Wartend", "anselm_wartend")
    early = person("Berenike", "Frühauf", "berenike_fruehauf")
    late = person("Cornelius", "Spätling", "cornelius_spaetling")
    for reviewer in (blind, early, late):
        services.assign_reviewer(coordinator, application, reviewer)
    application = services.start_review(coordinator, application)
    services.declare_conflict(
        blind, application.assignments.get(reviewer=blind), has_conflict=False
    )
    review(early, application, EARLY_COMMENT)
    services.add_post(early, application, EARLY_POST)
    if stage in ("awaiting", "approved"):
        review(late, application, LATE_COMMENT)
        application.refresh_from_db()
    if stage == "approved":
        first, second = factories.board_member(), factories.board_member()
        for member in (first, second):
            decision_services.declare_board_conflict(member, application, "none")
        decision = decision_services.propose_decision(
            first, application, "approve", amount=application.requested_amount
        )
        decision_services.confirm_decision(second, decision)
        application.refresh_from_db()
    return World(application, coordinator, blind, early, late)


@pytest.fixture
def client():
    return Client(headers={"accept-language": "en"})


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


# ----- pages -------------------------------------------------------------------------------


def test_the_assignment_page_shows_other_reviews_only_after_the_own_review(client):
    w = world()
    url = reverse("assignment-detail", args=[w.assignment.pk])
    response = get(client, w.blind, url)
    page = response.content.decode()
    assert response.status_code == 200
    assert w.application.title in page
    assert "The other reviews of this round" not in page
    assert_blind(page, w)
    assert " / 5" not in page

    data = {**states.REVIEW, "confidence": "high", "comment": "Eigenes Gutachten"}
    services.submit_review(w.blind, w.assignment, data)
    page = client.get(url).content.decode()
    assert EARLY_COMMENT in page
    assert "Berenike Frühauf" in page
    assert EARLY_POST in page  # the discussion, now open to them


def test_the_application_page_names_no_other_reviewer_in_the_history(client):
    w = world("awaiting")
    assert w.application.state == "awaiting_decision"
    response = get(client, w.blind, reverse("application-detail", args=[w.application.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "In review → Awaiting decision" in page
    assert_blind(page, w)
    assignment_page = client.get(reverse("assignment-detail", args=[w.assignment.pk]))
    assert assignment_page.status_code == 200
    assert "The review round was closed without your review" in assignment_page.content.decode()
    assert_blind(assignment_page.content.decode(), w)
    # The office reads who closed the round (the control: the name is in the history).
    office_page = get(client, w.coordinator, reverse("application-detail", args=[w.application.pk]))
    assert "Cornelius Spätling" in office_page.content.decode()


def test_the_version_and_document_pages_show_no_review(client):
    w = world("awaiting")
    application = w.application
    client.force_login(w.blind)
    version = client.get(reverse("application-version", args=[application.pk, 1]))
    assert version.status_code == 200
    assert_blind(version.content.decode(), w)
    document = application.documents.first()
    download = client.get(reverse("document-download", args=[application.pk, document.pk]))
    assert download.status_code == 200
    assert_blind(b"".join(download.streaming_content).decode("latin-1"), w)


# ----- URL guessing ------------------------------------------------------------------------


def test_the_office_round_page_is_refused(client):
    w = world()
    response = get(client, w.blind, reverse("review-round", args=[w.application.pk]))
    assert response.status_code == 403
    assert_blind(response.content.decode(), w)


def test_the_board_pages_are_refused(client):
    w = world("awaiting")
    client.force_login(w.blind)
    for url in (reverse("board-queue"), reverse("board-decide", args=[w.application.pk])):
        response = client.get(url)
        assert response.status_code == 403
        assert_blind(response.content.decode(), w)


def test_a_reviewer_on_the_board_sees_only_what_identifies_the_application(client):
    w = world("awaiting")
    w.blind.groups.add(factories.board_member().groups.get(name=BOARD))
    client.force_login(w.blind)
    response = client.get(reverse("board-decide", args=[w.application.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "You were asked to review this application" in page
    assert_blind(page, w)
    queue = client.get(reverse("board-queue")).content.decode()
    assert_blind(queue, w)


def test_another_reviewers_assignment_page_is_not_found(client):
    w = world()
    other = w.application.assignments.get(reviewer=w.early)
    response = get(client, w.blind, reverse("assignment-detail", args=[other.pk]))
    assert response.status_code == 404
    assert_blind(response.content.decode(), w)


def test_the_letters_are_not_for_reviewers(client):
    w = world("approved")
    letter = w.application.letters.get()
    client.force_login(w.blind)
    for name in ("letter-download", "letter-resend"):
        response = client.get(reverse(name, args=[w.application.pk, letter.pk]))
        assert response.status_code == 404
    page = client.get(reverse("application-detail", args=[w.application.pk])).content.decode()
    assert 'id="letters"' not in page
    assert_blind(page, w)


# ----- the discussion ----------------------------------------------------------------------


def test_the_discussion_is_closed_to_a_reviewer_before_their_own_review(client):
    w = world()
    post = w.application.discussion.get()
    client.force_login(w.blind)
    page = client.get(reverse("review-discussion", args=[w.application.pk]))
    assert page.status_code == 403
    assert_blind(page.content.decode(), w)
    edit = client.get(reverse("post-edit", args=[post.pk]))
    assert edit.status_code == 403
    assert_blind(edit.content.decode(), w)
    refused = client.post(reverse("review-discussion", args=[w.application.pk]), {"body": "x"})
    assert refused.status_code == 403
    assert w.application.discussion.count() == 1
    for url in (
        reverse("assignment-detail", args=[w.assignment.pk]),
        reverse("application-detail", args=[w.application.pk]),
    ):
        page = client.get(url).content.decode()
        assert 'id="discussion"' not in page
        assert_blind(page, w)


# ----- mails -------------------------------------------------------------------------------


def test_no_mail_carries_a_review_or_a_post(client):
    w = world("approved")
    rows = list(OutboxMail.objects.all())
    assert {row.kind for row in rows} >= {"assigned", "decision_proposed"}
    to_blind = [row for row in rows if w.blind.email in row.recipients]
    assert [row.kind for row in to_blind] == ["assigned"]
    for row in to_blind:
        assert_blind(row.subject + row.body, w)
    for row in rows:  # nobody is mailed a review's or a post's text
        for text in (EARLY_COMMENT, LATE_COMMENT, EARLY_POST):
            assert text not in row.subject + row.body
    for message in mail.outbox:
        body = message.subject + message.body
        for text in (EARLY_COMMENT, LATE_COMMENT, EARLY_POST):
            assert text not in body
        if w.blind.email in message.to + message.cc + message.bcc:
            assert_blind(body, w)
