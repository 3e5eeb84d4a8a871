"""The review round through the API: the office assigns and removes reviewers and reads the
proposal; reviewers list, decline, declare and review; board members declare; the reviews and
the discussion under the blind-review rule. The same services and permissions as the web."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews import services as review_services
from reviews.models import Assignment, ConflictDeclaration, Post, Review
from tests import factories, states

from .conftest import client_for

pytestmark = pytest.mark.django_db

SCORES = {"viability": 4, "employment": 5, "cooperation": 4, "risk": 3, "management": 4}
REVIEW = {
    "scores": SCORES,
    "confidence": "high",
    "recommendation": "approve",
    "comment": "Tragfähig.",
}


def base(application):
    return f"/api/v1/applications/{application.pk}/"


# ----- the office ---------------------------------------------------------------------------


def test_the_office_assigns_lists_and_removes_a_reviewer():
    application = states.submitted()
    office_user = factories.coordinator()
    office = client_for(office_user)
    reviewer = factories.reviewer()
    created = office.post(
        base(application) + "assignments/",
        {"reviewer": reviewer.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="assign-1",
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["round"], body["reviewer"]["id"]) == ("open", 1, reviewer.pk)
    assert body["review_submitted"] is False
    assert created["Location"] == f"{base(application)}assignments/{body['id']}/"
    # a retry with the same key assigns nobody twice
    again = office.post(
        base(application) + "assignments/",
        {"reviewer": reviewer.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="assign-1",
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Assignment.objects.filter(application=application).count() == 1
    listed = office.get(base(application) + "assignments/").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert office.get(created["Location"]).json()["id"] == body["id"]
    # already assigned: the service's rule (422)
    twice = office.post(base(application) + "assignments/", {"reviewer": reviewer.pk})
    assert twice.status_code == 422
    assert list(twice.json()["errors"]) == ["reviewer"]
    removed = office.delete(created["Location"])
    assert removed.status_code == 204
    assert Assignment.objects.get().status == Assignment.Status.REMOVED
    # only an open assignment can be removed
    assert office.delete(created["Location"]).status_code == 409


def test_assigning_refuses_as_the_web():
    application = states.submitted()
    office = client_for(factories.coordinator())
    url = base(application) + "assignments/"
    assert office.post(url, {}, format="json").status_code == 400
    assert office.post(url, {"reviewer": 999999}, format="json").status_code == 400
    # not a member of the expert project
    applicant = factories.applicant()
    response = office.post(url, {"reviewer": applicant.pk}, format="json")
    assert response.status_code == 422
    # a draft takes no reviewers: 409
    draft = states.draft()
    reviewer = factories.reviewer()
    refused = office.post(base(draft) + "assignments/", {"reviewer": reviewer.pk}, format="json")
    assert refused.status_code == 409
    # others than the office: 403; an application one may not see: 404 first for the office
    assert client_for(reviewer).get(url).status_code == 403
    assert (
        client_for(application.created_by).post(url, {"reviewer": reviewer.pk}).status_code == 403
    )
    assert office.get("/api/v1/applications/999999/assignments/").status_code == 404
    assert office.get(url + "999999/").status_code == 404


def test_the_office_may_not_run_the_round_of_its_own_organisation():
    application = states.submitted()
    office_user = factories.coordinator()
    factories.MembershipFactory(user=office_user, organization=application.organization)
    office = client_for(office_user)
    assert office.get(base(application) + "assignments/").status_code == 403
    reviewer = factories.reviewer()
    response = office.post(base(application) + "assignments/", {"reviewer": reviewer.pk})
    assert response.status_code == 403


def test_the_proposal_is_read_only_for_the_office():
    application = states.submitted()
    reviewers = [factories.reviewer() for _ in range(2)]
    office = client_for(factories.coordinator())
    response = office.get("/api/v1/assignment-proposal/")
    assert response.status_code == 200
    body = response.json()
    rows = [(row["application"]["id"], row["reviewer"]["id"]) for row in body["rows"]]
    assert sorted(rows) == sorted((application.pk, reviewer.pk) for reviewer in reviewers)
    assert body["unfilled"] == []
    programme = office.get(
        "/api/v1/assignment-proposal/", {"programme": application.programme_id}
    ).json()
    assert len(programme["rows"]) == 2
    assert office.get("/api/v1/assignment-proposal/", {"programme": "x"}).status_code == 400
    assert office.get("/api/v1/assignment-proposal/", {"programme": 999999}).status_code == 400
    assert client_for(reviewers[0]).get("/api/v1/assignment-proposal/").status_code == 403
    assert Assignment.objects.count() == 0


# ----- the reviewer -------------------------------------------------------------------------


def test_a_reviewer_lists_declares_and_reviews():
    application, _office, reviewers = states.in_review()
    first, second = reviewers
    client = client_for(first)
    listed = client.get("/api/v1/assignments/").json()["results"]
    assert len(listed) == 1
    row = listed[0]
    assert row["application"]["id"] == application.pk
    assert (row["status"], row["review_submitted"]) == ("open", False)
    url = f"/api/v1/assignments/{row['id']}/"
    # before declaring: no review
    early = client.post(url + "review/", REVIEW, format="json")
    assert early.status_code == 403
    declared = client.post(url + "declaration/", {"kind": "none"}, format="json")
    assert declared.status_code == 200
    assert declared.json()["declaration"]["kind"] == "none"
    assert declared.json()["assignment"]["status"] == "open"
    # the same declaration again: 422
    assert client.post(url + "declaration/", {"kind": "none"}, format="json").status_code == 422
    assert client.get(url + "review/").status_code == 404
    assert client.put(url + "review/", REVIEW, format="json").status_code == 404
    created = client.post(url + "review/", REVIEW, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert created.status_code == 201
    body = created.json()
    assert body["scores"] == SCORES
    assert (body["total_score"], body["recommendation"]) == ("4.00", "approve")
    assert "reviewer" not in body
    assert client.post(url + "review/", REVIEW, format="json").status_code == 409
    changed = client.put(
        url + "review/", {**REVIEW, "scores": {**SCORES, "risk": 5}}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["total_score"] == "4.40"
    assert client.get(url + "review/").json()["scores"]["risk"] == 5
    assert Review.objects.count() == 1
    # another reviewer's assignment is not found
    other = Assignment.objects.get(reviewer=second)
    assert (
        client.post(f"/api/v1/assignments/{other.pk}/declaration/", {"kind": "none"}).status_code
        == 404
    )
    assert client.get(f"/api/v1/assignments/{other.pk}/review/").status_code == 404


def test_review_input_is_checked_as_in_the_form():
    application, _office, (first, _second) = states.in_review()
    assignment = Assignment.objects.get(reviewer=first)
    client = client_for(first)
    url = f"/api/v1/assignments/{assignment.pk}/"
    client.post(url + "declaration/", {"kind": "none"}, format="json")
    assert client.post(url + "review/", {}, format="json").status_code == 400
    out_of_range = client.post(
        url + "review/", {**REVIEW, "scores": {**SCORES, "risk": 6}}, format="json"
    )
    assert out_of_range.status_code == 400
    assert list(out_of_range.json()["errors"]) == ["scores.risk"]
    missing = {k: v for k, v in SCORES.items() if k != "risk"}
    response = client.post(url + "review/", {**REVIEW, "scores": missing}, format="json")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["scores.risk"]
    blank = client.post(url + "review/", {**REVIEW, "comment": " "}, format="json")
    assert blank.status_code == 422
    assert list(blank.json()["errors"]) == ["comment"]
    stale = client.post(url + "review/", {**REVIEW, "rubric": 999999}, format="json")
    assert stale.status_code == 409
    assert Review.objects.count() == 0


def test_a_conflict_recuses_and_other_needs_a_note():
    _application, _office, (first, _second) = states.in_review()
    assignment = Assignment.objects.get(reviewer=first)
    client = client_for(first)
    url = f"/api/v1/assignments/{assignment.pk}/declaration/"
    assert client.post(url, {"kind": "nonsense"}, format="json").status_code == 400
    other = client.post(url, {"kind": "other"}, format="json")
    assert other.status_code == 422
    assert list(other.json()["errors"]) == ["note"]
    recused = client.post(url, {"kind": "business", "note": "Lieferant"}, format="json")
    assert recused.status_code == 200
    assert recused.json()["assignment"]["status"] == "recused"
    assert recused.json()["declaration"]["kind"] == "business"
    review = client.post(f"/api/v1/assignments/{assignment.pk}/review/", REVIEW, format="json")
    assert review.status_code == 403


def test_a_reviewer_declines_with_a_reason():
    application = states.submitted()
    office = factories.coordinator()
    reviewer = factories.reviewer()
    assignment = review_services.assign_reviewer(office, application, reviewer)
    client = client_for(reviewer)
    url = f"/api/v1/assignments/{assignment.pk}/decline/"
    blank = client.post(url, {"reason": " "}, format="json")
    assert blank.status_code == 422
    assert list(blank.json()["errors"]) == ["reason"]
    declined = client.post(url, {"reason": "Keine Zeit."}, format="json")
    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    assert declined.json()["decline_reason"] == "Keine Zeit."
    assert client.post(url, {"reason": "Keine Zeit."}, format="json").status_code == 409
    assert client_for(factories.reviewer()).post(url, {"reason": "x"}).status_code == 404
    assert client_for(factories.applicant()).get("/api/v1/assignments/").status_code == 403


# ----- the board's declaration --------------------------------------------------------------


def test_a_board_member_declares_on_conflicts():
    application = states.awaiting_decision()
    member = factories.board_member()
    client = client_for(member)
    url = base(application) + "board-declaration/"
    # before declaring, the application is not readable
    assert client.get(base(application)).status_code == 404
    declared = client.post(url, {"kind": "none"}, format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert declared.status_code == 201
    body = declared.json()
    assert (body["role"], body["kind"], body["round"], body["corrects"]) == (
        "board",
        "none",
        1,
        None,
    )
    assert client.get(base(application)).status_code == 200
    conflict = client.post(url, {"kind": "personal"}, format="json")
    assert conflict.status_code == 201
    assert conflict.json()["corrects"] == body["id"]
    # a declared conflict stands for the round
    back = client.post(url, {"kind": "none"}, format="json")
    assert back.status_code == 422
    assert list(back.json()["errors"]) == ["kind"]
    assert ConflictDeclaration.objects.filter(role="board").count() == 2
    # not the board: 403; one the board does not see yet: 404; decided: 409
    assert client_for(factories.coordinator()).post(url, {"kind": "none"}).status_code == 403
    submitted = states.submitted()
    early = client.post(base(submitted) + "board-declaration/", {"kind": "none"}, format="json")
    assert early.status_code == 404
    approved = states.approved()
    late = client.post(base(approved) + "board-declaration/", {"kind": "none"}, format="json")
    assert late.status_code == 409


# ----- reading reviews and the discussion ---------------------------------------------------


def test_reviews_and_posts_open_once_the_own_review_is_in():
    application, office_user, (first, second) = states.in_review()
    states.review(first, application)
    first_client, second_client = client_for(first), client_for(second)
    second_assignment = Assignment.objects.get(reviewer=second)
    states_declare = f"/api/v1/assignments/{second_assignment.pk}/declaration/"
    assert second_client.post(states_declare, {"kind": "none"}, format="json").status_code == 200
    # the second reviewer has not reviewed: 403 for both
    assert second_client.get(base(application) + "reviews/").status_code == 403
    assert second_client.get(base(application) + "posts/").status_code == 403
    assert second_client.post(base(application) + "posts/", {"body": "x"}).status_code == 403
    # the first reads the reviews of the round and writes
    reviews = first_client.get(base(application) + "reviews/").json()["results"]
    assert [row["reviewer"]["id"] for row in reviews] == [first.pk]
    assert reviews[0]["scores"] == SCORES
    posted = first_client.post(base(application) + "posts/", {"body": "Eine Frage."}, format="json")
    assert posted.status_code == 201
    assert posted.json()["author"]["id"] == first.pk
    assert first_client.post(base(application) + "posts/", {"body": " "}).status_code == 422
    assert first_client.post(base(application) + "posts/", {}).status_code == 400
    # the office reads both
    office = client_for(office_user)
    assert len(office.get(base(application) + "reviews/").json()["results"]) == 1
    posts = office.get(base(application) + "posts/").json()["results"]
    assert [post["body"] for post in posts] == ["Eine Frage."]
    # the company: 403; someone who may not see it: 404
    assert client_for(application.created_by).get(base(application) + "reviews/").status_code == 403
    assert client_for(factories.applicant()).get(base(application) + "posts/").status_code == 404


def test_the_discussion_locks_once_decided():
    application = states.approved()
    office = client_for(factories.coordinator())
    response = office.post(base(application) + "posts/", {"body": "Zu spät."}, format="json")
    assert response.status_code == 409
    assert Post.objects.count() == 0


# ----- constant query counts ----------------------------------------------------------------


def _count_queries(client, url):
    client.get(url)  # the token's "last used" is written on the first request only
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


def _assign(application, count):
    office = factories.coordinator()
    reviewers = [factories.reviewer() for _ in range(count)]
    for reviewer in reviewers:
        review_services.assign_reviewer(office, application, reviewer)
    return reviewers


def test_the_lists_cost_the_same_at_two_sizes(django_assert_num_queries):
    office_user = factories.coordinator()
    office = client_for(office_user)
    counts = {}
    for size in (1, 6):
        application = states.submitted()
        reviewers = _assign(application, size)
        posts = [
            Post(application=application, author=office_user, round=1, body=f"Post {n}")
            for n in range(size)
        ]
        Post.objects.bulk_create(posts)
        own = client_for(reviewers[0])
        counts[size] = (
            _count_queries(office, base(application) + "assignments/"),
            _count_queries(office, base(application) + "posts/"),
            _count_queries(own, "/api/v1/assignments/"),
            _count_queries(office, "/api/v1/assignment-proposal/"),
        )
    assert counts[1] == counts[6]
    with django_assert_num_queries(counts[6][0]):
        office.get(base(application) + "assignments/")


def test_the_review_list_costs_the_same_at_two_sizes():
    office = client_for(factories.coordinator())
    counts = []
    for size in (2, 5):
        programme = factories.ProgrammeFactory(reviews_required=size)
        application, _coordinator, reviewers = states.in_review(programme=programme)
        for reviewer in reviewers[:-1]:
            states.review(reviewer, application)
        assert Review.objects.filter(assignment__application=application).count() == size - 1
        counts.append(_count_queries(office, base(application) + "reviews/"))
    assert counts[0] == counts[1]
