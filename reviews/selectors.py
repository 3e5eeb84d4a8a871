"""Read queries of the review pages: each page runs a constant number of queries."""

from django.db.models import F
from django.shortcuts import get_object_or_404
from django.utils import timezone

from applications.models import State

from .models import Assignment, ConflictDeclaration, Review

# The reviewer's list shows the applications whose round is running or has just closed.
LIST_STATES = (State.SUBMITTED, State.IN_REVIEW, State.AWAITING_DECISION)
LIST_STATUSES = (
    Assignment.Status.OPEN,
    Assignment.Status.DONE,
    Assignment.Status.RECUSED,
    Assignment.Status.DECLINED,
)
LIST_FIELDS = (
    "id",
    "status",
    "round",
    "due_on",
    "application__id",
    "application__reference",
    "application__title",
    "application__state",
    "application__submission_count",
    "application__organization__id",
    "application__organization__name",
)


def reviewer_assignments(user):
    """The reviewer's assignments of the current rounds: one query, whatever their number."""
    return (
        Assignment.objects.filter(
            reviewer=user,
            status__in=LIST_STATUSES,
            application__state__in=LIST_STATES,
            round=F("application__submission_count"),
        )
        .select_related("application__organization")
        .only(*LIST_FIELDS)
        .order_by(F("due_on").asc(nulls_last=True), "id")
    )


def get_own_assignment(user, pk):
    """The caller's own assignment (a removed one is gone for them): 404 for anyone else."""
    queryset = Assignment.objects.exclude(status=Assignment.Status.REMOVED).select_related(
        "application__programme", "application__organization", "review"
    )
    return get_object_or_404(queryset, pk=pk, reviewer_id=user.pk)


def declaration(assignment):
    """The reviewer's conflict-of-interest declaration for the assignment's round, or None."""
    return ConflictDeclaration.objects.filter(
        application_id=assignment.application_id,
        user_id=assignment.reviewer_id,
        round=assignment.round,
    ).first()


def own_review(assignment):
    """The assignment's review (fetched with ``get_own_assignment``), or None."""
    return getattr(assignment, "review", None)


def other_reviews(assignment):
    """The other reviewers' reviews of the same round (shown only after one's own)."""
    return (
        Review.objects.filter(
            assignment__application_id=assignment.application_id,
            assignment__round=assignment.round,
        )
        .exclude(assignment_id=assignment.pk)
        .select_related("assignment__reviewer")
        .order_by("submitted_at", "id")
    )


def earlier_reviews(assignment):
    """The reviewer's own reviews of earlier rounds of the same application."""
    return (
        Review.objects.filter(
            assignment__application_id=assignment.application_id,
            assignment__reviewer_id=assignment.reviewer_id,
            assignment__round__lt=assignment.round,
        )
        .select_related("assignment")
        .order_by("-assignment__round")
    )


def round_assignments(application):
    """Every assignment of the application (all rounds) with reviewer and review: one query."""
    return (
        Assignment.objects.filter(application=application)
        .select_related("reviewer", "review")
        .order_by("-round", F("due_on").asc(nulls_last=True), "id")
    )


def overdue_count(user=None):
    """Applications in review with an open assignment past its due date (of ``user``)."""
    assignments = Assignment.objects.filter(
        status=Assignment.Status.OPEN,
        application__state=State.IN_REVIEW,
        due_on__lt=timezone.localdate(),
    )
    if user is not None:
        assignments = assignments.filter(reviewer=user)
    return assignments.values("application_id").distinct().count()


def open_request_count(user):
    """The reviewer's open assignments of applications submitted or in review."""
    return (
        Assignment.objects.filter(
            reviewer=user,
            status=Assignment.Status.OPEN,
            application__state__in=(State.SUBMITTED, State.IN_REVIEW),
        )
        .values("application_id")
        .distinct()
        .count()
    )
