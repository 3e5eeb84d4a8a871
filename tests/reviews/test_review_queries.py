"""The review pages run a constant number of queries, whatever the number of rows."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews import services
from reviews.models import Assignment
from tests import factories, states

pytestmark = pytest.mark.django_db

SMALL, LARGE = 2, 12
# session, user, the user's groups, the user's memberships (navigation), the current
# assignments, the page of the finished reviews
REVIEW_LIST_QUERIES = 6
# session, user, groups, memberships, the application, every assignment with reviewer and
# review, the reviews' scores, every conflict declaration, the conflict flags towards the
# company, the candidates
REVIEW_ROUND_QUERIES = 10


@pytest.fixture
def programme():
    return factories.ProgrammeFactory(required_documents=[])


def reviewer_with_assignments(count, programme):
    """A reviewer with ``count`` assignments in every status the list shows."""
    reviewer, colleague, coordinator = (
        factories.reviewer(),
        factories.reviewer(),
        factories.coordinator(),
    )
    for index in range(count):
        application = states.submitted(programme=programme)
        services.assign_reviewer(coordinator, application, reviewer)
        services.assign_reviewer(coordinator, application, colleague)
        services.start_review(coordinator, application)
        assignment = application.assignments.get(reviewer=reviewer)
        kind = index % 4
        if kind == 0:
            Assignment.objects.filter(pk=assignment.pk).update(due_on=datetime.date(2020, 1, 1))
        elif kind == 1:
            states.review(reviewer, application)
        elif kind == 2:
            services.declare_conflict(reviewer, assignment, has_conflict=True, note="Beirat")
        else:
            services.decline_assignment(reviewer, assignment)
    return reviewer


def application_with_round(count, programme):
    """An application in review with ``count`` reviewers (all but one reviewed), one who
    declined, one who was removed, and ``count`` further candidates."""
    programme.reviews_required = count
    programme.save()
    application = states.submitted(programme=programme)
    coordinator = factories.coordinator()
    reviewers = [factories.reviewer() for _ in range(count + 2)]
    for reviewer in reviewers:
        services.assign_reviewer(coordinator, application, reviewer)
    services.remove_assignment(coordinator, application.assignments.get(reviewer=reviewers[-1]))
    services.start_review(coordinator, application)
    services.decline_assignment(reviewers[-2], application.assignments.get(reviewer=reviewers[-2]))
    for reviewer in reviewers[: count - 1]:
        states.review(reviewer, application)
    for _ in range(count):
        factories.reviewer()
    application.refresh_from_db()
    return application, coordinator


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_review_list_queries_do_not_grow_with_the_rows(client, programme):
    counts = []
    for size in (SMALL, LARGE):
        reviewer = reviewer_with_assignments(size, programme)
        client.force_login(reviewer)
        count, response = count_queries(client, reverse("review-list"))
        links = re.findall(r'href="/reviews/(\d+)/"', response.content.decode())
        assert len(links) == size  # one link per assignment
        counts.append(count)
    assert counts == [REVIEW_LIST_QUERIES, REVIEW_LIST_QUERIES]


def test_review_round_queries_do_not_grow_with_the_rows(client, programme):
    counts = []
    for size in (SMALL, LARGE):
        programme_of_size = factories.ProgrammeFactory(required_documents=[])
        application, coordinator = application_with_round(size, programme_of_size)
        client.force_login(coordinator)
        count, response = count_queries(client, reverse("review-round", args=[application.pk]))
        page = response.content.decode()
        assert page.count("<article") == size - 1  # the reviews so far
        assert page.count("/remove/") == 1  # the one open assignment
        counts.append(count)
    assert counts == [REVIEW_ROUND_QUERIES, REVIEW_ROUND_QUERIES]


def test_assert_num_queries_at_both_sizes(client, programme, django_assert_num_queries):
    for size in (SMALL, LARGE):
        reviewer = reviewer_with_assignments(size, programme)
        client.force_login(reviewer)
        with django_assert_num_queries(REVIEW_LIST_QUERIES):
            client.get(reverse("review-list"))
