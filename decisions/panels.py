"""What the board's step adds to the start page and to the application's page."""

from datetime import datetime

import rules
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from applications import extensions
from applications.models import State
from funding import panels
from funding.panels import Action, Item

from . import letters as letter_delivery
from . import selectors
from .models import DecisionLetter
from .services import RESENDABLE


def coordinator_items(user):
    """Letters not yet sent; letters that failed or may not have gone out, each with a link."""
    url = reverse("application-list")
    count, problems = letter_delivery.needing_attention()
    first_url = (
        reverse("application-detail", args=[problems[0].application_id]) + "#letters"
        if problems
        else f"{url}?state=approved"
    )
    items = [
        Item(
            _("Decision letters not yet sent"),
            selectors.unsent_letter_count(),
            f"{url}?state=approved",
        ),
        Item(_("Decision letters that failed or need checking"), count, first_url),
    ]
    for letter in problems:
        label = (
            _("Letter %(number)s of %(reference)s could not be rendered")
            if letter.status == DecisionLetter.Status.FAILED
            else _("Letter %(number)s of %(reference)s: sending interrupted")
        )
        items.append(
            Action(
                label % {"number": letter.number, "reference": letter.application.reference},
                reverse("application-detail", args=[letter.application_id]) + "#letters",
            )
        )
    return items


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
        for letter in letters:
            letter.events = [
                {**entry, "at": datetime.fromisoformat(entry["at"])} for entry in letter.history
            ]
        if letters:
            context = {
                "application": application,
                "letters": letters,
                "may_resend": rules.has_perm("decisions.resend_letter", user, application),
                "resendable": RESENDABLE,
            }
            entries.append(extensions.Part("decisions/_letters.html", context))
    return entries


def register():
    panels.add_items("coordinator", coordinator_items, order=30)
    panels.add_items("board", board_items, order=10)
    extensions.add_detail_contribution(detail_contribution)
