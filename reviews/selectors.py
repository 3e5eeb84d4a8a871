"""Read queries of the review pages: each page runs a constant number of queries."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    prefetch_related_objects,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from applications.models import Application, State
from funding import keyset
from funding.models import REVIEWERS, Membership, Programme, Sector

from .models import (
    Assignment,
    ConflictDeclaration,
    Post,
    PostRevision,
    Review,
    ReviewerProfile,
    Rubric,
    Score,
)

PAGE_SIZE = 50
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
            archived=False,  # (through the partial index: the work at hand, not the history)
            status__in=LIST_STATUSES,
            application__state__in=LIST_STATES,
            round=F("application__submission_count"),
        )
        .select_related("application__organization")
        .only(*LIST_FIELDS)
        .order_by(F("due_on").asc(nulls_last=True), "id")
    )


# Finished reviews stay on the reviewer's list after the decision (or a withdrawal), read-only:
# their own review of the application's last round.
FINISHED_STATES = (State.APPROVED, State.REJECTED, State.WITHDRAWN)
FINISHED_FIELDS = (
    *LIST_FIELDS,
    "review__id",
    "review__recommendation",
    "review__total_score",
    "review__submitted_at",
)


def own_assignments(user):
    """The reviewer's list in one query: the assignments of the current rounds (as
    ``reviewer_assignments``) and the finished reviews (done, the application decided or
    withdrawn since), with the review; split them with ``is_finished``."""
    current = Q(status__in=LIST_STATUSES, application__state__in=LIST_STATES)
    finished = Q(status=Assignment.Status.DONE, application__state__in=FINISHED_STATES)
    return (
        Assignment.objects.filter(current | finished, reviewer=user)
        .filter(round=F("application__submission_count"))
        .select_related("application__organization", "review")
        .only(*FINISHED_FIELDS)
        .order_by(F("due_on").asc(nulls_last=True), "id")
    )


@dataclass
class ReviewerPage:
    """The reviewer's list: the ``current`` assignments (all: the work at hand) and one keyset
    page of the ``finished`` reviews, the newest assignment first."""

    current: list
    finished: keyset.Page

    def __iter__(self):
        return iter([*self.current, *self.finished])


def reviewer_page(user, params, per_page=None, where=None):
    """The reviewer's list page in two queries whatever the reviewer's history: the current
    assignments (``reviewer_assignments``, narrowed by ``where``, e.g. a "to do" of the start
    page), and the finished reviews (archived) paged along the index (reviewer, id) from
    ``params``' cursor (``funding.keyset``; not counted: counting a long history would cost
    more than the page). Narrowed by ``where``, the list shows no finished reviews."""
    current = reviewer_assignments(user)
    if where is not None:
        current = current.filter(where)
    finished = (
        Assignment.objects.filter(
            reviewer=user,
            archived=True,
            status=Assignment.Status.DONE,
            application__state__in=FINISHED_STATES,
            round=F("application__submission_count"),
        )
        .select_related("application__organization", "review")
        .only(*FINISHED_FIELDS)
    )
    if where is not None:
        page = keyset.Page(rows=[], count=0)
    else:
        size = per_page or PAGE_SIZE
        page = keyset.paginate(finished, F("id"), True, params, size, counted=(0, False))
    return ReviewerPage(current=list(current), finished=page)


def is_finished(assignment):
    """A finished review of ``own_assignments`` (the application left the review)."""
    return assignment.application.state in FINISHED_STATES


def get_own_assignment(user, pk):
    """The caller's own assignment (a removed one is gone for them): 404 for anyone else."""
    queryset = Assignment.objects.exclude(status=Assignment.Status.REMOVED).select_related(
        "application__programme", "application__organization", "review"
    )
    return get_object_or_404(queryset, pk=pk, reviewer_id=user.pk)


def declaration(assignment):
    """The reviewer's current conflict-of-interest declaration for the assignment's round (the
    one no correction superseded), or None."""
    return current_declaration(
        assignment.application_id,
        assignment.reviewer_id,
        assignment.round,
        ConflictDeclaration.Role.REVIEWER,
    )


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


