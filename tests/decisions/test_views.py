"""The board's pages: who may open them, and the four-eyes decision through the test client.

Expected texts are computed with the German catalogue active (the site's default language), so
the tests hold before and after the translations are merged.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from applications import checks, services
from applications.models import State
from decisions import services as decision_services
from decisions import views
from decisions.models import Decision, DecisionLetter
from funding.models import AccessLog, Programme
from funding.templatetags.money import money
from reviews import services as review_services
from tests import factories, states

pytestmark = pytest.mark.django_db


def german(msgid, **values):
    """The text as the page shows it (German catalogue, HTML-escaped)."""
    with translation.override("de"):
        text = gettext(msgid)
        text = text % values if values else text
    return escape(text)


def euro(amount):
    with translation.override("de"):
        return checks.euro(Decimal(amount))


# As a German board member types it (the site's default language).
APPROVE = {
    "outcome": "approve",
    "amount": "50.000,00",
    "instrument": "loan",
    "loan_term_months": "84",
    "interest_rate": "1,5",
    "grace_period_months": "12",
    "conditions": "Jährlicher Verwendungsnachweis bis 31. März.",
    "reasons": "",
}


def awaiting_with_board_reviewer(**kwargs):
    """An application awaiting a decision that a board member reviewed (and one other expert)."""
    application = states.submitted(**kwargs)
    coordinator = factories.coordinator()
    board_reviewer = factories.UserFactory(groups=["board", "reviewers"])
    expert = factories.reviewer()
    for user in (board_reviewer, expert):
        review_services.assign_reviewer(coordinator, application, user)
    application = review_services.start_review(coordinator, application)
    for user in (board_reviewer, expert):
        states.review(user, application)
    application.refresh_from_db()
    assert application.state == State.AWAITING_DECISION
    return application, {
        "coordinator": coordinator,
        "reviewer": expert,
        "board_reviewer": board_reviewer,
    }


@pytest.fixture
def world():
    application, users = awaiting_with_board_reviewer()
    users["applicant"] = application.created_by
    users["board"] = factories.board_member(first_name="Carla", last_name="Zweit")
    users["proposer"] = factories.board_member(first_name="Bernd", last_name="Erst")
    # Both declared no conflict of interest (tests/decisions/test_board_conflicts.py: before).
    states.board_declares(users["board"], application)
    states.board_declares(users["proposer"], application)
    users["anonymous"] = None
    return application, users


def client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


def propose(application, proposer, **overrides):
    data = {"amount": application.requested_amount, "conditions": "Auflage A", **overrides}
    return decision_services.propose_decision(proposer, application, "approve", **data)


# ----- access ---------------------------------------------------------------------------------

ROLES_GET = [
    ("anonymous", 302),
    ("applicant", 403),
    ("coordinator", 403),
    ("reviewer", 403),
    ("board", 200),
    ("board_reviewer", 200),
]


@pytest.mark.parametrize(("role", "expected"), ROLES_GET)
def test_queue_access(client, world, role, expected):
    _application, users = world
    response = client_for(client, users[role]).get(reverse("board-queue"))
    assert response.status_code == expected
    if expected == 302:
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("role", "expected"), ROLES_GET)
def test_decide_page_access(client, world, role, expected):
    application, users = world
    response = client_for(client, users[role]).get(reverse("board-decide", args=[application.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("applicant", 403),
        ("coordinator", 403),
        ("reviewer", 403),
        ("board", 302),
        ("board_reviewer", 403),
    ],
)
def test_propose_access(client, world, role, expected):
    application, users = world
    url = reverse("board-decide", args=[application.pk])
    response = client_for(client, users[role]).post(url, APPROVE)
    assert response.status_code == expected
    proposals = Decision.objects.filter(application=application)
    assert proposals.exists() is (expected == 302 and role != "anonymous")


@pytest.mark.parametrize("action", ["decision-confirm", "decision-object"])
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("applicant", 403),
        ("coordinator", 403),
        ("reviewer", 403),
        ("board", 302),
        ("board_reviewer", 403),
        ("proposer", 403),
    ],
)
def test_confirm_and_object_access(client, world, action, role, expected):
    application, users = world
    decision = propose(application, users["proposer"])
    response = client_for(client, users[role]).post(
        reverse(action, args=[decision.pk]), {"note": "Der Betrag ist zu hoch."}
    )
    assert response.status_code == expected
    decision.refresh_from_db()
    if role == "board":
        assert decision.status != Decision.Status.OPEN
    else:
        assert decision.status == Decision.Status.OPEN


def assert_identifies_only(html, application, reason):
    """The board's page names the application and why; nothing of its assessment."""
    assert application.reference in html
    assert escape(application.title) in html
    assert escape(application.organization.name) in html
    assert reason in html
    for hidden in ("Review summary", "Programme budget", "Key facts", "Open proposal"):
        assert german(hidden) not in html, hidden
    assert money(application.requested_amount) not in html


