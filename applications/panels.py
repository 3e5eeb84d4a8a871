"""The application's items on the start page (``funding.panels``), a few queries per role."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from funding import panels
from funding.panels import Action, Item

from . import selectors
from .models import Application, State

IN_PROGRESS = (State.SUBMITTED, State.IN_REVIEW, State.AWAITING_DECISION)


def applicant_items(user):
    own = Application.objects.filter(organization__members=user)
    counts = selectors.state_counts(
        own, [State.DRAFT, State.RETURNED, *IN_PROGRESS, State.APPROVED]
    )
    url = reverse("application-list")
    return [
        Item(
            _("Returned for revision: please complete"),
            counts[State.RETURNED],
            f"{url}?state=returned",
        ),
        Item(_("Drafts"), counts[State.DRAFT], f"{url}?state=draft"),
        Item(
            _("Being checked, reviewed or decided"),
            sum(counts[state] for state in IN_PROGRESS),
            url,
        ),
        Item(_("Approved"), counts[State.APPROVED], f"{url}?state=approved"),
        Action(_("Start a new application"), reverse("application-new")),
    ]


def coordinator_items(user):
    counts = selectors.state_counts(Application.objects.all(), IN_PROGRESS)
    url = reverse("application-list")
    return [
        Item(
            _("Submitted: check and assign reviewers"),
            counts[State.SUBMITTED],
            f"{url}?state=submitted",
        ),
        Item(_("In review"), counts[State.IN_REVIEW], f"{url}?state=in_review"),
        Item(
            _("Awaiting the board's decision"),
            counts[State.AWAITING_DECISION],
            f"{url}?state=awaiting_decision",
        ),
    ]


def register():
    panels.add_items("applicant", applicant_items, order=10)
    panels.add_items("coordinator", coordinator_items, order=10)
