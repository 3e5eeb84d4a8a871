"""The board through the API: approve/reject as a proposal under four eyes (202), confirmed or
objected to by a second member at the decision's own path; the same checks as the web."""

import pytest

from api.models import IdempotencyRecord
from applications.models import State
from decisions.models import Decision, DecisionLetter
from tests import factories, states

from .conftest import client_for

pytestmark = pytest.mark.django_db


def path(application, name):
    return f"/api/v1/applications/{application.pk}/{name}/"


@pytest.fixture
def deciding():
    """(application awaiting the decision, first board client, second board client)."""
    application = states.awaiting_decision()
    first, second = states.deciding_board(application)
    return application, client_for(first), client_for(second)


def test_approve_proposes_and_a_second_member_confirms(deciding):
    application, first, second = deciding
    proposed = first.post(
        path(application, "approve"), {"conditions": "Jährlicher Nachweis."}, format="json"
    )
    assert proposed.status_code == 202
    body = proposed.json()
    assert (body["status"], body["outcome"], body["amount"]) == ("open", "approve", "60000.00")
    assert body["loan_term_months"] == application.loan_term_months
    assert proposed["Location"] == f"/api/v1/decisions/{body['id']}/"
    application.refresh_from_db()
    assert application.state == State.AWAITING_DECISION
    # the transitions say it is proposed already
    rows = {row["name"]: row for row in second.get(path(application, "transitions")).json()}
    assert rows["approve"]["allowed"] is False
    # the proposer may not confirm their own proposal
    own = first.post(f"/api/v1/decisions/{body['id']}/confirm/", {}, format="json")
    assert own.status_code == 403
    confirmed = second.post(f"/api/v1/decisions/{body['id']}/confirm/", {}, format="json")
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    application.refresh_from_db()
    assert application.state == State.APPROVED
    assert DecisionLetter.objects.filter(application=application).count() == 1
    again = second.post(f"/api/v1/decisions/{body['id']}/confirm/", {}, format="json")
    assert again.status_code == 409


def test_a_second_proposal_while_one_is_open_answers_409(deciding):
    application, first, second = deciding
    assert first.post(path(application, "approve"), {}, format="json").status_code == 202
    response = second.post(path(application, "reject"), {"reasons": "x"}, format="json")
    assert response.status_code == 409


def test_reject_needs_reasons(deciding):
    application, first, _second = deciding
    assert first.post(path(application, "reject"), {}, format="json").status_code == 400
    blank = first.post(path(application, "reject"), {"reasons": " "}, format="json")
    assert blank.status_code == 422
    assert list(blank.json()["errors"]) == ["reasons"]
    done = first.post(path(application, "reject"), {"reasons": "Nicht tragfähig."}, format="json")
    assert done.status_code == 202
    assert done.json()["outcome"] == "reject"


def test_approval_terms_are_checked_as_in_the_boards_form(deciding):
    application, first, _second = deciding
    response = first.post(
        path(application, "approve"),
        {"instrument": "loan", "loan_term_months": None, "interest_rate": "9.00"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"loan_term_months", "interest_rate"}
    too_much = first.post(path(application, "approve"), {"amount": "70000.00"}, format="json")
    assert too_much.status_code == 422
    assert list(too_much.json()["errors"]) == ["amount"]
    assert not Decision.objects.exists()


def test_the_objection_closes_the_proposal(deciding):
    application, first, second = deciding
    decision = first.post(path(application, "approve"), {}, format="json").json()
    url = f"/api/v1/decisions/{decision['id']}/object/"
    assert second.post(url, {"note": " "}, format="json").status_code == 422
    objected = second.post(url, {"note": "Der Betrag ist zu hoch."}, format="json")
    assert objected.status_code == 200
    assert objected.json()["status"] == "objected"
    assert objected.json()["closing_note"] == "Der Betrag ist zu hoch."
    # a new proposal can be made
    assert (
        second.post(path(application, "approve"), {"amount": "50000.00"}, format="json").status_code
        == 202
    )


def test_without_four_eyes_the_decision_takes_effect_at_once():
    application = states.awaiting_decision()
    application.programme.four_eyes = False
    application.programme.save()
    (member,) = states.deciding_board(application, count=1)
    response = client_for(member).post(path(application, "approve"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    application.refresh_from_db()
    assert application.state == State.APPROVED


def test_only_board_members_who_declared_no_conflict_decide(deciding):
    application, _first, _second = deciding
    undeclared = client_for(factories.board_member())
    assert undeclared.post(path(application, "approve"), {}, format="json").status_code == 403
    office = client_for(factories.coordinator())
    assert office.post(path(application, "approve"), {}, format="json").status_code == 403
    company = client_for(application.created_by)
    assert company.post(path(application, "approve"), {}, format="json").status_code == 403


def test_the_board_sees_nothing_before_awaiting_decision():
    application = states.submitted()
    board = client_for(factories.board_member())
    assert board.post(path(application, "approve"), {}, format="json").status_code == 404


def test_the_decision_is_read_by_deciding_board_members_only(deciding):
    application, first, second = deciding
    decision = first.post(path(application, "approve"), {}, format="json").json()
    url = f"/api/v1/decisions/{decision['id']}/"
    assert second.get(url).json()["id"] == decision["id"]
    assert client_for(factories.board_member()).get(url).status_code == 404  # not declared
    assert client_for(application.created_by).get(url).status_code == 404
    assert client_for(factories.applicant()).get(url).status_code == 404
    assert (
        client_for(factories.board_member()).post(f"{url}confirm/", {}, format="json").status_code
        == 403
    )


def test_a_retried_proposal_is_not_made_twice(deciding):
    application, first, _second = deciding
    one = first.post(path(application, "approve"), {}, format="json", HTTP_IDEMPOTENCY_KEY="a")
    two = first.post(path(application, "approve"), {}, format="json", HTTP_IDEMPOTENCY_KEY="a")
    assert one.status_code == two.status_code == 202
    assert one.json() == two.json()
    assert Decision.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
