"""The discussion of an application: who reads and writes it, edits that keep the earlier text,
and the lock once the board has decided."""

import pytest
import rules
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions import services as decision_services
from funding.errors import RuleViolation, StateConflict
from funding.models import Membership
from reviews import services
from reviews.models import Post, PostRevision
from tests import factories, states

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """A browser that asks for English, so that the assertions do not depend on the catalogue."""
    return Client(headers={"accept-language": "en"})


def login(client, user):
    client.force_login(user)
    return client


def review(reviewer, application, **overrides):
    return states.review(reviewer, application, **{"confidence": "high", **overrides})


def in_review(count=3):
    """In review, ``count`` reviewers assigned (two reviews required)."""
    application, coordinator, reviewers = states.with_reviewers(count=count)
    application = services.start_review(coordinator, application)
    return application, coordinator, reviewers


def awaiting(count=3):
    application, coordinator, reviewers = in_review(count)
    review(reviewers[0], application)
    review(reviewers[1], application)
    application.refresh_from_db()
    return application, coordinator, reviewers


def board_member(application):
    """A board member who has declared no conflict for the application (as the board must)."""
    member = factories.board_member()
    decision_services.declare_board_conflict(member, application, "none")
    return member


def decide(application, outcome):
    first, second = board_member(application), board_member(application)
    if outcome == "approve":
        decision = decision_services.propose_decision(
            first, application, "approve", amount=application.requested_amount
        )
    else:
        decision = decision_services.propose_decision(
            first, application, "reject", reasons="Die Finanzierung ist nicht gesichert."
        )
    decision_services.confirm_decision(second, decision)
    application.refresh_from_db()
    return application


# ----- who reads and writes ----------------------------------------------------------------


def test_a_reviewer_reads_the_discussion_only_once_their_own_review_is_in():
    application, _coordinator, reviewers = in_review()
    first = reviewers[0]
    assignment = application.assignments.get(reviewer=first)
    services.declare_conflict(first, assignment, has_conflict=False)
    assert rules.has_perm("reviews.read_discussion", first, application) is False
    assert rules.has_perm("reviews.post", first, application) is False

    services.submit_review(first, assignment, {**states.REVIEW, "confidence": "high"})

    assert rules.has_perm("reviews.read_discussion", first, application) is True
    assert rules.has_perm("reviews.post", first, application) is True
    # The others of the round have not submitted: still no discussion for them.
    assert rules.has_perm("reviews.read_discussion", reviewers[1], application) is False


def test_a_reviewer_who_declared_a_conflict_or_is_not_assigned_never_reads_it():
    application, _coordinator, reviewers = in_review()
    review(reviewers[0], application)
    recused = reviewers[2]
    assignment = application.assignments.get(reviewer=recused)
    services.declare_conflict(recused, assignment, has_conflict=True, note="Mein Schwager.")
    assert rules.has_perm("reviews.read_discussion", recused, application) is False
    stranger = factories.reviewer()
    assert rules.has_perm("reviews.read_discussion", stranger, application) is False


def test_the_office_reads_and_writes_except_for_its_own_organisation():
    application, coordinator, _reviewers = in_review()
    assert rules.has_perm("reviews.read_discussion", coordinator, application) is True
    assert rules.has_perm("reviews.post", coordinator, application) is True
    own = factories.coordinator()
    Membership.objects.create(user=own, organization=application.organization)
    assert rules.has_perm("reviews.read_discussion", own, application) is False
    assert rules.has_perm("reviews.post", own, application) is False


def test_the_board_reads_it_once_awaiting_decision_unless_it_reviewed_it():
    application, _coordinator, reviewers = in_review()
    board = factories.board_member()
    assert rules.has_perm("reviews.read_discussion", board, application) is False
    review(reviewers[0], application)
    review(reviewers[1], application)
    application.refresh_from_db()
    # Not before the member has declared no conflict (as for reading the application).
    assert rules.has_perm("reviews.read_discussion", board, application) is False
    decision_services.declare_board_conflict(board, application, "none")
    assert rules.has_perm("reviews.read_discussion", board, application) is True
    assert rules.has_perm("reviews.post", board, application) is True
    # A board member who was asked to review it (and did not) reads neither.
    reviewers[2].groups.add(*board.groups.all())
    reviewer_on_board = type(reviewers[2]).objects.get(pk=reviewers[2].pk)
    assert rules.has_perm("reviews.read_discussion", reviewer_on_board, application) is False


