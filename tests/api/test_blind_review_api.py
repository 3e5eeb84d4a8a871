"""Blind review through the API: a reviewer who has not submitted their own review gets no other
review, score or post through any endpoint, and an applicant's token never reaches a review, a
score or a reviewer's name. Every GET operation of the schema is walked."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from decisions import services as decision_services
from reviews import services as review_services
from reviews.models import Assignment
from tests import factories, states
from tests.helpers import close_file

from .conftest import client_for

pytestmark = pytest.mark.django_db

SECRET_COMMENT = "Vertraulicher Kommentar Alpha"
SECRET_POST = "Vertraulicher Beitrag Alpha"
SCORE_FIELDS = ('"scores"', '"total_score"', '"recommendation"', '"confidence"')


def reviewer(tag, first, last):
    return factories.reviewer(username=f"gutachter-{tag}", first_name=first, last_name=last)


def get_paths():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(path for path, item in schema["paths"].items() if "get" in item)


def fill(path, ids):
    """The path with its parameters filled from ``ids`` (by the path's prefix and name)."""
    path = path.replace("{document_pk}", str(ids["document"]))
    path = path.replace("{assignment_pk}", str(ids["assignment"]))
    path = path.replace("{number}", "1")
    for prefix, key in (
        ("/api/v1/applications/", "application"),
        ("/api/v1/decisions/", "decision"),
        ("/api/v1/programmes/", "programme"),
        ("/api/v1/organisations/", "organization"),
        ("/api/v1/assignments/", "assignment"),
        ("/api/v1/notifications/", "notification"),
    ):
        if path.startswith(prefix):
            return path.replace("{id}", str(ids[key]))
    return path


def walk(client, ids):
    """Every GET operation with the ids filled in: {path: response}."""
    answers = {}
    for path in get_paths():
        url = fill(path, ids)
        assert "{" not in url, url
        response = client.get(url)
        assert response.status_code < 500, url
        if getattr(response, "streaming", False):  # a download: read to the end, file closed
            close_file(response)
        answers[url] = response
    return answers


def text_of(response):
    if response.get("Content-Type", "").startswith("application/pdf"):
        return ""
    return response.content.decode()


def assert_hidden(answers, people, secrets, score_fields=True):
    for url, response in answers.items():
        text = text_of(response)
        for person in people:
            assert not re.search(rf"\b{re.escape(person.username)}\b", text), url
            assert person.first_name not in text and person.last_name not in text, url
        for secret in secrets:
            assert secret not in text, url
        if score_fields:
            for field in SCORE_FIELDS:
                assert field not in text, url


@pytest.fixture
def round_half_done():
    """An application in review: reviewer alpha has reviewed and posted, reviewer beta has
    declared no conflict but not reviewed."""
    application = states.submitted()
    office = factories.coordinator(
        username="buero-omega", first_name="Odalrich", last_name="Vierkant"
    )
    alpha = reviewer("alpha", "Aurelia", "Quellmann")
    beta = reviewer("beta", "Bertram", "Zinnober")
    for person in (alpha, beta):
        review_services.assign_reviewer(office, application, person)
    review_services.start_review(office, application)
    states.review(alpha, application, comment=SECRET_COMMENT)
    review_services.add_post(alpha, application, SECRET_POST)
    beta_assignment = Assignment.objects.get(reviewer=beta)
    review_services.declare_conflict(beta, beta_assignment, "none")
    application.refresh_from_db()
    return application, office, alpha, beta, beta_assignment


def test_a_reviewer_before_their_review_sees_no_other_review_score_or_post(round_half_done):
    application, office, alpha, beta, beta_assignment = round_half_done
    client = client_for(beta)
    base = f"/api/v1/applications/{application.pk}/"
    assert client.get(base).status_code == 200  # beta reads the application itself
    assert client.get(base + "reviews/").status_code == 403
    assert client.get(base + "posts/").status_code == 403
    alpha_assignment = Assignment.objects.get(reviewer=alpha)
    ids = {
        "application": application.pk,
        "decision": 999999,
        "programme": application.programme_id,
        "organization": application.organization_id,
        "assignment": beta_assignment.pk,
        "notification": 999999,
        "document": application.documents.first().pk,
    }
    answers = walk(client, ids)
    assert answers[base].status_code == 200
    assert answers[f"/api/v1/assignments/{beta_assignment.pk}/review/"].status_code == 404
    # alpha's name, review, scores and post reach beta through no endpoint
    assert_hidden(answers, [alpha], [SECRET_COMMENT, SECRET_POST])
    # alpha's own assignment, review and declaration are not beta's: 404
    assert client.get(f"/api/v1/assignments/{alpha_assignment.pk}/review/").status_code == 404
    # once beta's review is in, the others' are open to beta
    review_services.submit_review(beta, beta_assignment, states.REVIEW)
    reviews = client.get(base + "reviews/").json()["results"]
    assert {row["reviewer"]["id"] for row in reviews} == {alpha.pk, beta.pk}
    assert SECRET_POST in client.get(base + "posts/").content.decode()


def test_an_applicant_never_reaches_a_review_or_a_reviewers_name(
    round_half_done, django_capture_on_commit_callbacks
):
    application, office, alpha, beta, beta_assignment = round_half_done
    review_services.submit_review(
        beta, beta_assignment, {**states.REVIEW, "comment": SECRET_COMMENT + " Beta"}
    )
    application.refresh_from_db()
    assert application.state == "awaiting_decision"
    first = factories.board_member(
        username="vorstand-eins", first_name="Bonifaz", last_name="Ulmenhain"
    )
    second = factories.board_member(
        username="vorstand-zwei", first_name="Cordula", last_name="Weidenstamm"
    )
    for member in (first, second):
        states.board_declares(member, application)
    review_services.add_post(first, application, SECRET_POST + " Vorstand")
    with django_capture_on_commit_callbacks(execute=True):
        decision = decision_services.propose_decision(
            first, application, "approve", amount=application.requested_amount
        )
        decision_services.confirm_decision(second, decision)
    application.refresh_from_db()
    assert application.state == "approved"
    assert application.letters.get().file
    company_user = application.created_by
    client = client_for(company_user)
    notification = company_user.notifications.first()
    assert notification is not None
    ids = {
        "application": application.pk,
        "decision": decision.pk,
        "programme": application.programme_id,
        "organization": application.organization_id,
        "assignment": Assignment.objects.get(reviewer=alpha).pk,
        "notification": notification.pk,
        "document": application.documents.first().pk,
    }
    answers = walk(client, ids)
    base = f"/api/v1/applications/{application.pk}/"
    # the company reads its application, its log, its letters and its inbox
    for suffix in ("", "log/", "letters/", "letters/1/pdf/", "documents/", "versions/"):
        assert answers[base + suffix].status_code == 200, suffix
    assert answers["/api/v1/notifications/"].status_code == 200
    assert answers["/api/v1/notifications/"].json()["results"]
    # and no review, score, post or name of a reviewer or board member
    for suffix in ("reviews/", "posts/", "assignments/"):
        assert answers[base + suffix].status_code == 403, suffix
    assert answers["/api/v1/assignments/"].status_code == 403
    assert_hidden(
        answers,
        [alpha, beta, office, first, second],
        [SECRET_COMMENT, SECRET_POST],
        score_fields=True,
    )
