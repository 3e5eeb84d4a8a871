"""The start page answers "what must I do now?" for each role: each count links to a list
filtered to exactly the items counted, and the page keeps a constant number of queries."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications import extensions
from applications import services as application_services
from applications.filters import ApplicationFilter
from applications.models import Application
from decisions import panels as decision_panels
from decisions import services as decision_services
from decisions.models import DecisionLetter
from funding.models import Membership
from reviews import panels as review_panels
from reviews import selectors as review_selectors
from reviews import services as review_services
from reviews.models import Assignment
from tests import factories, states

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# The old things happen at THEN; the page is read at NOW, 45 days later: past every review
# period (28 days), return deadline (14 days) and the decision's escalation (35 days).
THEN = datetime.datetime(2026, 10, 1, 10, 0, tzinfo=BERLIN)
NOW = datetime.datetime(2026, 11, 15, 10, 0, tzinfo=BERLIN)
LIST = reverse("application-list")
HOME = reverse("home")


def anchor(href):
    return f'<a class="card" href="{href}">'


def card(href, count):
    """The start of a card on the start page: its link and its count."""
    return f'{anchor(href)}<span class="count">{count}</span>'


def cards(page):
    """{href: count} of every card on the page."""
    found = re.findall(r'<a class="card" href="([^"]+)"><span class="count">(\d+)</span>', page)
    return {href.replace("&amp;", "&"): int(count) for href, count in found}


def listed(client, href):
    """The ids of the applications the list shows at ``href`` (one page is enough here)."""
    response = client.get(href)
    assert response.status_code == 200
    return {row.pk for row in response.context["page"]}


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


# ----- the coordination office -------------------------------------------------------------------


def office_world():
    """Applications in every situation the office's cards count, old ones made at THEN."""
    with time_machine.travel(THEN, tick=False):
        returned_late = states.returned()
        overdue = states.in_review_application()
        waiting_long = states.awaiting_decision()
    with time_machine.travel(NOW, tick=False):
        world = {
            "submitted": states.with_reviewers_application(),
            "returned_late": returned_late,
            "returned_in_time": states.returned(),
            "overdue": overdue,
            "in_review": states.in_review_application(),
            "waiting_long": waiting_long,
            "waiting": states.awaiting_decision(),
            "unsent": states.approved(),  # its letter waits for the worker
            "failed": states.rejected(),
        }
    letter = world["failed"].letters.get()
    DecisionLetter.objects.filter(pk=letter.pk).update(status=DecisionLetter.Status.FAILED)
    return world


OFFICE_CARDS = {
    f"{LIST}?state=submitted": ["submitted"],
    f"{LIST}?returned=overdue": ["returned_late"],
    f"{LIST}?overdue=reviews": ["overdue"],
    f"{LIST}?waiting=long": ["waiting_long"],
    f"{LIST}?letters=unsent": ["unsent", "failed"],
    f"{LIST}?letters=attention": ["failed"],
    f"{LIST}?state=in_review": ["overdue", "in_review"],
    f"{LIST}?state=awaiting_decision": ["waiting_long", "waiting"],
}


def test_the_office_cards_count_and_link_to_exactly_those_applications(client, at_now):
    world = office_world()
    client.force_login(factories.coordinator())
    page = client.get(HOME).content.decode()
    found = cards(page)
    for href, names in OFFICE_CARDS.items():
        assert found[href] == len(names), href
        assert listed(client, href) == {world[name].pk for name in names}, href


def test_the_office_panel_leads_with_what_to_do(client, at_now):
    office_world()
    client.force_login(factories.coordinator())
    page = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    panel = page[page.index('id="panel-coordinator"') :]
    todo, overview = panel.index("What to do now"), panel.index("Where things stand")
    for href in list(OFFICE_CARDS)[:6]:
        assert todo < panel.index(anchor(href)) < overview, href
    for href in list(OFFICE_CARDS)[6:]:
        assert panel.index(anchor(href)) > overview, href
    assert '<li class="due">' + card(f"{LIST}?returned=overdue", 1) in panel


def test_a_return_on_its_deadline_day_is_not_yet_overdue(client):
    with time_machine.travel(THEN, tick=False):
        application = states.returned()
    deadline = application.return_deadline
    client.force_login(factories.coordinator())
    with time_machine.travel(datetime.datetime.combine(deadline, datetime.time(23, 0), BERLIN)):
        assert cards(client.get(HOME).content.decode())[f"{LIST}?returned=overdue"] == 0
    after = datetime.datetime.combine(deadline, datetime.time(0, 30), BERLIN)
    with time_machine.travel(after + datetime.timedelta(days=1)):
        assert cards(client.get(HOME).content.decode())[f"{LIST}?returned=overdue"] == 1
        assert listed(client, f"{LIST}?returned=overdue") == {application.pk}