def test_the_company_never_reads_or_writes_it(client):
    application, coordinator, _reviewers = in_review()
    services.add_post(coordinator, application, "Bitte Zahlen prüfen.")
    applicant = application.created_by
    assert rules.has_perm("reviews.read_discussion", applicant, application) is False
    response = login(client, applicant).get(reverse("review-discussion", args=[application.pk]))
    assert response.status_code == 403
    response = client.post(reverse("review-discussion", args=[application.pk]), {"body": "Hallo"})
    assert response.status_code == 403
    page = client.get(reverse("application-detail", args=[application.pk])).content.decode()
    assert "Bitte Zahlen prüfen." not in page
    assert 'id="discussion"' not in page
    assert Post.objects.filter(application=application).count() == 1


# ----- posting and editing -----------------------------------------------------------------


def test_add_post_writes_a_post_of_the_current_round_and_refuses_an_empty_text():
    application, coordinator, _reviewers = in_review()
    post = services.add_post(coordinator, application, "  Wer prüft den Businessplan?  ")
    assert (post.author, post.round, post.body) == (coordinator, 1, "Wer prüft den Businessplan?")
    with pytest.raises(RuleViolation) as refused:
        services.add_post(coordinator, application, "   ")
    assert refused.value.errors == {"body": ["Please write a text."]}
    assert Post.objects.count() == 1


def test_a_reviewer_before_their_own_review_cannot_post():
    application, _coordinator, reviewers = in_review()
    assignment = application.assignments.get(reviewer=reviewers[0])
    services.declare_conflict(reviewers[0], assignment, has_conflict=False)
    with pytest.raises(PermissionDenied):
        services.add_post(reviewers[0], application, "Vorab: die Zahlen sind schwach.")
    assert Post.objects.count() == 0


def test_an_edit_keeps_the_earlier_text_and_marks_the_post():
    application, coordinator, _reviewers = in_review()
    post = services.add_post(coordinator, application, "Erste Fassung")
    assert post.edited_at is None
    edited = services.edit_post(coordinator, post, "Zweite Fassung")
    assert edited.body == "Zweite Fassung"
    assert edited.edited_at is not None
    assert list(PostRevision.objects.filter(post=post).values_list("body", flat=True)) == [
        "Erste Fassung"
    ]
    services.edit_post(coordinator, post, "Dritte Fassung")
    assert list(
        PostRevision.objects.filter(post=post).order_by("id").values_list("body", flat=True)
    ) == ["Erste Fassung", "Zweite Fassung"]


def test_an_unchanged_text_changes_nothing():
    application, coordinator, _reviewers = in_review()
    post = services.add_post(coordinator, application, "Gleich")
    services.edit_post(coordinator, post, " Gleich ")
    post.refresh_from_db()
    assert post.edited_at is None
    assert PostRevision.objects.count() == 0


def test_only_the_author_edits_a_post(client):
    application, coordinator, _reviewers = in_review()
    post = services.add_post(coordinator, application, "Meins")
    other = factories.coordinator()
    with pytest.raises(PermissionDenied):
        services.edit_post(other, post, "Geändert")
    url = reverse("post-edit", args=[post.pk])
    assert login(client, other).get(url).status_code == 403
    assert client.post(url, {"body": "Geändert"}).status_code == 403
    post.refresh_from_db()
    assert post.body == "Meins"
    assert PostRevision.objects.count() == 0


def test_the_pages_post_edit_and_show_the_history(client):
    application, coordinator, _reviewers = in_review()
    login(client, coordinator)
    url = reverse("review-discussion", args=[application.pk])
    response = client.post(url, {"body": "Ursprünglicher Beitrag"})
    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{url}#post-{post.pk}"

    page = client.get(url).content.decode()
    assert "Ursprünglicher Beitrag" in page
    assert ">edited<" not in page
    assert reverse("post-edit", args=[post.pk]) in page

    edit_url = reverse("post-edit", args=[post.pk])
    assert "Ursprünglicher Beitrag" in client.get(edit_url).content.decode()
    response = client.post(edit_url, {"body": "Korrigierter Beitrag"})
    assert response.status_code == 302

    page = client.get(url).content.decode()
    assert "Korrigierter Beitrag" in page
    assert '<span class="badge">edited</span>' in page
    assert "1 earlier version" in page
    assert "Ursprünglicher Beitrag" in page  # the earlier text, in the history


def test_an_empty_post_is_refused_on_the_page(client):
    application, coordinator, _reviewers = in_review()
    response = login(client, coordinator).post(
        reverse("review-discussion", args=[application.pk]), {"body": ""}
    )
    assert response.status_code == 400
    assert Post.objects.count() == 0