def discussion(application):
    """The application's posts, oldest first, with authors and earlier texts: two queries."""
    return (
        Post.objects.filter(application=application)
        .select_related("author")
        .prefetch_related(
            Prefetch("revisions", queryset=PostRevision.objects.order_by("replaced_at", "id"))
        )
        .order_by("created_at", "id")
    )


def get_post(pk):
    """A post with its application (whoever asks: the caller checks the permission)."""
    queryset = Post.objects.select_related("application__programme", "application__organization")
    return get_object_or_404(queryset, pk=pk)


# ----- conflict-of-interest declarations ---------------------------------------------------


def current_declaration(application_id, user_id, round, role):
    """The person's current declaration (nothing supersedes it) for a round, or None."""
    return (
        ConflictDeclaration.objects.filter(
            application_id=application_id,
            user_id=user_id,
            round=round,
            role=role,
            superseded_by__isnull=True,
        )
        .order_by("-declared_at", "-id")
        .first()
    )


def declaration_history(application, user=None, role=None):
    """Every declaration on the application, superseded ones included, oldest first: one query.

    Each row carries ``is_current`` (no later declaration corrects it) and ``corrects`` (the
    declaration it supersedes, from the same list). Only ``user``'s (and ``role``'s) if given.
    """
    rows = ConflictDeclaration.objects.filter(application=application).select_related("user")
    if user is not None:
        rows = rows.filter(user=user)
    if role is not None:
        rows = rows.filter(role=role)
    rows = list(rows.order_by("declared_at", "id"))
    by_id = {row.pk: row for row in rows}
    superseded = {row.supersedes_id for row in rows if row.supersedes_id is not None}
    for row in rows:
        row.is_current = row.pk not in superseded
        row.corrects = by_id.get(row.supersedes_id)
    return rows


def current_conflicted(history, round):
    """From ``declaration_history``: the users whose current declaration of ``round`` (as a
    reviewer) declares a conflict."""
    return {
        row.user_id
        for row in history
        if row.is_current
        and row.round == round
        and row.role == ConflictDeclaration.Role.REVIEWER
        and row.kind != ConflictDeclaration.Kind.NONE
    }


def conflict_flags(organization_ids):
    """Who declared a conflict towards each organisation: {organization_id: set(user_ids)}.

    A reviewer or board member whose current declaration (not superseded) on any application
    of the organisation, in any round, declares a conflict is flagged for the organisation's
    applications (never proposed automatically). Every asked id is a key (an empty set when
    nobody is flagged). One query, whatever the number of organisations.
    """
    ids = list(organization_ids)
    flags = {organization_id: set() for organization_id in ids}
    rows = (
        ConflictDeclaration.objects.filter(
            application__organization_id__in=ids, superseded_by__isnull=True
        )
        .exclude(kind=ConflictDeclaration.Kind.NONE)
        .values_list("application__organization_id", "user_id")
        .order_by()
        .distinct()
    )
    for organization_id, user_id in rows:
        flags[organization_id].add(user_id)
    return flags


def board_no_conflict(user, application_ref="pk", round_ref="submission_count"):
    """An ``Exists`` for annotating applications: ``user`` declared, as a board member, no
    conflict for the application's current round (current declaration). For lists such as the
    board's queue: ``decisions.read_application`` needs it."""
    return Exists(
        ConflictDeclaration.objects.filter(
            application_id=OuterRef(application_ref),
            round=OuterRef(round_ref),
            user_id=user.pk,
            role=ConflictDeclaration.Role.BOARD,
            kind=ConflictDeclaration.Kind.NONE,
            superseded_by__isnull=True,
        )
    )


# ----- the scoring rubric ------------------------------------------------------------------


def current_rubric(programme):
    """The programme's current rubric (its highest version) with its criteria, or None."""
    return (
        Rubric.objects.filter(programme_id=programme.pk)
        .prefetch_related("criteria")
        .order_by("-version")
        .first()
    )


