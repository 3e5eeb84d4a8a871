"""The application's page: the step bar from the state machine, what happens next, the
decision's outcome first, and review rounds numbered as people count them."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from applications import progress, services
from reviews import services as review_services
from tests import factories, states

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2026, 11, 16, 10, 0, tzinfo=BERLIN)
LABELS_EN = ["Draft", "Submitted", "Expert review", "Decision", "Letter"]
LABELS_DE = ["Entwurf", "Eingereicht", "Begutachtung", "Entscheidung", "Bescheid"]
D, C, U, S, N = "done", "current", "upcoming", "stopped", "not_reached"

# state → (the steps' statuses, the note of the current step)
EXPECTED = {
    "draft": ([C, U, U, U, U], ""),
    "submitted": ([D, C, U, U, U], ""),
    "returned": ([C, U, U, U, U], "Returned for revision"),
    "in_review": ([D, D, C, U, U], "Round 1"),
    "awaiting_decision": ([D, D, D, C, U], ""),
    "approved": ([D, D, D, D, C], "Approved"),
    "rejected": ([D, D, D, D, C], "Rejected"),
    "withdrawn": ([D, S, N, N, N], "Withdrawn"),  # withdrawn while submitted
}


@pytest.fixture(autouse=True)
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def detail(client, application, language="en"):
    response = client.get(
        reverse("application-detail", args=[application.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    return response.content.decode()


def step_bar(page):
    return page[page.index('<ol class="steps"') : page.index("</ol>", page.index('class="steps"'))]


# ----- derived from the state machine ------------------------------------------------------------


def test_the_main_line_is_derived_from_the_state_machine():
    assert progress.main_line() == (
        "draft",
        "submitted",
        "in_review",
        "awaiting_decision",
        "approved",
    )
    assert progress.outcomes() == ("approved", "rejected")
    assert progress.step_index() == {
        "draft": 0,
        "returned": 0,  # it leads back to "submitted": the company revises its draft
        "submitted": 1,
        "in_review": 2,
        "awaiting_decision": 3,
        "approved": 4,
        "rejected": 4,
    }


@pytest.mark.parametrize("state", sorted(states.REACH))
def test_each_state_has_its_steps(state):
    application = states.reach(state)
    assert application.state == state
    statuses, note = EXPECTED[state]
    with translation.override("en"):
        steps = progress.steps(application)
        assert [str(step.label) for step in steps] == LABELS_EN
        assert [step.status for step in steps] == statuses
        assert [str(step.note) for step in steps if step.note] == ([note] if note else [])
        assert [step.current for step in steps].count(True) == 1


@pytest.mark.parametrize("state", sorted(states.REACH))
def test_the_page_shows_the_step_bar_as_an_ordered_list(client, state):
    application = states.reach(state)
    client.force_login(application.created_by)
    bar = step_bar(detail(client, application))
    statuses, note = EXPECTED[state]
    items = re.findall(r'<li class="step step-(\w+)"( aria-current="step")?>', bar)
    assert [status for status, _current in items] == statuses
    assert [bool(current) for _status, current in items] == [s in (C, S) for s in statuses]
    texts = {D: "done", C: "current step", U: "to come", S: "ended here", N: "not reached"}
    for label, status in zip(LABELS_EN, statuses, strict=True):
        assert (
            f'<span class="step-label">{label}</span>\n'
            f'    <span class="step-status">{texts[status]}</span>'
        ) in bar
    if note:
        assert f'<span class="step-note">{note}</span>' in bar


def test_the_step_bar_in_german(client):
    application = states.submitted()
    client.force_login(application.created_by)
    bar = step_bar(detail(client, application, "de"))
    assert re.findall(r'<span class="step-label">([^<]+)</span>', bar) == LABELS_DE
    assert 'aria-current="step">\n    <span class="step-label">Eingereicht</span>' in bar


def test_a_withdrawn_draft_ended_at_the_first_step():
    application = states.draft()
    services.withdraw(application.created_by, application, "Nicht mehr nötig.")
    application.refresh_from_db()
    steps = progress.steps(application)
    assert [step.status for step in steps] == [S, N, N, N, N]


def test_a_return_after_the_review_goes_back_to_the_first_step():
    application = states.awaiting_decision()
    deadline = datetime.date(2026, 12, 1)
    (member,) = states.deciding_board(application, count=1)  # the board returns it
    services.return_for_revision(member, application, "Bitte ergänzen.", deadline)
    application.refresh_from_db()
    assert [step.status for step in progress.steps(application)] == [C, U, U, U, U]


# ----- what happens next -------------------------------------------------------------------------

SUBMITTED_NEXT_EN = (
    "The coordination office checks that your application is complete. Experts then review "
    "it, and after their review the board decides. We will tell you by mail when the review "
    "starts; the board&#x27;s decision follows as a letter by mail. If anything is missing, we "
    "will return the application to you with a deadline."
)


def test_after_submitting_the_company_reads_what_happens_next(client):
    application = states.submitted()
    client.force_login(application.created_by)
    page = detail(client, application)
    box = page[page.index('<section class="notice next-steps"') :]
    assert box.startswith(
        '<section class="notice next-steps" aria-labelledby="next-steps-heading">\n'
        '  <h2 id="next-steps-heading">What happens next</h2>\n'
        f"  <p>{SUBMITTED_NEXT_EN}</p>\n</section>"
    )
    german = detail(client, application, "de")
    assert '<h2 id="next-steps-heading">Wie es weitergeht</h2>' in german
    assert "Die Koordinierungsstelle prüft, ob Ihr Antrag vollständig ist." in german


@pytest.mark.parametrize("state", ["draft", "returned", "in_review", "awaiting_decision"])
def test_each_open_state_says_what_happens_next(client, state):
    application = states.reach(state)
    client.force_login(application.created_by)
    page = detail(client, application)
    assert f"<p>{progress.NEXT_STEPS[state]}</p>".replace("'", "&#x27;") in page


def test_the_office_gets_no_next_steps_box(client):
    application = states.submitted()
    client.force_login(factories.coordinator())
    page = detail(client, application)
    assert "next-steps" not in page
    assert 'aria-current="step"' in page


# ----- the outcome, first on the page ------------------------------------------------------------


@pytest.fixture
def approved(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the letter is rendered and sent
        application = states.approved()
    return application


def outcome(page):
    start = page.index('<section class="card outcome')
    return page[start : page.index("</section>", start) + len("</section>")]


def test_the_company_reads_the_approval_first(client, approved):
    letter = approved.letters.get()
    client.force_login(approved.created_by)
    page = detail(client, approved)
    box = outcome(page)
    assert page.index('id="outcome"') < page.index('class="steps"') < page.index('id="company"')
    assert '<h2 id="outcome-heading">Your application has been approved</h2>' in box
    assert "<p>The board decided on 16/11/2026.</p>" in box
    assert "<dt>Granted amount</dt><dd><strong>60,000.00&nbsp;€</strong></dd>" in box
    assert "<dt>Instrument</dt><dd>Loan</dd>" in box
    assert "<dt>Term</dt><dd>84 months</dd>" in box
    assert "<dt>Interest rate</dt><dd>1.5&nbsp;% p.a.</dd>" in box
    assert "<dt>Grace period</dt><dd>12 months</dd>" in box
    assert "<dt>Conditions</dt><dd>Jährlicher Verwendungsnachweis.</dd>" in box
    download = reverse("letter-download", args=[approved.pk, letter.pk])
    assert (
        f'<a class="button" href="{download}">Download the decision letter (PDF)</a> '
        "The letter was sent by mail on 16/11/2026."
    ) in box
    assert "governed by the loan agreement, which the coordination office sends separately" in box
    assert "Reasons" not in box


def test_the_approval_in_german(client, approved):
    client.force_login(approved.created_by)
    box = outcome(detail(client, approved, "de"))
    assert "<dt>Bewilligter Betrag</dt><dd><strong>60.000,00&nbsp;€</strong></dd>" in box
    assert "<dt>Förderinstrument</dt><dd>Darlehen</dd>" in box
    assert "<dt>Laufzeit</dt><dd>84 Monate</dd>" in box
    assert "<dt>Zinssatz</dt><dd>1,5&nbsp;% p. a.</dd>" in box
    assert "<dt>Auflagen</dt><dd>Jährlicher Verwendungsnachweis.</dd>" in box
    assert "<h3>Wie es weitergeht</h3>" in box
    assert "16.11.2026" in box


def test_the_company_reads_the_rejection_first(client):
    application = states.rejected()  # its letter still waits for the worker
    client.force_login(application.created_by)
    page = detail(client, application)
    box = outcome(page)
    assert page.index('id="outcome"') < page.index('class="steps"')
    assert '<h2 id="outcome-heading">Your application has been rejected</h2>' in box
    assert "<dt>Reasons</dt><dd>Die Finanzierung ist nicht gesichert.</dd>" in box
    assert "Granted amount" not in box
    assert (
        "The decision letter is being prepared. It will be sent by mail and can then be "
        "downloaded here."
    ) in box
    assert "A new application can be submitted if the circumstances have changed." in box
    german = outcome(detail(client, application, "de"))
    assert "<dt>Begründung</dt><dd>Die Finanzierung ist nicht gesichert.</dd>" in german


def test_the_office_sees_the_outcome_in_neutral_words(client, approved):
    client.force_login(factories.coordinator())
    box = outcome(detail(client, approved))
    assert '<h2 id="outcome-heading">The application has been approved</h2>' in box


def test_a_reviewer_sees_no_outcome(client, approved):
    reviewer = approved.assignments.first().reviewer
    client.force_login(reviewer)
    assert 'id="outcome"' not in detail(client, approved)


def test_no_outcome_before_the_decision(client):
    application = states.awaiting_decision()
    client.force_login(application.created_by)
    assert 'id="outcome"' not in detail(client, application)


# ----- review rounds as people count them ---------------------------------------------------------


def returned_before_the_review():
    """Submitted, reviewers assigned, returned before the review started, submitted again."""
    application, coordinator, _reviewers = states.with_reviewers()
    deadline = datetime.date(2026, 12, 1)
    services.return_for_revision(coordinator, application, "Bitte ergänzen.", deadline)
    application.refresh_from_db()
    services.submit(application.created_by, application, states.DECLARATIONS)
    application.refresh_from_db()
    return application, coordinator


def test_the_first_review_round_after_a_return_is_round_1(client):
    application, coordinator = returned_before_the_review()
    assert application.submission_count == 2
    states.with_reviewers(application=application)
    review_services.start_review(coordinator, application)
    application.refresh_from_db()
    assert progress.review_rounds(application).number(2) == 1
    client.force_login(coordinator)
    page = client.get(
        reverse("review-round", args=[application.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "<dt>Round</dt><dd>1</dd>" in page
    german = client.get(
        reverse("review-round", args=[application.pk]), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    assert "<dt>Runde</dt><dd>1</dd>" in german
    bar = step_bar(detail(client, application))
    assert '<span class="step-note">Round 1</span>' in bar


def test_a_second_review_round_is_round_2():
    application = states.awaiting_decision()
    (member,) = states.deciding_board(application, count=1)  # the board returns it
    deadline = NOW.date() + datetime.timedelta(days=10)
    services.return_for_revision(member, application, "Bitte ergänzen.", deadline)
    application.refresh_from_db()
    services.submit(application.created_by, application, states.DECLARATIONS)
    states.in_review(application=application)
    application.refresh_from_db()
    rounds = progress.review_rounds(application)
    assert (application.submission_count, rounds.number(1), rounds.number(2)) == (2, 1, 2)


def test_a_round_prepared_but_returned_shares_the_next_rounds_number():
    application, _coordinator = returned_before_the_review()
    rounds = progress.review_rounds(application)
    assert (rounds.number(1), rounds.number(2)) == (1, 1)


def test_the_reviewers_page_numbers_the_round_as_people_count(client):
    application, coordinator = returned_before_the_review()
    _application, _office, reviewers = states.with_reviewers(application=application)
    review_services.start_review(coordinator, application)
    application.refresh_from_db()
    states.review(reviewers[0], application)
    assignment = application.assignments.get(reviewer=reviewers[0], round=2)
    client.force_login(reviewers[0])
    page = client.get(
        reverse("assignment-detail", args=[assignment.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    declarations = page[page.index("<caption") : page.index("</table>", page.index("<caption"))]
    assert re.findall(r"<td>(\d+)</td>", declarations) == ["1"]


def test_without_a_log_the_stored_number_stays():
    assert progress.ReviewRounds([]).number(3) == 3


def test_one_submission_needs_no_log(django_assert_num_queries):
    application = states.in_review_application()
    with django_assert_num_queries(0):
        assert progress.review_rounds(application).number(1) == 1
        assert progress.steps(application)[2].status == C
    withdrawn = states.withdrawn()
    with django_assert_num_queries(1):  # where it left the main line
        assert [step.status for step in progress.steps(withdrawn)][:2] == [D, S]
