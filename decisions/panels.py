"""What the board's step adds to the start page and to the application's page."""

import rules
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from applications import extensions
from applications.models import State
from funding import panels
from funding.panels import Item

from . import selectors


def coordinator_items(user):
    url = reverse("application-list")
    return [
        Item(
            _("Decision letters not yet sent"),
            selectors.unsent_letter_count(),
            f"{url}?state=approved",
        )
    ]


def board_items(user):
    url = reverse("board-queue")
    return [
        Item(_("Awaiting a decision"), selectors.queue_size(), url),
        Item(_("Proposals waiting for your confirmation"), selectors.open_proposals_for(user), url),
    ]


def detail_contribution(user, application):
    entries = []
    if application.state == State.AWAITING_DECISION and rules.has_perm(
        "decisions.use_board_pages", user
    ):
        url = reverse("board-decide", args=[application.pk])
        entries.append(extensions.Action(_("Decision"), url))
    if rules.has_perm("decisions.read_letters", user, application):
        letters = list(selectors.letters(application))
        if letters:
            context = {"application": application, "letters": letters}
            entries.append(extensions.Part("decisions/_letters.html", context))
    return entries


def register():
    panels.add_items("coordinator", coordinator_items, order=30)
    panels.add_items("board", board_items, order=10)
    extensions.add_detail_contribution(detail_contribution)