def review_rubric(assignment):
    """The rubric a review of the assignment is written against: its own for an existing
    review, else the programme's current one."""
    review = own_review(assignment)
    if review is not None and review.rubric_id is not None:
        return Rubric.objects.prefetch_related("criteria").get(pk=review.rubric_id)
    return current_rubric(assignment.application.programme)


def rubric_versions(programme):
    """Every version of the programme's rubric, newest first, with its number of reviews."""
    return (
        Rubric.objects.filter(programme_id=programme.pk)
        .annotate(review_count=Count("reviews"))
        .order_by("-version")
    )


def review_points(reviews):
    """Prefetch the reviews' scores with their criteria (for ``points``): one query."""
    scores = Prefetch("scores", queryset=Score.objects.select_related("criterion"))
    prefetch_related_objects([review for review in reviews if review is not None], scores)
    return reviews


# ----- progress for the coordination office ------------------------------------------------

DUE_SOON_DAYS = 3
RUNNING_STATES = (State.SUBMITTED, State.IN_REVIEW)


def reviewer_progress(today=None):
    """Every reviewer with ``open_count``, ``due_soon_count`` (due within ``DUE_SOON_DAYS``
    days, today included), ``overdue_count`` (open past the due date), ``done_count`` and
    ``declined_count`` of their assignments: one query, whatever their number.

    Open, due soon and overdue count the open assignments of current rounds of applications
    submitted or in review; done and declined count every round.
    """
    today = today or timezone.localdate()
    running = Q(
        assignments__status=Assignment.Status.OPEN,
        assignments__application__state__in=RUNNING_STATES,
        assignments__round=F("assignments__application__submission_count"),
    )
    due_soon = Q(
        assignments__due_on__gte=today,
        assignments__due_on__lte=today + datetime.timedelta(days=DUE_SOON_DAYS),
    )
    return (
        get_user_model()
        .objects.filter(groups__name=REVIEWERS)
        .annotate(
            open_count=Count("assignments", filter=running),
            due_soon_count=Count("assignments", filter=running & due_soon),
            overdue_count=Count("assignments", filter=running & Q(assignments__due_on__lt=today)),
            done_count=Count("assignments", filter=Q(assignments__status=Assignment.Status.DONE)),
            declined_count=Count(
                "assignments", filter=Q(assignments__status=Assignment.Status.DECLINED)
            ),
        )
        .order_by("last_name", "first_name", "username")
    )


def application_progress(exclude_organizations=()):
    """Applications submitted or in review with ``reviews_in`` (done in the current round),
    ``assigned`` (active assignments of the current round) and ``next_due_on`` (the earliest due
    date of its open assignments), the earliest due first: one query per page."""
    current = Q(assignments__round=F("submission_count"))
    return (
        Application.objects.filter(state__in=RUNNING_STATES)
        .exclude(organization_id__in=list(exclude_organizations))
        .select_related("programme", "organization")
        .annotate(
            reviews_in=Count(
                "assignments", filter=current & Q(assignments__status=Assignment.Status.DONE)
            ),
            assigned=Count(
                "assignments", filter=current & Q(assignments__status__in=Assignment.ACTIVE)
            ),
            next_due_on=Min(
                "assignments__due_on",
                filter=current & Q(assignments__status=Assignment.Status.OPEN),
            ),
        )
        .order_by(F("next_due_on").asc(nulls_last=True), "reference", "id")
    )


# ----- the assignment proposal -------------------------------------------------------------

# Applications the proposal fills: submitted or in review (as ``reviews.assign`` allows).
PROPOSAL_STATES = (State.SUBMITTED, State.IN_REVIEW)
OPENING_FIELDS = (
    "id",
    "reference",
    "title",
    "state",
    "submission_count",
    "organization__id",
    "organization__name",
    "programme__id",
    "programme__name",
    "programme__reviews_required",
    "programme__review_period_days",
    "programme__review_cap",
    "sector__id",
    "sector__name_de",
    "sector__name_en",
)


