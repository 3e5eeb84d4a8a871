"""What the review round adds to the start page, the application's page and the profile
page (the reviewer's sectors and availability)."""

import rules
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import profile
from applications import extensions
from applications.models import State
from funding import panels
from funding.panels import Action, Item

from . import forms, selectors

# The office opens the round page while the round is prepared, runs or has just closed.
ROUND_STATES = (State.SUBMITTED, State.IN_REVIEW, State.AWAITING_DECISION)


def coordinator_items(user):
    url = reverse("application-list")
    return [
        Item(
            _("In review with overdue reviews"), selectors.overdue_count(), f"{url}?state=in_review"
        ),
        Action(_("Review progress"), reverse("review-progress")),
        Action(_("Propose reviewers"), reverse("review-proposal")),
        Action(_("Sectors"), reverse("review-sectors")),
    ]


def reviewer_items(user):
    url = reverse("review-list")
    return [
        Item(_("Open review requests"), selectors.open_request_count(user), url),
        Item(_("Overdue"), selectors.overdue_count(user), url),
    ]


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
