"""The review pages: who may open what, and what a reviewer sees when."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import reverse

from applications import services as application_services
from applications.models import State
from funding.models import AccessLog
from reviews import services
from reviews.models import Assignment, Review
from tests import factories, states

pytestmark = pytest.mark.django_db

PURPOSE = factories.ApplicationFactory.purpose
REQUESTED = "60.000"  # 60000.00 as the German page shows it
REQUESTED_EN = "60,000"


@pytest.fixture
def client():
    """A browser that asks for English, so that the assertions do not depend on the catalogue."""
    return Client(headers={"accept-language": "en"})


def login(client, user):
    client.force_login(user)
    return client


def html(response):
    return response.content.decode()


def fill(**overrides):
    return {**states.REVIEW, **overrides}


# ----- the access matrix --------------------------------------------------------------------


@dataclass
class World:
    application: object
    coordinator: object
    reviewers: list
    users: dict = field(default_factory=dict)

    @property
    def assignment(self):
        return self.application.assignments.get(reviewer=self.reviewers[0])


def build_world(stage):
    if stage == "submitted":
        application, coordinator, reviewers = states.with_reviewers()
    else:
        application, coordinator, reviewers = states.in_review()
    world = World(application, coordinator, reviewers)
    world.users = {
        "applicant": application.created_by,
        "other_applicant": factories.applicant(),
        "coordinator": coordinator,
        "reviewer": reviewers[0],
        "other_reviewer": factories.reviewer(),
        "board": factories.board_member(),
        "anonymous": None,
    }
    return world


def declare_no_conflict(world):
    services.declare_conflict(world.reviewers[0], world.assignment, has_conflict=False)


def no_args(world):
    return []


def assignment_args(world):
    return [world.assignment.pk]


def application_args(world):
    return [world.application.pk]


ROLES = ("applicant", "other_applicant", "coordinator", "reviewer", "other_reviewer", "board")
LOGIN = "login"  # anonymous callers are sent to the login page


def expect(ok, ok_roles, others):
    table = {role: (ok if role in ok_roles else others) for role in ROLES}
    table["anonymous"] = LOGIN
    return table


# name, method, url args, stage, preparation, data, {role: expected status}
URLS = [
    (
        "review-list",
        "get",
        no_args,
        "in_review",
        None,
        None,
        expect(200, ("reviewer", "other_reviewer"), 403),
    ),
    (
        "assignment-detail",
        "get",
        assignment_args,
        "in_review",
        None,
        None,
        expect(200, ("reviewer",), 404),
    ),
    (
        "assignment-declare",
        "post",
        assignment_args,
        "in_review",
        None,
        {"kind": "none", "note": ""},
        expect(302, ("reviewer",), 404),
    ),
    (
        "assignment-decline",
        "post",
        assignment_args,
        "in_review",
        None,
        {"reason": "Keine Zeit"},
        expect(302, ("reviewer",), 404),
    ),
    (
        "review-form",
        "post",
        assignment_args,
        "in_review",
        declare_no_conflict,
        states.REVIEW,
        expect(302, ("reviewer",), 404),
    ),
    (
        "review-round",
        "get",
        application_args,
        "in_review",
        None,
        None,
        expect(200, ("coordinator",), 403),
    ),
    (
        "review-assign",
        "post",
        application_args,
        "in_review",
        None,
        "fresh-reviewer",
        expect(302, ("coordinator",), 403),
    ),
    (
        "assignment-remove",
        "post",
        assignment_args,
        "in_review",
        None,
        {},
        expect(302, ("coordinator",), 403),
    ),
    (
        "review-start",
        "post",
        application_args,
        "submitted",
        None,
        {},
        expect(302, ("coordinator",), 403),
    ),
    (
        "review-close",
        "post",
        application_args,
        "in_review",
        None,
        {"reason": "Ein Gutachten ist nicht zu bekommen."},
        expect(302, ("coordinator",), 403),
    ),
]

MATRIX = [
    pytest.param(name, method, args, stage, prepare, data, role, table[role], id=f"{name}-{role}")
    for name, method, args, stage, prepare, data, table in URLS
    for role in (*ROLES, "anonymous")
]


@pytest.mark.parametrize(
    ("name", "method", "args", "stage", "prepare", "data", "role", "expected"), MATRIX
)
def test_access_matrix(client, name, method, args, stage, prepare, data, role, expected):
    world = build_world(stage)
    if prepare:
        prepare(world)
    if data == "fresh-reviewer":
        data = {"reviewer": factories.reviewer().pk}
    user = world.users[role]
    if user is not None:
        login(client, user)
    url = reverse(name, args=args(world))
    response = getattr(client, method)(url, data) if method == "post" else client.get(url)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected, html(response)[:2000]


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("assignment-detail", "reviewer"),
        ("review-round", "coordinator"),
        ("assignment-remove", "coordinator"),
    ],
)
def test_unknown_objects_answer_404(client, name, role):
    world = build_world("in_review")
    login(client, world.users[role])
    url = reverse(name, args=[999999])
    response = client.post(url) if name == "assignment-remove" else client.get(url)
    assert response.status_code == 404


def test_a_removed_assignment_is_gone_for_its_reviewer(client):
    world = build_world("in_review")
    services.remove_assignment(world.coordinator, world.assignment)
    login(client, world.reviewers[0])
    assert client.get(reverse("assignment-detail", args=[world.assignment.pk])).status_code == 404


# ----- the reviewer's list --------------------------------------------------------------------


def test_review_list_shows_the_assignments_with_status_and_overdue_due_dates(client):
    application, coordinator, reviewers = states.in_review()
    reviewer = reviewers[0]
    assignment = application.assignments.get(reviewer=reviewer)
    Assignment.objects.filter(pk=assignment.pk).update(due_on=datetime.date(2020, 1, 31))
    declined_app, _coordinator, declined_reviewers = states.with_reviewers()
    services.assign_reviewer(coordinator, declined_app, reviewer)
    services.decline_assignment(reviewer, declined_app.assignments.get(reviewer=reviewer))
    draft = states.draft()  # not submitted: never listed
    login(client, reviewer)

    page = html(client.get(reverse("review-list")))

    assert application.reference in page and application.title in page
    assert application.organization.name in page
    assert reverse("assignment-detail", args=[assignment.pk]) in page
    assert "overdue" in page
    assert declined_app.title in page and "declined" in page
    assert draft.title not in page
    assert PURPOSE not in page


# ----- what the reviewer sees when -------------------------------------------------------------


def test_before_declaring_the_reviewer_sees_only_title_and_company(client):
    world = build_world("in_review")
    login(client, world.reviewers[0])

    response = client.get(reverse("assignment-detail", args=[world.assignment.pk]))

    page = html(response)
    assert response.status_code == 200
    assert world.application.title in page
    assert world.application.organization.name in page
    assert PURPOSE not in page
    assert REQUESTED not in page and REQUESTED_EN not in page
    assert world.application.cooperation_partner not in page
    assert "/documents/" not in page
    assert reverse("assignment-declare", args=[world.assignment.pk]) in page
    assert 'type="radio"' in page and 'name="kind"' in page
    assert reverse("assignment-decline", args=[world.assignment.pk]) in page
    assert not AccessLog.objects.exists()  # nothing of the content was opened


def test_after_declaring_no_conflict_the_content_is_visible(client):
    world = build_world("in_review")
    application = world.application
    login(client, world.reviewers[0])

    response = client.post(
        reverse("assignment-declare", args=[world.assignment.pk]), {"kind": "none"}
    )
    assert response.status_code == 302
    page = html(client.get(reverse("assignment-detail", args=[world.assignment.pk])))

    assert PURPOSE in page
    assert REQUESTED_EN in page
    assert application.cooperation_partner in page
    assert "40.0 %" in page  # severely disabled share 8 of 20
    assert "60.0 %" in page  # funding share 60,000 of 100,000
    assert "25.0 %" in page  # own contribution share
    document = application.documents.first()
    assert reverse("document-download", args=[application.pk, document.pk]) in page
    assert reverse("review-form", args=[world.assignment.pk]) in page
    # the document link works for them now
    download = client.get(reverse("document-download", args=[application.pk, document.pk]))
    assert download.status_code == 200
    # (read before closing the response: closing it ends the request, and its connection)
    logged = AccessLog.objects.order_by("id").values_list(
        "user_id", "action", "reference", "detail"
    )
    assert list(logged) == [
        (world.reviewers[0].pk, "view", application.reference, ""),
        (world.reviewers[0].pk, "document", application.reference, document.original_name),
    ]
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    download.close()


def test_german_page_formats_the_requested_amount(client):
    world = build_world("in_review")
    declare_no_conflict(world)
    german = login(Client(headers={"accept-language": "de"}), world.reviewers[0])
    page = html(german.get(reverse("assignment-detail", args=[world.assignment.pk])))
    assert "60.000,00" in page
    assert "40,0 %" in page


def test_declaring_a_conflict_recuses_and_never_shows_the_content(client):
    world = build_world("in_review")
    login(client, world.reviewers[0])
    url = reverse("assignment-declare", args=[world.assignment.pk])

    refused = client.post(url, {"kind": "other", "note": ""})
    assert refused.status_code == 422
    assert "Please describe the conflict of interest." in html(refused)
    assert PURPOSE not in html(refused)

    response = client.post(url, {"kind": "other", "note": "Ich bin dort Beirat."})
    assert response.status_code == 302
    assignment = world.assignment
    assert assignment.status == Assignment.Status.RECUSED
    page = html(client.get(reverse("assignment-detail", args=[assignment.pk])))
    assert "You have declared a conflict of interest" in page
    assert PURPOSE not in page and REQUESTED_EN not in page
    assert reverse("review-form", args=[assignment.pk]) not in page
    assert "recused" in html(client.get(reverse("review-list")))
    # posting a review anyway is refused
    refused = client.post(reverse("review-form", args=[assignment.pk]), states.REVIEW)
    assert refused.status_code == 403
    assert PURPOSE not in html(refused)


def test_repeating_the_declaration_answers_422_with_the_reason(client):
    """A second declaration is a correction (tests/reviews/test_conflicts.py); the same one
    again is refused beside the field."""
    world = build_world("in_review")
    declare_no_conflict(world)
    login(client, world.reviewers[0])
    response = client.post(
        reverse("assignment-declare", args=[world.assignment.pk]), {"kind": "none"}
    )
    assert response.status_code == 422
    assert "This is already your current declaration." in html(response)
    assert world.application.conflict_declarations.count() == 1


def test_an_invalid_declaration_answers_400_and_keeps_the_note(client):
    world = build_world("in_review")
    login(client, world.reviewers[0])
    response = client.post(
        reverse("assignment-declare", args=[world.assignment.pk]),
        {"kind": "perhaps", "note": "Meine Anmerkung"},
    )
    assert response.status_code == 400
    assert "Meine Anmerkung" in html(response)
    assert not world.application.conflict_declarations.exists()


def test_declining_the_assignment(client):
    world = build_world("in_review")
    login(client, world.reviewers[0])
    response = client.post(
        reverse("assignment-decline", args=[world.assignment.pk]), {"reason": "Keine Zeit"}
    )
    assert response.status_code == 302
    assert world.assignment.status == Assignment.Status.DECLINED
    assert world.assignment.decline_reason == "Keine Zeit"
    page = html(client.get(reverse("assignment-detail", args=[world.assignment.pk])))
    assert "You have declined this assignment." in page
    assert PURPOSE not in page
    # declining twice: the state no longer allows it
    assert client.post(reverse("assignment-decline", args=[world.assignment.pk])).status_code == 409


def test_other_reviews_are_hidden_until_the_own_review_is_submitted(client):
    world = build_world("in_review")
    first, second = world.reviewers
    states.review(second, world.application, comment="Der zweite Blick: solide Planung.")
    login(client, first)
    url = reverse("assignment-detail", args=[world.assignment.pk])
    client.post(reverse("assignment-declare", args=[world.assignment.pk]), {"kind": "none"})

    before = html(client.get(url))
    assert "Der zweite Blick" not in before
    assert second.get_full_name() not in before

    response = client.post(
        reverse("review-form", args=[world.assignment.pk]), fill(comment="Mein eigenes Gutachten.")
    )
    assert response.status_code == 302
    world.application.refresh_from_db()
    assert world.application.state == State.AWAITING_DECISION  # the last required review

    after = html(client.get(url))
    assert "Der zweite Blick: solide Planung." in after
    assert second.get_full_name() in after
    # the own review is prefilled for editing until the board decides
    assert "Mein eigenes Gutachten." in after
    assert "Save changes" in after


def test_editing_a_review_updates_it(client):
    world = build_world("in_review")
    states.review(world.reviewers[0], world.application, comment="Erste Fassung.")
    login(client, world.reviewers[0])
    response = client.post(
        reverse("review-form", args=[world.assignment.pk]),
        fill(comment="Zweite Fassung.", score_risk="2"),
    )
    assert response.status_code == 302
    review = Review.objects.get(assignment=world.assignment)
    risk = review.scores.get(criterion__key="risk").value
    assert (review.comment, risk) == ("Zweite Fassung.", 2)


def test_an_invalid_score_answers_400_and_keeps_what_was_typed(client):
    world = build_world("in_review")
    declare_no_conflict(world)
    login(client, world.reviewers[0])

    response = client.post(
        reverse("review-form", args=[world.assignment.pk]),
        fill(score_viability="6", comment="Mein sorgfältig getippter Kommentar."),
    )

    page = html(response)
    assert response.status_code == 400
    assert "Mein sorgfältig getippter Kommentar." in page
    assert 'id="id_score_viability_error"' in page
    assert not Review.objects.exists()


def test_submitting_a_review_in_the_wrong_state_answers_409(client):
    world = build_world("submitted")  # the round has not started yet
    declare_no_conflict(world)
    login(client, world.reviewers[0])
    url = reverse("assignment-detail", args=[world.assignment.pk])
    assert "as soon as the coordination office starts the review round" in html(client.get(url))

    response = client.post(
        reverse("review-form", args=[world.assignment.pk]), fill(comment="Zu früh geschrieben.")
    )

    assert response.status_code == 409
    assert "Zu früh geschrieben." in html(response)
    assert "This review can no longer be submitted or changed." in html(response)
    assert not Review.objects.exists()


def test_review_form_get_leads_to_the_assignment(client):
    world = build_world("in_review")
    login(client, world.reviewers[0])
    response = client.get(reverse("review-form", args=[world.assignment.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("assignment-detail", args=[world.assignment.pk])


def test_a_resubmitted_application_shows_the_earlier_review(client):
    application = states.awaiting_decision()
    reviewer = application.assignments.first().reviewer
    old_comment = Review.objects.get(assignment__reviewer=reviewer).comment
    board = factories.board_member()
    states.board_declares(board, application)
    deadline = datetime.date.today() + datetime.timedelta(days=14)
    application_services.return_for_revision(board, application, "Bitte überarbeiten.", deadline)
    application.refresh_from_db()
    application = application_services.submit(
        application.created_by, application, states.DECLARATIONS
    )
    coordinator = factories.coordinator()
    assignment = services.assign_reviewer(coordinator, application, reviewer)
    services.assign_reviewer(coordinator, application, factories.reviewer())
    services.start_review(coordinator, application)
    assert assignment.round == 2
    login(client, reviewer)
    url = reverse("assignment-detail", args=[assignment.pk])

    before = html(client.get(url))
    assert old_comment not in before and PURPOSE not in before

    client.post(reverse("assignment-declare", args=[assignment.pk]), {"kind": "none"})
    after = html(client.get(url))
    assert "Your review of round 1 (read-only)" in after
    assert old_comment in after
    assert PURPOSE in after
    # the form is for the new round: empty, not prefilled with the earlier review
    assert "Submit review" in after


# ----- the coordination office ----------------------------------------------------------------


def test_round_page_lists_assignments_candidates_and_reviews(client):
    world = build_world("in_review")
    first, second = world.reviewers
    states.review(second, world.application, comment="Gutachten zwei.")
    candidate = factories.reviewer(first_name="Clara", last_name="Kandidatin")
    login(client, world.coordinator)

    page = html(client.get(reverse("review-round", args=[world.application.pk])))

    assert reverse("application-detail", args=[world.application.pk]) in page
    assert first.get_full_name() in page and second.get_full_name() in page
    assert f'<option value="{candidate.pk}">Clara Kandidatin</option>' in page
    assert f'<option value="{first.pk}">' not in page  # already active
    assert "Gutachten zwei." in page
    assert reverse("assignment-remove", args=[world.assignment.pk]) in page
    assert reverse("review-close", args=[world.application.pk]) in page
    assert reverse("review-start", args=[world.application.pk]) not in page


def test_coordinator_assigns_and_removes(client):
    application, coordinator, reviewers = states.with_reviewers(count=1)
    newcomer = factories.reviewer()
    login(client, coordinator)

    response = client.post(
        reverse("review-assign", args=[application.pk]), {"reviewer": newcomer.pk}
    )
    assert response.status_code == 302
    assignment = application.assignments.get(reviewer=newcomer)
    assert assignment.status == Assignment.Status.OPEN

    again = client.post(reverse("review-assign", args=[application.pk]), {"reviewer": newcomer.pk})
    assert again.status_code == 422
    assert "This reviewer is already assigned." in html(again)

    response = client.post(reverse("assignment-remove", args=[assignment.pk]))
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.REMOVED

    twice = client.post(reverse("assignment-remove", args=[assignment.pk]))
    assert twice.status_code == 409
    assert "Only an open assignment can be removed." in html(twice)


def test_assigning_an_unknown_user_answers_400(client):
    application, coordinator, _reviewers = states.with_reviewers()
    login(client, coordinator)
    response = client.post(reverse("review-assign", args=[application.pk]), {"reviewer": 999999})
    assert response.status_code == 400


def test_coordinator_starts_the_review_only_with_enough_reviewers(client):
    application, coordinator, reviewers = states.with_reviewers(count=1)
    login(client, coordinator)
    url = reverse("review-start", args=[application.pk])

    refused = client.post(url)
    assert refused.status_code == 422
    assert "At least 2 active reviewer assignments are needed to start." in html(refused)
    application.refresh_from_db()
    assert application.state == State.SUBMITTED

    services.assign_reviewer(coordinator, application, factories.reviewer())
    assert client.post(url).status_code == 302
    application.refresh_from_db()
    assert application.state == State.IN_REVIEW
    assert not application.assignments.filter(due_on=None).exists()

    assert client.post(url).status_code == 409  # already started


def test_coordinator_closes_the_round_only_with_a_reason(client):
    world = build_world("in_review")
    login(client, world.coordinator)
    url = reverse("review-close", args=[world.application.pk])

    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 422
    assert "Please give the reason for closing the round." in html(refused)
    assert 'id="id_reason_error"' in html(refused)
    world.application.refresh_from_db()
    assert world.application.state == State.IN_REVIEW

    response = client.post(url, {"reason": "Zweites Gutachten nicht zu bekommen."})
    assert response.status_code == 302
    world.application.refresh_from_db()
    assert world.application.state == State.AWAITING_DECISION
    assert not world.application.assignments.filter(status=Assignment.Status.OPEN).exists()


def test_a_reviewer_from_the_applicant_organisation_is_never_a_candidate(client):
    world = build_world("submitted")
    insider = factories.reviewer(first_name="Ina", last_name="Innen")
    factories.MembershipFactory(user=insider, organization=world.application.organization)
    login(client, world.coordinator)

    page = html(client.get(reverse("review-round", args=[world.application.pk])))
    assert f'<option value="{insider.pk}"' not in page

    response = client.post(
        reverse("review-assign", args=[world.application.pk]), {"reviewer": insider.pk}
    )
    assert response.status_code == 422
    assert "A member of the applicant organisation cannot review it." in html(response)
    assert not world.application.assignments.filter(reviewer=insider).exists()
