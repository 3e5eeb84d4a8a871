"""The board's mails, registered with ``notifications`` (the letter mails itself: ``letters``).

The context holds plain values as of the proposal (rendered there and then by
``notifications.mails.compose``); the outcome's label is translated into the reader's language.
"""

from funding.models import BOARD, COORDINATORS
from notifications import registry
from notifications.mails import group_emails
from reviews.models import ConflictDeclaration

from .models import Decision


def _decision_proposed(decision):
    application = decision.application
    context = {
        "reference": application.reference or "",
        "title": application.title,
        "application_id": application.pk,
        "outcome": Decision.Outcome(decision.outcome).label,
    }
    # Not to the proposer, nor to a member who declared a conflict for this round.
    conflicted = (
        ConflictDeclaration.objects.filter(
            application=application,
            round=application.submission_count,
            role=ConflictDeclaration.Role.BOARD,
            superseded_by__isnull=True,
        )
        .exclude(kind=ConflictDeclaration.Kind.NONE)
        .select_related("user")
    )
    exclude = [decision.proposed_by, *(declaration.user for declaration in conflicted)]
    return group_emails(BOARD, exclude=exclude), context, None


def _board_recused(declaration):
    """To the coordination office: a board member declared a conflict (``declaration``)."""
    application = declaration.application
    member = declaration.user
    context = {
        "reference": application.reference or "",
        "title": application.title,
        "application_id": application.pk,
        "member": member.get_full_name() or member.get_username(),
        "kind": ConflictDeclaration.Kind(declaration.kind).label,
        "proposal_void": application.decisions.filter(
            status=Decision.Status.VOID, proposed_by=member
        ).exists(),
    }
    return group_emails(COORDINATORS), context, None


def register():
    registry.add_mail_kind("decision_proposed", _decision_proposed)
    registry.add_mail_kind("board_recused", _board_recused)
