"""From draft to the decision letter using only the API: the company drafts and submits, the
office assigns the proposed reviewers and starts the round, the reviewers declare and review,
two board members declare and decide with four eyes, and the company downloads the letter."""

import pytest

from applications.models import Application
from decisions.models import DecisionLetter
from funding.models import AccessLog
from tests import factories, states
from tests.helpers import close_file

from .conftest import client_for
from .test_journey import DECLARED, FILLED

pytestmark = pytest.mark.django_db

REVIEW = {
    "scores": {"viability": 4, "employment": 5, "cooperation": 4, "risk": 3, "management": 4},
    "confidence": "high",
    "recommendation": "approve",
    "comment": "Tragfähiges Konzept.",
}


def test_from_draft_to_the_letter_through_the_api(django_capture_on_commit_callbacks):
    organization = factories.OrganizationFactory()
    company_user = factories.applicant(organization=organization)
    programme = factories.ProgrammeFactory(reviews_required=2, four_eyes=True)
    company = client_for(company_user)
    office = client_for(factories.coordinator())
    reviewers = [factories.reviewer() for _ in range(2)]
    board = [factories.board_member() for _ in range(2)]

    # the company drafts, fills, uploads and submits
    created = company.post(
        "/api/v1/applications/",
        {"programme": programme.pk, "organization": organization.pk, "title": "Werkstatt"},
        format="json",
    )
    assert created.status_code == 201
    url = created["Location"]
    filled = company.patch(url, FILLED, format="json", HTTP_IF_MATCH=created["ETag"])
    assert filled.status_code == 200
    for kind in programme.required_documents:
        upload = {"kind": kind, "file": states.pdf(f"{kind}.pdf")}
        assert company.post(f"{url}documents/", upload, format="multipart").status_code == 201
    submitted = company.post(f"{url}submit/", DECLARED, format="json")
    assert submitted.json()["state"] == "submitted"

    # the office assigns the reviewers the proposal names and starts the round
    proposal = office.get("/api/v1/assignment-proposal/").json()
    rows = [row for row in proposal["rows"] if f"/{row['application']['id']}/" in url]
    assert {row["reviewer"]["id"] for row in rows} == {r.pk for r in reviewers}
    for row in rows:
        assigned = office.post(
            f"{url}assignments/",
            {"reviewer": row["reviewer"]["id"]},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"assign-{row['reviewer']['id']}",
        )
        assert assigned.status_code == 201
    assert len(office.get(f"{url}assignments/").json()["results"]) == 2
    assert office.post(f"{url}start_review/", {}, format="json").json()["state"] == "in_review"

    # each reviewer declares no conflict and reviews; the second review closes the round
    for person in reviewers:
        client = client_for(person)
        (own,) = client.get("/api/v1/assignments/").json()["results"]
        base = f"/api/v1/assignments/{own['id']}/"
        declared = client.post(f"{base}declaration/", {"kind": "none"}, format="json")
        assert declared.status_code == 200
        reviewed = client.post(f"{base}review/", REVIEW, format="json")
        assert reviewed.status_code == 201
    first_reviewer = client_for(reviewers[0])
    assert len(first_reviewer.get(f"{url}reviews/").json()["results"]) == 2
    posted = first_reviewer.post(f"{url}posts/", {"body": "Einig."}, format="json")
    assert posted.status_code == 201
    assert company.get(url).json()["state"] == "awaiting_decision"

    # two board members declare no conflict; one proposes, the other confirms
    first, second = (client_for(member) for member in board)
    for client in (first, second):
        declared = client.post(f"{url}board-declaration/", {"kind": "none"}, format="json")
        assert declared.status_code == 201
    assert len(first.get(f"{url}reviews/").json()["results"]) == 2
    proposal = first.post(f"{url}approve/", {"amount": "55000.00"}, format="json")
    assert proposal.status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = second.post(
            f"/api/v1/decisions/{proposal.json()['id']}/confirm/", {}, format="json"
        )
    assert confirmed.json()["status"] == "confirmed"
    assert company.get(url).json()["state"] == "approved"

    # the company finds the letter and downloads it
    (letter,) = company.get(f"{url}letters/").json()["results"]
    assert letter["number"] == 1
    assert letter["status"] == DecisionLetter.Status.SENT
    response = company.get(letter["pdf"])
    assert response.status_code == 200
    content = close_file(response)
    assert content.startswith(b"%PDF")
    application = Application.objects.get()
    stored = application.letters.get()
    with stored.file.open("rb") as handle:
        assert handle.read() == content
    assert AccessLog.objects.filter(action=AccessLog.Action.LETTER).count() == 1
    log = company.get(f"{url}log/").json()["results"]
    assert [row["transition"] for row in log] == [
        "approve",
        "complete_review",
        "start_review",
        "submit",
    ]
    inbox = company.get("/api/v1/notifications/").json()["results"]
    assert inbox
    read = company.post(f"/api/v1/notifications/{inbox[0]['id']}/read/", {}, format="json")
    assert read.status_code == 200