def test_waiting_too_long_follows_the_programmes_escalation_offset(client, at_now):
    world = office_world()
    programme = world["waiting_long"].programme
    programme.reminder_days = {"decision_escalate": 60}
    programme.save(update_fields=["reminder_days"])
    client.force_login(factories.coordinator())
    assert cards(client.get(HOME).content.decode())[f"{LIST}?waiting=long"] == 0
    assert listed(client, f"{LIST}?waiting=long") == set()
    programme.reminder_days = {"decision_escalate": 45}  # waiting since 45 calendar days
    programme.save(update_fields=["reminder_days"])
    assert listed(client, f"{LIST}?waiting=long") == {world["waiting_long"].pk}


def test_the_office_still_links_each_letter_in_trouble(client, at_now):
    world = office_world()
    letter = world["failed"].letters.get()
    client.force_login(factories.coordinator())
    page = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    label = f"Letter 1 of {world['failed'].reference} could not be rendered"
    url = reverse("application-detail", args=[letter.application_id]) + "#letters"
    assert f'<a class="button" href="{url}">{label}</a>' in page


# ----- the list's registered filters ------------------------------------------------------------


def filter_names(user):
    request = RequestFactory().get(LIST)
    request.user = user
    return list(ApplicationFilter(None, Application.objects.all(), request=request).filters)


def test_the_list_offers_the_office_filters_to_the_office_only():
    office = ["q", "state", "programme", "stage", "returned", "overdue", "letters", "waiting"]
    assert filter_names(factories.coordinator()) == office
    assert filter_names(factories.applicant()) == ["q", "state", "programme", "stage", "returned"]


def test_the_registered_filters_are_those_of_the_later_steps():
    assert [item.name for item in extensions.list_filters()] == ["overdue", "letters", "waiting"]
    assert review_panels.LIST_FILTER in extensions.list_filters()
    assert all(item in extensions.list_filters() for item in decision_panels.LIST_FILTERS)


def test_an_unknown_filter_value_shows_the_whole_list(client, at_now):
    office_world()
    client.force_login(factories.coordinator())
    assert len(listed(client, f"{LIST}?letters=lost")) == Application.objects.count()


# ----- the reviewer ------------------------------------------------------------------------------


def reviewer_world(reviewer):
    """Assignments of ``reviewer``: one to declare on (not started), one to write, one to write
    and overdue, one overdue still to declare on, one done, one recused."""
    coordinator = factories.coordinator()

    def assigned(application):
        review_services.assign_reviewer(coordinator, application, reviewer)
        return application.assignments.get(reviewer=reviewer)

    def started(count=2):
        application, office, _reviewers = states.with_reviewers(count=count)
        mine = assigned(application)
        review_services.start_review(office, application)
        mine.refresh_from_db()
        return mine

    with time_machine.travel(THEN, tick=False):
        late_declared = started()
        review_services.declare_conflict(reviewer, late_declared, has_conflict=False)
        late_undeclared = started()
    with time_machine.travel(NOW, tick=False):
        world = {
            "not_started": assigned(states.submitted()),
            "to_write": started(),
            "late_declared": late_declared,
            "late_undeclared": late_undeclared,
            "recused": started(),
        }
        review_services.declare_conflict(reviewer, world["to_write"], has_conflict=False)
        review_services.declare_conflict(reviewer, world["recused"], kind="business", note="Kunde")
        done = started(count=1)
        states.review(reviewer, done.application)
    return world


REVIEWER_TODO = {
    "declare": ["not_started", "late_undeclared"],
    "write": ["to_write", "late_declared"],
    "overdue": ["late_declared", "late_undeclared"],
}


def test_the_reviewer_counts_link_to_exactly_those_assignments(client, at_now):
    reviewer = factories.reviewer()
    world = reviewer_world(reviewer)
    factories.reviewer()  # someone else's work counts for nobody here
    client.force_login(reviewer)
    found = cards(client.get(HOME).content.decode())
    url = reverse("review-list")
    for todo, names in REVIEWER_TODO.items():
        assert found[f"{url}?todo={todo}"] == len(names), todo
        rows = review_panels.reviewer_todo(review_selectors.own_assignments(reviewer), todo)
        assert {row.pk for row in rows} == {world[name].pk for name in names}, todo
        # the link opens the reviewer's list with exactly those assignments
        page = client.get(f"{url}?todo={todo}")
        listed = {row.pk for row in [*page.context["assignments"], *page.context["page"]]}
        assert listed == {world[name].pk for name in names}, todo
        assert f'<a href="{url}">' in page.content.decode()
    everything = review_selectors.own_assignments(reviewer)
    assert review_panels.reviewer_todo(everything, "bogus") is everything


def test_a_review_handed_in_leaves_the_reviewers_to_do(client, at_now):
    reviewer = factories.reviewer()
    world = reviewer_world(reviewer)
    review_services.submit_review(reviewer, world["to_write"], states.REVIEW)
    assert Assignment.objects.get(pk=world["to_write"].pk).status == Assignment.Status.DONE
    client.force_login(reviewer)
    assert cards(client.get(HOME).content.decode())[f"{reverse('review-list')}?todo=write"] == 1


# ----- the board ---------------------------------------------------------------------------------


