"""The board's mails, registered with ``notifications`` (the letter mails itself: ``letters``).

The context holds plain values as of the proposal (rendered there and then by
``notifications.mails.compose``); the outcome's label is translated into the reader's language.
"""

from funding.models import BOARD
from notifications import registry
from notifications.mails import group_emails

from .models import Decision


def _decision_proposed(decision):
    application = decision.application
    context = {
        "reference": application.reference or "",
        "title": application.title,
        "application_id": application.pk,
        "outcome": Decision.Outcome(decision.outcome).label,
    }
    return group_emails(BOARD, exclude=[decision.proposed_by]), context, None


def register():
    registry.add_mail_kind("decision_proposed", _decision_proposed)