def proposal_openings(programme=None, exclude_organizations=()):
    """Applications submitted or in review with fewer active assignments of the current round
    than their programme requires (``active_count``), oldest first: one query."""
    active = Count(
        "assignments",
        filter=Q(
            assignments__round=F("submission_count"),
            assignments__status__in=Assignment.ACTIVE,
        ),
    )
    applications = (
        Application.objects.filter(state__in=PROPOSAL_STATES)
        .exclude(organization_id__in=list(exclude_organizations))
        .annotate(active_count=active)
        .filter(active_count__lt=F("programme__reviews_required"))
        .select_related("organization", "programme", "sector")
        .only(*OPENING_FIELDS)
        .order_by("pk")
    )
    if programme is not None:
        applications = applications.filter(programme=programme)
    return list(applications)


def proposal_round_assignments(programme=None):
    """Every assignment of the current round of applications submitted or in review (whatever
    its status): (application_id, reviewer_id, status, decline_reason) rows, one query."""
    rows = Assignment.objects.filter(
        application__state__in=PROPOSAL_STATES, round=F("application__submission_count")
    )
    if programme is not None:
        rows = rows.filter(application__programme=programme)
    return list(
        rows.order_by("application_id", "id").values_list(
            "application_id", "reviewer_id", "status", "decline_reason"
        )
    )


def proposal_reviewers():
    """Active members of the expert project with their profile (``reviewer_profile``, or
    None) and ``open_count``: their open assignments of applications submitted or in review.
    One query."""
    open_count = Count(
        "assignments",
        filter=Q(
            assignments__status=Assignment.Status.OPEN,
            assignments__application__state__in=PROPOSAL_STATES,
        ),
        distinct=True,
    )
    return list(
        get_user_model()
        .objects.filter(groups__name=REVIEWERS, is_active=True)
        .annotate(open_count=open_count)
        .select_related("reviewer_profile")
        .order_by("pk")
    )


def reviewer_organizations():
    """{user_id: set(organization ids)} of the members of the expert project: one query."""
    result = {}
    rows = Membership.objects.filter(user__groups__name=REVIEWERS).values_list(
        "user_id", "organization_id"
    )
    for user_id, organization_id in rows:
        result.setdefault(user_id, set()).add(organization_id)
    return result


def reviewer_sectors():
    """{user_id: set(sector ids)} from the reviewers' profiles: one query."""
    result = {}
    rows = ReviewerProfile.sectors.through.objects.values_list(
        "reviewerprofile__user_id", "sector_id"
    )
    for user_id, sector_id in rows:
        result.setdefault(user_id, set()).add(sector_id)
    return result


def sectors(active_only=False):
    """The sectors the office keeps, by German name: one query."""
    queryset = Sector.objects.order_by("name_de", "pk")
    return queryset.filter(active=True) if active_only else queryset


def offered_sectors(keep=()):
    """The sectors offered for a choice: the active ones and those in ``keep`` (already
    chosen, perhaps no longer offered)."""
    return sectors().filter(Q(active=True) | Q(pk__in=list(keep)))


def programmes():
    """Every programme, for the proposal's filter: one query."""
    return Programme.objects.order_by("name").only("id", "name", "review_cap")


def reviewer_profile(user):
    """The reviewer's profile with its sector ids (``sector_ids``), or None: two queries."""
    profile = ReviewerProfile.objects.filter(user=user).first()
    if profile is not None:
        profile.sector_ids = set(profile.sectors.values_list("pk", flat=True))
    return profile


def applications_by_id(ids):
    """{id: application} with organisation and sector, for the rows of a sent proposal (some
    may no longer lack reviewers): one query."""
    return (
        Application.objects.filter(pk__in=list(ids))
        .select_related("organization", "sector")
        .only(
            "id",
            "reference",
            "title",
            "organization__id",
            "organization__name",
            "sector__id",
            "sector__name_de",
            "sector__name_en",
        )
        .in_bulk()
    )
