"""What the review round adds to the start page, the application list's filters, the
application's page and the profile page (the reviewer's sectors and availability).

Start page: the office's applications with overdue reviews, linked to the application list
filtered by the same condition (``?overdue=reviews``, registered here with
``applications.extensions.add_list_filter``); the reviewer's declarations to make, reviews to
write and overdue reviews (``?todo=`` of the reviewer's list, ``reviewer_todo``).
"""

import rules
from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import profile
from applications import extensions
from applications.models import Application, State
from funding import panels, roles
from funding.panels import Action, Item

from . import forms
from .models import Assignment, ConflictDeclaration

# The office opens the round page while the round is prepared, runs or has just closed.
ROUND_STATES = (State.SUBMITTED, State.IN_REVIEW, State.AWAITING_DECISION)


# ----- the office: applications with overdue reviews ---------------------------------------------


def overdue_q(today=None):
    """Applications in review with an open assignment of the current round past its due date
    (before today, Berlin time)."""
    late = Assignment.objects.filter(
        application_id=OuterRef("pk"),
        round=OuterRef("submission_count"),
        status=Assignment.Status.OPEN,
        due_on__lt=today or timezone.localdate(),
    )
    return Q(state=State.IN_REVIEW) & Q(Exists(late))


def _filter_overdue(queryset, value):
    return queryset.filter(overdue_q())


LIST_FILTER = extensions.ListFilter(
    "overdue",
    _("Reviews"),
    (("reviews", _("overdue reviews")),),
    _filter_overdue,
    roles.is_coordinator,
    order=50,
)


def coordinator_items(user):
    url = reverse("application-list")
    return [
        Item(
            _("In review with overdue reviews"),
            Application.objects.filter(overdue_q()).count(),
            f"{url}?overdue=reviews",
        ),
        Action(_("Review progress"), reverse("review-progress")),
        Action(_("Propose reviewers"), reverse("review-proposal")),
        Action(_("Sectors"), reverse("review-sectors")),
    ]


# ----- the reviewer: declarations, reviews, overdue ----------------------------------------------

REVIEWER_TODO = ("declare", "write", "overdue")


def reviewer_todo_conditions(today=None):
    """{todo: Q} on a reviewer's assignments of the current round:

    - ``declare``: open, no declaration on conflicts of interest yet (submitted or in review);
    - ``write``: open, declared no conflict, the round has started (the review can be written);
    - ``overdue``: open, the round has started and the due date has passed.
    """
    declared = ConflictDeclaration.objects.filter(
        application_id=OuterRef("application_id"),
        user_id=OuterRef("reviewer_id"),
        round=OuterRef("round"),
        role=ConflictDeclaration.Role.REVIEWER,
        superseded_by__isnull=True,
    )
    current = Q(
        status=Assignment.Status.OPEN,
        round=F("application__submission_count"),
        application__state__in=(State.SUBMITTED, State.IN_REVIEW),
    )
    started = current & Q(application__state=State.IN_REVIEW)
    return {
        "declare": current & ~Q(Exists(declared)),
        "write": started & Q(Exists(declared.filter(kind=ConflictDeclaration.Kind.NONE))),
        "overdue": started & Q(due_on__lt=today or timezone.localdate()),
    }


def reviewer_todo(assignments, todo):
    """``assignments`` narrowed to the reviewer's ``todo`` (``REVIEWER_TODO``); unchanged for
    any other value. For the reviewer's list's ``?todo=``."""
    conditions = reviewer_todo_conditions()
    return assignments.filter(conditions[todo]) if todo in conditions else assignments


def reviewer_items(user):
    """The reviewer's declarations to make, reviews to write, overdue reviews: one query."""
    figures = Assignment.objects.filter(reviewer_id=user.pk).aggregate(
        **{
            todo: Count("pk", filter=condition)
            for todo, condition in reviewer_todo_conditions().items()
        }
    )
    url = reverse("review-list")
    return [
        Item(_("Declare on conflicts of interest"), figures["declare"], f"{url}?todo=declare"),
        Item(_("Reviews to write"), figures["write"], f"{url}?todo=write"),
        Item(_("Overdue reviews"), figures["overdue"], f"{url}?todo=overdue"),
    ]


# ----- the application's page, the profile page --------------------------------------------------


def detail_contribution(user, application):
    if application.state in ROUND_STATES and rules.has_perm(
        "reviews.manage_round", user, application
    ):
        url = reverse("review-round", args=[application.pk])
        return [extensions.Action(_("Reviewers and review round"), url)]
    return []


def reviewer_profile_context(request):
    """The profile page's section for reviewers: their sectors and availability."""
    if not rules.has_perm("reviews.edit_reviewer_profile", request.user):
        return None
    return {"form": forms.reviewer_profile_form(request.user)}


def register():
    profile.add_section(
        "reviewer_profile",
        _("Reviewer profile"),
        "reviews/_profile_section.html",
        reviewer_profile_context,
        order=30,
    )
    panels.add_items("coordinator", coordinator_items, order=20)
    panels.add_items("reviewer", reviewer_items, order=10)
    extensions.add_detail_contribution(detail_contribution)
    extensions.add_list_filter(LIST_FILTER)