def test_the_discussion_is_on_the_application_page_for_office_and_board(client):
    application, coordinator, _reviewers = awaiting()
    services.add_post(coordinator, application, "Beitrag der Geschäftsstelle")
    url = reverse("application-detail", args=[application.pk])
    for user in (coordinator, board_member(application)):
        page = login(client, user).get(url).content.decode()
        assert 'id="discussion"' in page
        assert "Beitrag der Geschäftsstelle" in page
        assert reverse("review-discussion", args=[application.pk]) in page


def test_the_discussion_is_on_the_reviewers_page_once_their_review_is_in(client):
    application, coordinator, reviewers = in_review()
    services.add_post(coordinator, application, "Frage an die Gutachter")
    first = reviewers[0]
    assignment = application.assignments.get(reviewer=first)
    services.declare_conflict(first, assignment, has_conflict=False)
    url = reverse("assignment-detail", args=[assignment.pk])
    page = login(client, first).get(url).content.decode()
    assert "Frage an die Gutachter" not in page
    assert 'id="discussion"' not in page

    services.submit_review(first, assignment, {**states.REVIEW, "confidence": "high"})
    page = client.get(url).content.decode()
    assert 'id="discussion"' in page
    assert "Frage an die Gutachter" in page
    page = client.get(reverse("review-discussion", args=[application.pk])).content.decode()
    assert "Frage an die Gutachter" in page
    assert f'href="{url}"' in page  # back to the reviewer's own page


def test_the_discussion_page_runs_a_constant_number_of_queries(client):
    application, coordinator, _reviewers = in_review()
    login(client, coordinator)
    url = reverse("review-discussion", args=[application.pk])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    post = services.add_post(coordinator, application, "eins")
    services.edit_post(coordinator, post, "eins, geändert")
    small = count()
    for n in range(5):
        post = services.add_post(factories.coordinator(), application, f"Beitrag {n}")
        services.edit_post(post.author, post, f"Beitrag {n}, geändert")
    assert count() == small


# ----- the lock when the board decides -----------------------------------------------------


@pytest.mark.parametrize("outcome", ["approve", "reject"])
def test_the_decision_locks_the_discussion_and_the_reviews(client, outcome):
    application, coordinator, reviewers = awaiting()
    post = services.add_post(coordinator, application, "Vor der Entscheidung")
    board = board_member(application)
    assert rules.has_perm("reviews.post", board, application) is True
    application = decide(application, outcome)

    for user in (coordinator, board, reviewers[0]):
        assert rules.has_perm("reviews.read_discussion", user, application) is True
        assert rules.has_perm("reviews.post", user, application) is False
    with pytest.raises(StateConflict):
        services.add_post(coordinator, application, "Nachher")
    with pytest.raises(StateConflict):
        services.edit_post(coordinator, post, "Nachträglich geändert")
    done = application.assignments.get(reviewer=reviewers[0])
    assert rules.has_perm("reviews.review", reviewers[0], done) is False
    with pytest.raises(StateConflict):
        services.submit_review(reviewers[0], done, {**states.REVIEW, "confidence": "low"})

    login(client, coordinator)
    url = reverse("review-discussion", args=[application.pk])
    assert client.post(url, {"body": "Nachher"}).status_code == 409
    assert client.post(reverse("post-edit", args=[post.pk]), {"body": "x"}).status_code == 409
    page = client.get(url).content.decode()
    assert "Vor der Entscheidung" in page
    assert "The discussion is closed" in page
    assert 'name="body"' not in page
    login(client, reviewers[0])
    response = client.post(
        reverse("review-form", args=[done.pk]), {**states.REVIEW, "confidence": "low"}
    )
    assert response.status_code == 409
    post.refresh_from_db()
    assert (post.body, post.edited_at) == ("Vor der Entscheidung", None)
    assert Post.objects.count() == 1
    assert done.review.confidence == "high"


def test_a_withdrawal_locks_the_discussion():
    application, coordinator, _reviewers = in_review()
    services.add_post(coordinator, application, "Vorher")
    from applications import services as application_services

    application_services.withdraw(application.created_by, application, "Projekt verschoben.")
    application.refresh_from_db()
    with pytest.raises(StateConflict):
        services.add_post(coordinator, application, "Nachher")


def test_ensure_not_decided_refuses_only_decided_applications():
    application, _coordinator, _reviewers = awaiting()
    services.ensure_not_decided(application)  # awaiting a decision: open
    application = decide(application, "approve")
    with pytest.raises(StateConflict):
        services.ensure_not_decided(application)
