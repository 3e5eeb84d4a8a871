"""The board's mails, registered with ``notifications`` (the letter mails itself: ``letters``)."""

from funding.models import BOARD
from notifications import registry
from notifications.mails import group_emails


def _decision_proposed(decision):
    return group_emails(BOARD, exclude=[decision.proposed_by]), {"decision": decision}, None


def register():
    registry.add_mail_kind("decision_proposed", _decision_proposed)