def test_board_member_who_reviewed_sees_only_what_identifies_it(client, world):
    application, users = world
    decision = propose(application, users["proposer"])
    response = client_for(client, users["board_reviewer"]).get(
        reverse("board-decide", args=[application.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    reason = german(
        "You were asked to review this application and therefore cannot read the board's "
        "documents on it or decide on it (separation of duties)."
    )
    assert_identifies_only(html, application, reason)
    assert "Auflage A" not in html  # the proposal is not shown
    assert users["reviewer"].get_full_name() not in html
    assert reverse("decision-confirm", args=[decision.pk]) not in html
    assert reverse("decision-object", args=[decision.pk]) not in html


def test_board_member_of_the_applicant_sees_only_what_identifies_it(client, world):
    application, users = world
    insider = factories.board_member()
    factories.MembershipFactory(user=insider, organization=application.organization)
    response = client_for(client, insider).get(reverse("board-decide", args=[application.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    reason = german(
        "You belong to the applicant organisation and therefore cannot read the board's "
        "documents on this application or decide on it (separation of duties)."
    )
    assert_identifies_only(html, application, reason)
    assert users["reviewer"].get_full_name() not in html


def test_the_queue_hides_the_assessment_from_conflicted_members(client, world):
    application, users = world
    propose(application, users["proposer"])
    client.force_login(users["board_reviewer"])
    html = client.get(reverse("board-queue")).content.decode()
    assert application.reference in html
    assert (
        german("You may neither read nor decide this application (separation of duties).") in html
    )
    amount = money(application.requested_amount)
    assert amount not in html
    assert "Erst" not in html  # the proposer's name
    client.force_login(users["board"])
    html = client.get(reverse("board-queue")).content.decode()
    assert amount in html
    assert "Erst" in html


def test_opening_the_board_page_is_logged(client, world):
    application, users = world
    client_for(client, users["board"]).get(reverse("board-decide", args=[application.pk]))
    client_for(client, users["board_reviewer"]).get(reverse("board-decide", args=[application.pk]))
    rows = list(AccessLog.objects.values_list("user_id", "action", "reference"))
    assert rows == [(users["board"].pk, "view", application.reference)]


def test_applications_the_board_may_not_see_answer_404(client, world):
    _application, users = world
    in_review = states.in_review_application()
    client.force_login(users["board"])
    assert client.get(reverse("board-decide", args=[in_review.pk])).status_code == 404
    assert client.post(reverse("board-decide", args=[in_review.pk]), APPROVE).status_code == 404
    assert client.get(reverse("board-decide", args=[999_999])).status_code == 404
    assert client.post(reverse("decision-confirm", args=[999_999])).status_code == 404


def test_a_proposal_of_a_returned_application_answers_404(client, world):
    application, users = world
    decision = propose(application, users["proposer"])
    services.return_for_revision(
        users["board"],
        application,
        "Bitte Finanzplan ergänzen.",
        datetime.date.today() + datetime.timedelta(days=14),
    )
    client.force_login(users["board"])
    assert client.post(reverse("decision-confirm", args=[decision.pk])).status_code == 404
    note = {"note": "x"}
    assert client.post(reverse("decision-object", args=[decision.pk]), note).status_code == 404


def test_confirm_and_object_accept_only_post(client, world):
    application, users = world
    decision = propose(application, users["proposer"])
    client.force_login(users["board"])
    assert client.get(reverse("decision-confirm", args=[decision.pk])).status_code == 405
    assert client.get(reverse("decision-object", args=[decision.pk])).status_code == 405


# ----- the four-eyes flow -------------------------------------------------------------------------


def test_four_eyes_propose_then_confirm(client, world):
    application, users = world
    first, second = users["proposer"], users["board"]
    decide_url = reverse("board-decide", args=[application.pk])

    page = client_for(client, first).get(decide_url)
    html = page.content.decode()
    # the amount is prefilled with the requested amount, and the terms, in German format
    assert 'name="amount" value="60.000,00"' in html
    assert 'value="84"' in html and 'name="interest_rate" value="1,5"' in html
    assert reverse("application-return", args=[application.pk]) in html

    response = client.post(decide_url, APPROVE)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == State.AWAITING_DECISION
    decision = Decision.objects.get(application=application)
    assert decision.status == Decision.Status.OPEN
    assert decision.amount == Decimal("50000.00")
    assert decision.conditions == APPROVE["conditions"]
    assert (decision.loan_term_months, decision.interest_rate) == (84, Decimal("1.50"))

    own = client.get(reverse("board-queue")).content.decode()
    assert german("your proposal — awaiting a second member") in own
    waiting = client.get(decide_url).content.decode()
    assert (
        german("This is your proposal. It is waiting for a second board member to confirm it.")
        in waiting
    )
    assert reverse("decision-confirm", args=[decision.pk]) not in waiting
    assert client.post(reverse("decision-confirm", args=[decision.pk])).status_code == 403

    client.force_login(second)
    queue = client.get(reverse("board-queue")).content.decode()
    assert german("proposed by %(name)s — awaiting your confirmation", name="Bernd Erst") in queue
    page = client.get(decide_url).content.decode()
    assert reverse("decision-confirm", args=[decision.pk]) in page
    assert reverse("decision-object", args=[decision.pk]) in page

    response = client.post(reverse("decision-confirm", args=[decision.pk]))
    assert response.status_code == 302
    application.refresh_from_db()
    decision.refresh_from_db()
    assert application.state == State.APPROVED
    assert (decision.status, decision.confirmed_by) == (Decision.Status.CONFIRMED, second)
    assert DecisionLetter.objects.filter(application=application, decision=decision).count() == 1

    # Confirming it again: the proposal is no longer open.
    again = client.post(reverse("decision-confirm", args=[decision.pk]))
    assert again.status_code == 409
    assert german("This proposal is no longer open.") in again.content.decode()
    # The decided application still reads, without forms.
    done = client.get(decide_url).content.decode()
    assert german("The board has decided this application.") in done
    assert "<textarea" not in done


def test_object_needs_a_note_and_closes_the_proposal(client, world):
    application, users = world
    decision = propose(application, users["proposer"])
    client.force_login(users["board"])
    url = reverse("decision-object", args=[decision.pk])

    refused = client.post(url, {"note": "   "})
    assert refused.status_code == 422
    assert german("Please say why you object.") in refused.content.decode()
    decision.refresh_from_db()
    assert decision.status == Decision.Status.OPEN

    response = client.post(url, {"note": "Die Auflagen reichen nicht aus."})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == Decision.Status.OBJECTED
    assert decision.closing_note == "Die Auflagen reichen nicht aus."
    application.refresh_from_db()
    assert application.state == State.AWAITING_DECISION
    # A new proposal can be made now.
    page = client.get(reverse("board-decide", args=[application.pk])).content.decode()
    assert 'name="outcome"' in page
    assert client.post(url, {"note": "nochmal"}).status_code == 409


def test_reject_without_reasons_keeps_what_was_typed(client, world):
    application, users = world
    client.force_login(users["board"])
    data = {**APPROVE, "outcome": "reject", "conditions": "Meine getippte Auflage", "reasons": ""}
    response = client.post(reverse("board-decide", args=[application.pk]), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert german("Please give reasons.") in html
    assert 'id="id_reasons_error"' in html  # beside the reasons field
    assert "Meine getippte Auflage" in html
    assert not Decision.objects.filter(application=application).exists()


def test_amount_above_requested_is_refused_beside_the_amount(client, world):
    application, users = world
    client.force_login(users["board"])
    data = {**APPROVE, "amount": "70000"}
    response = client.post(reverse("board-decide", args=[application.pk]), data)
    html = response.content.decode()
    assert response.status_code == 422
    message = german(
        "The granted amount may not exceed the requested amount of %(amount)s.",
        amount=euro("60000.00"),
    )
    assert message in html
    assert "60.000,00" in html  # German number format
    assert 'id="id_amount_error"' in html
    assert 'value="70000"' in html  # the typed value is kept
    assert APPROVE["conditions"] in html
    assert not Decision.objects.filter(application=application).exists()


def test_amount_above_remaining_budget_is_refused(client, world):
    application, users = world
    Programme.objects.filter(pk=application.programme_id).update(budget=Decimal("40000"))
    client.force_login(users["board"])
    response = client.post(reverse("board-decide", args=[application.pk]), APPROVE)
    assert response.status_code == 422
    message = german(
        "The granted amount exceeds the remaining budget of %(amount)s.", amount=euro("40000")
    )
    assert message in response.content.decode()


def test_confirm_is_refused_when_the_budget_no_longer_suffices(client, world):
    application, users = world
    decision = propose(application, users["proposer"])
    Programme.objects.filter(pk=application.programme_id).update(budget=Decimal("30000"))
    client.force_login(users["board"])
    response = client.post(reverse("decision-confirm", args=[decision.pk]))
    assert response.status_code == 422
    message = german(
        "The granted amount exceeds the remaining budget of %(amount)s.", amount=euro("30000")
    )
    assert message in response.content.decode()
    decision.refresh_from_db()
    application.refresh_from_db()
    assert (decision.status, application.state) == (Decision.Status.OPEN, State.AWAITING_DECISION)


def test_invalid_input_answers_400(client, world):
    application, users = world
    client.force_login(users["board"])
    url = reverse("board-decide", args=[application.pk])
    assert client.post(url, {**APPROVE, "outcome": "maybe"}).status_code == 400
    assert client.post(url, {**APPROVE, "amount": "viel"}).status_code == 400
    assert client.post(url, {**APPROVE, "loan_term_months": ""}).status_code == 400
    assert not Decision.objects.filter(application=application).exists()


def test_a_second_proposal_while_one_is_open_is_a_conflict(client, world):
    application, users = world
    propose(application, users["proposer"])
    client.force_login(users["board"])
    response = client.post(reverse("board-decide", args=[application.pk]), APPROVE)
    assert response.status_code == 409
    assert APPROVE["conditions"] in response.content.decode()
    assert Decision.objects.filter(application=application).count() == 1


def test_deciding_a_decided_application_is_a_conflict(client):
    application = states.awaiting_decision()
    board = factories.board_member()
    states.board_declares(board, application)
    first, second = states.deciding_board(application)
    proposal = decision_services.propose_decision(first, application, "reject", reasons="Nein.")
    decision_services.confirm_decision(second, proposal)
    client.force_login(board)
    response = client.post(reverse("board-decide", args=[application.pk]), APPROVE)
    assert response.status_code == 409


def test_without_four_eyes_the_decision_takes_effect_at_once(client):
    application = states.awaiting_decision(programme=factories.ProgrammeFactory(four_eyes=False))
    board = factories.board_member()
    states.board_declares(board, application)
    client.force_login(board)
    url = reverse("board-decide", args=[application.pk])
    page = client.get(url).content.decode()
    assert (
        german(
            "Four-eyes decisions are switched off for this programme: your decision takes effect "
            "at once and the decision letter is sent to the company."
        )
        in page
    )
    response = client.post(
        url, {"outcome": "reject", "reasons": "Die Finanzierung ist nicht gesichert."}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == State.REJECTED
    decision = Decision.objects.get(application=application)
    assert (decision.status, decision.confirmed_by) == (Decision.Status.CONFIRMED, board)
    assert DecisionLetter.objects.filter(decision=decision).exists()


def test_decide_page_shows_facts_budget_and_reviews(client, world):
    application, users = world
    states.approved(amount=Decimal("10000"), programme=application.programme)
    client.force_login(users["board"])
    html = client.get(reverse("board-decide", args=[application.pk])).content.decode()
    assert "60.000,00" in html  # requested amount
    assert "100.000,00" in html  # eligible investment
    assert "990.000,00" in html  # remaining budget: 1,000,000 − 10,000 granted
    assert "25,0" in html  # own contribution share
    assert "40,0" in html  # severely disabled share (8 of 20)
    for user in (users["board_reviewer"], users["reviewer"]):
        assert escape(user.get_full_name()) in html
    # each review's total: the weighted mean (4+5+4+3+4) / 5
    assert "4,0 / 5".replace(" ", "&nbsp;") in html


def test_queue_pages_keep_the_longest_waiting_first(client, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    first, second = states.awaiting_decision(), states.awaiting_decision()
    client.force_login(factories.board_member())
    page_one = client.get(reverse("board-queue"))
    page_two = client.get(reverse("board-queue"), {"after": page_one.context["page"].next})
    assert [row.pk for row in page_one.context["page"]] == [first.pk]
    assert [row.pk for row in page_two.context["page"]] == [second.pk]
    assert page_two.context["page"].rows[0].reviews_count == 2
    assert page_two.context["page"].next is None
    last = client.get(reverse("board-queue"), {"page": "last"})
    assert [row.pk for row in last.context["page"]] == [second.pk]
