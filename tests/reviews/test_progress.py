"""The coordination office's progress page, and the reviewers' finished reviews.

Progress: per reviewer open, due soon (within three days, today included), overdue, done and
declined; per application submitted or in review the reviews in against those required and the
days to the due date; a constant number of queries at two sizes.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from decisions import services as decision_services
from reviews import selectors
from reviews import services as review_services
from reviews.models import Assignment
from tests import factories, states

pytestmark = pytest.mark.django_db

# session, user, groups, memberships (navigation and the own organisations), the reviewers,
# the applications' count, the page of applications
PROGRESS_QUERIES = 7
# session, user, groups, memberships (navigation), the current assignments, the page of the
# finished reviews
REVIEW_LIST_QUERIES = 6


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


@pytest.fixture
def programme():
    return factories.ProgrammeFactory(reviews_required=1, required_documents=[])


def assigned(reviewer, programme, start=True, due_in=None, **application):
    """An application with ``reviewer`` assigned (and the round started), due in ``due_in``
    days if given."""
    application = states.submitted(programme=programme, **application)
    coordinator = factories.coordinator()
    review_services.assign_reviewer(coordinator, application, reviewer)
    if start:
        application = review_services.start_review(coordinator, application)
    assignment = application.assignments.get(reviewer=reviewer)
    if due_in is not None:
        Assignment.objects.filter(pk=assignment.pk).update(due_on=days(due_in))
    return application


@pytest.fixture
def world(programme):
    """One reviewer with every kind of assignment, one without any."""
    busy = factories.reviewer(first_name="Anna", last_name="Arbeit")
    idle = factories.reviewer(first_name="Ida", last_name="Idle")
    soon = assigned(busy, programme, due_in=3)  # due soon: the third day
    today_ = assigned(busy, programme, due_in=0)  # due soon: today
    overdue = assigned(busy, programme, due_in=-2)
    later = assigned(busy, programme, due_in=4)  # open, not yet due soon
    unstarted = assigned(busy, programme, start=False)  # open, round not started
    done = assigned(busy, programme)
    states.review(busy, done)  # done: the round closes (one review required)
    declined = assigned(busy, programme)
    review_services.decline_assignment(busy, declined.assignments.get(reviewer=busy))
    return {
        "busy": busy,
        "idle": idle,
        "soon": soon,
        "today": today_,
        "overdue": overdue,
        "later": later,
        "unstarted": unstarted,
        "done": done,
        "declined": declined,
    }


def test_reviewer_counts_are_exact(world):
    rows = {user.pk: user for user in selectors.reviewer_progress()}
    busy, idle = rows[world["busy"].pk], rows[world["idle"].pk]

    def counts(user):
        return (
            user.open_count,
            user.due_soon_count,
            user.overdue_count,
            user.done_count,
            user.declined_count,
        )

    assert counts(busy) == (5, 2, 1, 1, 1)
    assert counts(idle) == (0, 0, 0, 0, 0)
    # Later, "soon" becomes overdue and "later" due soon.
    rows = {user.pk: user for user in selectors.reviewer_progress(today=days(4))}
    assert counts(rows[world["busy"].pk]) == (5, 1, 3, 1, 1)


def test_application_rows_are_exact(world):
    rows = {row.pk: row for row in selectors.application_progress()}
    assert world["done"].pk not in rows  # awaiting a decision: no longer in the review
    expected = {
        "soon": (0, 1, days(3)),
        "today": (0, 1, today()),
        "overdue": (0, 1, days(-2)),
        "later": (0, 1, days(4)),
        "unstarted": (0, 1, None),
        "declined": (0, 0, None),  # nobody active: the office must assign again
    }
    for name, values in expected.items():
        row = rows[world[name].pk]
        assert (row.reviews_in, row.assigned, row.next_due_on) == values, name
    assert list(rows)[:4] == [world[n].pk for n in ("overdue", "today", "soon", "later")]


def test_reviews_in_counts_the_current_round_only(programme):
    two = factories.ProgrammeFactory(reviews_required=2, required_documents=[])
    application, _coordinator, (first, second) = states.in_review(programme=two)
    states.review(first, application)
    row = selectors.application_progress().get(pk=application.pk)
    assert (row.reviews_in, row.assigned, row.programme.reviews_required) == (1, 2, 2)


def test_the_page_shows_the_progress(client, english, world):
    coordinator = factories.coordinator()
    client.force_login(coordinator)
    response = client.get(reverse("review-progress"))
    assert response.status_code == 200
    html = response.content.decode()
    busy_row = re.search(r"Anna Arbeit</th>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r'<td class="num">(?:<strong>)?(\d+)', busy_row)
    assert cells == ["5", "2", "1", "1", "1"]
    assert "2 days overdue" in html
    assert "due today" in html
    assert "in 3 days" in html
    assert "in 4 days" in html
    assert "not started" in html
    assert "0&nbsp;/&nbsp;1" in html
    assert reverse("review-round", args=[world["overdue"].pk]) in html


def test_the_office_never_sees_its_own_organisations_applications(client, world):
    coordinator = factories.coordinator()
    factories.MembershipFactory(user=coordinator, organization=world["soon"].organization)
    client.force_login(coordinator)
    rows = client.get(reverse("review-progress")).context["page"]
    pks = [row.pk for row in rows]
    assert world["soon"].pk not in pks
    assert world["overdue"].pk in pks


@pytest.mark.parametrize(
    ("role", "status"),
    [("coordinator", 200), ("reviewer", 403), ("board_member", 403), ("applicant", 403)],
)
def test_only_the_office_opens_the_page(client, role, status):
    client.force_login(getattr(factories, role)())
    assert client.get(reverse("review-progress")).status_code == status


def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get(reverse("review-progress"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_start_page_links_to_it(client):
    client.force_login(factories.coordinator())
    assert reverse("review-progress") in client.get(reverse("home")).content.decode()
    client.force_login(factories.reviewer())
    assert reverse("review-progress") not in client.get(reverse("home")).content.decode()


def test_the_page_keeps_a_constant_number_of_queries(client, programme, django_assert_num_queries):
    client.force_login(factories.coordinator())
    url = reverse("review-progress")
    added = 0
    for size in (2, 12):  # reviewers, each with an open and a declined assignment
        for _ in range(size - added):
            reviewer = factories.reviewer()
            assigned(reviewer, programme, due_in=1)
            declined = assigned(reviewer, programme)
            review_services.decline_assignment(
                reviewer, declined.assignments.get(reviewer=reviewer)
            )
        added = size
        with django_assert_num_queries(PROGRESS_QUERIES):
            response = client.get(url)
        assert response.context["page"].paginator.count == 2 * size
        assert len(response.context["reviewers"]) == size


# ----- reviewers keep their finished reviews -----------------------------------------------


def finished_link(html):
    section = html[html.index('id="finished"') :]
    return re.findall(r'href="/reviews/(\d+)/"', section)


def test_finished_reviews_stay_on_the_list_read_only(client, english):
    application = states.approved()
    reviewer = application.assignments.first().reviewer
    assignment = application.assignments.get(reviewer=reviewer)
    client.force_login(reviewer)
    html = client.get(reverse("review-list")).content.decode()
    assert "Finished reviews" in html
    assert finished_link(html) == [str(assignment.pk)]
    assert "4.0&nbsp;/&nbsp;5" in html  # the default review: (4 + 5 + 4 + 3 + 4) / 5
    assert "Approved" in html

    page = client.get(reverse("assignment-detail", args=[assignment.pk]))
    assert page.status_code == 200
    assert page.context["may_read"] is True
    assert page.context["may_review"] is False
    assert page.context["own_review"].pk == assignment.review.pk
    assert 'action="{}"'.format(reverse("review-form", args=[assignment.pk])) not in (
        page.content.decode()
    )
    assert "Tragfähiges Konzept." in page.content.decode()  # the review's comment


def test_before_the_decision_the_review_is_on_the_current_list(client):
    application = states.awaiting_decision()
    reviewer = application.assignments.first().reviewer
    client.force_login(reviewer)
    html = client.get(reverse("review-list")).content.decode()
    assert 'id="finished"' not in html
    assert len(re.findall(r'href="/reviews/(\d+)/"', html)) == 1


def test_only_own_done_reviews_of_the_last_round_are_finished():
    application = states.rejected()
    reviewer = application.assignments.first().reviewer
    other = states.approved()  # somebody else's
    rows = list(selectors.own_assignments(reviewer))
    assert [(row.application_id, selectors.is_finished(row)) for row in rows] == [
        (application.pk, True)
    ]
    assert other.pk not in [row.application_id for row in rows]


def test_the_list_keeps_a_constant_number_of_queries_with_finished_reviews(
    client, django_assert_num_queries
):
    reviewer = factories.reviewer()
    client.force_login(reviewer)
    for size in (1, 4):
        for _ in range(size if size == 1 else size - 1):
            application, coordinator, others = states.with_reviewers(count=1)
            review_services.assign_reviewer(coordinator, application, reviewer)
            application = review_services.start_review(coordinator, application)
            states.review(reviewer, application)
            states.review(others[0], application)  # the second of two: the round closes
            application.refresh_from_db()
            first, second = states.deciding_board(application)
            decision = decision_services.propose_decision(
                first, application, "reject", reasons="Nicht tragfähig."
            )
            decision_services.confirm_decision(second, decision)
        with django_assert_num_queries(REVIEW_LIST_QUERIES):
            html = client.get(reverse("review-list")).content.decode()
        assert len(finished_link(html)) == size


def test_the_finished_reviews_page_by_keyset_newest_assignment_first(client, monkeypatch):
    from reviews import selectors as review_selectors

    monkeypatch.setattr(review_selectors, "PAGE_SIZE", 2)
    reviewer = factories.reviewer()
    assigned = []
    for _ in range(3):
        application, coordinator, others = states.with_reviewers(count=1)
        assigned.append(review_services.assign_reviewer(coordinator, application, reviewer))
        application = review_services.start_review(coordinator, application)
        states.review(reviewer, application)
        states.review(others[0], application)
        application.refresh_from_db()
        first, second = states.deciding_board(application)
        decision = decision_services.propose_decision(
            first, application, "reject", reasons="Nicht tragfähig."
        )
        decision_services.confirm_decision(second, decision)
    newest_first = sorted((a.pk for a in assigned), reverse=True)
    client.force_login(reviewer)
    page_one = client.get(reverse("review-list")).context["page"]
    assert [a.pk for a in page_one] == newest_first[:2]
    page_two = client.get(reverse("review-list"), {"after": page_one.next}).context["page"]
    assert [a.pk for a in page_two] == newest_first[2:]
    assert page_two.next is None
    last = client.get(reverse("review-list"), {"page": "last"}).context["page"]
    assert [a.pk for a in last] == newest_first[1:]
