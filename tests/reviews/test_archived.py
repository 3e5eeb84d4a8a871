"""An application decided or withdrawn archives its assignments (``Assignment.archived``): the
reviewers' current lists read only the rest, through a partial index."""

import pytest
from django.db import connection

from applications import services
from reviews.models import Assignment
from reviews.selectors import reviewer_assignments
from tests import states

pytestmark = pytest.mark.django_db


def archived(application):
    return sorted(
        Assignment.objects.filter(application=application).values_list("archived", flat=True)
    )


@pytest.mark.parametrize("state", ["approved", "rejected", "withdrawn"])
def test_a_final_state_archives_every_assignment_of_the_application(state):
    application = states.reach(state)
    assert Assignment.objects.filter(application=application).exists() or state == "withdrawn"
    assert set(archived(application)) <= {True}


@pytest.mark.parametrize("state", ["in_review", "awaiting_decision", "returned"])
def test_the_application_still_in_the_workflow_keeps_them_current(state):
    application = states.reach(state)
    assert set(archived(application)) <= {False}


def test_withdrawing_during_the_review_archives_them():
    application, _coordinator, _reviewers = states.in_review()
    assert archived(application) and set(archived(application)) == {False}
    services.withdraw(application.created_by, application, "Verschoben.")
    assert set(archived(application)) == {True}


def test_an_archived_assignment_is_never_on_the_current_list():
    application, _coordinator, _reviewers = states.in_review()
    assignment = Assignment.objects.filter(application=application).first()
    assert assignment in reviewer_assignments(assignment.reviewer)
    Assignment.objects.filter(pk=assignment.pk).update(archived=True)
    assert assignment not in reviewer_assignments(assignment.reviewer)


@pytest.mark.postgres
def test_postgres_reads_the_current_list_through_the_partial_index():
    application, _coordinator, _reviewers = states.in_review()
    reviewer = Assignment.objects.filter(application=application).first().reviewer
    sql, params = reviewer_assignments(reviewer).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "assignment_current" in plan, plan