def board_world(member):
    """Applications awaiting the decision in each situation a board member meets."""
    other = factories.board_member()
    world = {name: states.awaiting_decision() for name in ("declare", "decide", "confirm")}
    world.update({name: states.awaiting_decision() for name in ("own", "conflict", "member")})
    for name in ("decide", "confirm", "own"):
        states.board_declares(member, world[name])
    states.board_declares(member, world["conflict"], kind="business", note="Kunde")
    states.board_declares(other, world["confirm"])
    amount = world["confirm"].requested_amount
    decision_services.propose_decision(other, world["confirm"], "approve", amount=amount)
    decision_services.propose_decision(member, world["own"], "approve", amount=amount)
    Membership.objects.create(user=member, organization=world["member"].organization)
    return world


def test_the_board_counts_link_to_exactly_those_applications(client):
    member = factories.board_member()
    world = board_world(member)
    member = type(member).objects.get(pk=member.pk)  # roles are cached on the object
    client.force_login(member)
    found = cards(client.get(HOME).content.decode())
    queue = reverse("board-queue")
    assert found[queue] == 6
    for todo in decision_panels.BOARD_TODO:
        assert found[f"{queue}?todo={todo}"] == 1, todo
        rows = decision_panels.board_todo(Application.objects.all(), member, todo)
        assert {row.pk for row in rows} == {world[todo].pk}, todo
        # the link opens the board's queue with exactly that application
        page = client.get(f"{queue}?todo={todo}")
        assert [row.pk for row in page.context["page"]] == [world[todo].pk], todo
        assert f'<a href="{queue}">' in page.content.decode()
    everything = Application.objects.all()
    assert decision_panels.board_todo(everything, member, "bogus") is everything
    unfiltered = client.get(f"{queue}?todo=bogus")
    assert len(list(unfiltered.context["page"])) == 6


# ----- the company -------------------------------------------------------------------------------


def applicant_world():
    user = factories.applicant()
    organization = user.memberships.get().organization
    with time_machine.travel(NOW, tick=False):
        world = {
            "drafts": [factories.ApplicationFactory(organization=organization) for _ in range(2)],
            "returned": [states.returned(organization=organization)],
            "in_progress": [states.submitted(organization=organization)],
            "decided": [
                states.approved(organization=organization),
                states.rejected(organization=organization),
            ],
        }
        states.returned(), states.submitted()  # another company's
    return user, world


APPLICANT_CARDS = {
    f"{LIST}?state=returned": "returned",
    f"{LIST}?state=draft": "drafts",
    f"{LIST}?stage=decided": "decided",
    f"{LIST}?stage=in_progress": "in_progress",
}


def test_the_company_counts_link_to_exactly_its_applications(client, at_now):
    user, world = applicant_world()
    client.force_login(user)
    page = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    found = cards(page)
    for href, name in APPLICANT_CARDS.items():
        assert found[href] == len(world[name]), href
        assert listed(client, href) == {a.pk for a in world[name]}, href
    deadline = world["returned"][0].return_deadline
    assert 'Returned for revision: please revise and submit again <span class="note">' in page
    assert f"Next deadline: {deadline:%d/%m/%Y}</span>" in page


def test_the_companys_nearest_deadline_in_german(client, at_now):
    user, world = applicant_world()
    client.force_login(user)
    page = client.get(HOME, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    deadline = world["returned"][0].return_deadline
    assert f"{deadline:%d.%m.%Y}</span></a>" in page


def test_nothing_to_do_says_so(client):
    client.force_login(factories.reviewer())
    page = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<p class="muted">Nothing to do right now.</p>' in page


# ----- constant queries --------------------------------------------------------------------------


def grow(size):
    """``size`` more applications in each state the panels count, with letters in trouble."""
    with time_machine.travel(THEN, tick=False):
        for _ in range(size):
            states.returned(), states.awaiting_decision()
    for _ in range(size):
        states.submitted(), states.in_review_application()
        application = states.rejected()
        DecisionLetter.objects.filter(application=application).update(
            status=DecisionLetter.Status.FAILED
        )


def queries(client):
    client.get(HOME)  # the session and the caches warm
    with CaptureQueriesContext(connection) as captured:
        assert client.get(HOME).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("role", ["coordinator", "reviewer", "board_member", "applicant"])
def test_the_start_page_runs_a_constant_number_of_queries(client, at_now, role):
    user = getattr(factories, role)()
    client.force_login(user)
    grow(1)
    small = queries(client)
    grow(3)
    assert queries(client) == small


def test_the_office_start_page_stays_within_its_budget(client, at_now):
    office_world()
    client.force_login(factories.coordinator())
    # session, user, memberships, groups; applications, reviews, offsets, decisions, the
    # letters in trouble; the programmes (settings links), the records to confirm
    assert queries(client) == 11


def test_a_submitted_draft_moves_from_drafts_to_in_progress(client, at_now):
    draft = states.draft()
    client.force_login(draft.created_by)
    assert cards(client.get(HOME).content.decode())[f"{LIST}?state=draft"] == 1
    application_services.submit(draft.created_by, draft, states.DECLARATIONS)
    found = cards(client.get(HOME).content.decode())
    assert (found[f"{LIST}?state=draft"], found[f"{LIST}?stage=in_progress"]) == (0, 1)
    assert listed(client, f"{LIST}?stage=in_progress") == {draft.pk}
