"""The board's mails, registered with ``notifications`` (the letter mails itself: ``letters``).

Each answers ``(recipients, context, language)`` with plain values as of the change (rendered
there and then by ``notifications.mails.compose``); labels (outcome, type of conflict) are
translated into each reader's language. The board's links lead to its decision page
(``board-decide``), never to the company's page.

| kind | to | optional |
|---|---|---|
| ``round_complete`` | the board members without a conflict (the application awaits them) | yes |
| ``decision_proposed`` | the other board members without a conflict | yes |
| ``board_recused`` | the coordination office (a board member declared a conflict) | yes |

``round_complete`` is written by ``signals`` when ``complete_review`` fires (the review round
is closed in ``reviews``, which may not import this app).
"""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from applications.mails import facts
from funding.models import BOARD, COORDINATORS
from notifications import registry
from notifications.mails import absolute, group_users
from reviews.models import Assignment, ConflictDeclaration

from .models import Decision


def board_without_conflict(application, exclude=()):
    """The active board members who may decide ``application`` or still declare on it (one
    query): not a member of the applicant organisation, never asked to review it (any round),
    no conflict declared as a board member for the current round (``rules.free_of_conflict``
    and ``rules.declared_conflict_as_board``). Who has not declared yet is included: they
    declare before deciding."""
    declared = (
        ConflictDeclaration.objects.filter(
            application_id=application.pk,
            round=application.submission_count,
            role=ConflictDeclaration.Role.BOARD,
            superseded_by__isnull=True,
        )
        .exclude(kind=ConflictDeclaration.Kind.NONE)
        .values("user_id")
    )
    reviewers = Assignment.objects.filter(application_id=application.pk).values("reviewer_id")
    users = (
        get_user_model()
        .objects.filter(groups__name=BOARD, is_active=True)
        .exclude(memberships__organization_id=application.organization_id)
        .exclude(pk__in=reviewers)
        .exclude(pk__in=declared)
        .exclude(pk__in=[user.pk for user in exclude])
    )
    return list(users.order_by("pk").distinct())


def board_facts(application):
    """``facts`` with the link to the board's decision page."""
    return {
        **facts(application),
        "url": absolute(reverse("board-decide", args=[application.pk])),
    }


def _round_complete(application):
    """To the board: the review round is closed, the application awaits the decision."""
    reviews = Assignment.objects.filter(
        application_id=application.pk,
        round=application.submission_count,
        status=Assignment.Status.DONE,
    ).count()
    context = {**board_facts(application), "reviews": reviews}
    return board_without_conflict(application), context, None


def _decision_proposed(decision):
    application = decision.application
    context = {
        **board_facts(application),
        "outcome": Decision.Outcome(decision.outcome).label,
    }
    # Not to the proposer, nor to a member with a conflict.
    return board_without_conflict(application, exclude=[decision.proposed_by]), context, None


def _board_recused(declaration):
    """To the coordination office: a board member declared a conflict (``declaration``)."""
    application = declaration.application
    member = declaration.user
    context = {
        **facts(application),
        "member": member.get_full_name() or member.get_username(),
        "kind": ConflictDeclaration.Kind(declaration.kind).label,
        "proposal_void": application.decisions.filter(
            status=Decision.Status.VOID, proposed_by=member
        ).exists(),
    }
    return group_users(COORDINATORS), context, None


def register():
    registry.add_mail_kind(
        "round_complete",
        _round_complete,
        label=_("Review round complete"),
        optional=True,
    )
    registry.add_mail_kind(
        "decision_proposed", _decision_proposed, label=_("Decision proposed"), optional=True
    )
    registry.add_mail_kind(
        "board_recused",
        _board_recused,
        label=_("Board member recused"),
        optional=True,
    )
