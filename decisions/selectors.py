"""Read queries of the board's step: the queue, budgets, de minimis, decisions and letters."""

import datetime
from decimal import Decimal

import rules
from django.db.models import Case, CharField, Exists, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Concat, Trim
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from applications import checks
from applications.models import Application, State
from reviews.models import Assignment
from reviews.summary import review_annotations

from .models import Decision, DecisionLetter

# ----- the queue -----------------------------------------------------------------------------

QUEUE_ORDER = (F("awaiting_since").asc(nulls_last=True), "id")


def _awaiting(programme=None):
    queryset = Application.objects.filter(state=State.AWAITING_DECISION)
    if programme is not None:
        queryset = queryset.filter(programme=programme)
    return queryset


def queue_size(programme=None):
    """How many applications await a decision (a plain count, without the annotations)."""
    return _awaiting(programme).count()


def queue_ids(programme=None):
    """The queue's order as ids only: cheap to page through (index on state, awaiting_since)."""
    return _awaiting(programme).order_by(*QUEUE_ORDER).values_list("pk", flat=True)


def _display_name(prefix):
    """A user's full name, or the username when no name is recorded (in SQL)."""
    first, last = F(f"{prefix}first_name"), F(f"{prefix}last_name")
    return Case(
        When(
            Q(**{f"{prefix}first_name": ""}) & Q(**{f"{prefix}last_name": ""}),
            then=F(f"{prefix}username"),
        ),
        default=Trim(Concat(first, Value(" "), last, output_field=CharField())),
        output_field=CharField(),
    )


def board_queue(programme=None, user=None):
    """Applications awaiting a decision, the longest waiting first, in one query.

    Each row carries the review summary (``reviews.summary.review_annotations``) and
    ``has_open_proposal``, ``proposal_outcome``, ``proposer_id`` and ``proposer_name``. With
    ``user``, also ``user_reviewed`` (the user was asked to review it in some round, so may not
    decide it).
    """
    open_proposals = Decision.objects.filter(
        application=OuterRef("pk"), status=Decision.Status.OPEN
    )
    annotations = {
        **review_annotations(),
        "has_open_proposal": Exists(open_proposals),
        "proposal_outcome": Subquery(open_proposals.values("outcome")[:1]),
        "proposer_id": Subquery(open_proposals.values("proposed_by_id")[:1]),
        "proposer_name": Subquery(
            open_proposals.annotate(name=_display_name("proposed_by__")).values("name")[:1]
        ),
    }
    if user is not None and user.is_authenticated:
        annotations["user_reviewed"] = Exists(
            Assignment.objects.filter(application=OuterRef("pk"), reviewer=user)
        )
    return (
        _awaiting(programme)
        .select_related("programme", "organization")
        .annotate(**annotations)
        .order_by(*QUEUE_ORDER)
    )


# ----- budget and de minimis -------------------------------------------------------------------


def committed_budget(programme):
    """Money already granted by confirmed approvals of the programme."""
    total = Decision.objects.filter(
        application__programme=programme,
        outcome=Decision.Outcome.APPROVE,
        status=Decision.Status.CONFIRMED,
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


def reserved_budget(programme, exclude=None):
    """Money in open approval proposals (checked at proposal, not yet granted)."""
    qs = Decision.objects.filter(
        application__programme=programme,
        outcome=Decision.Outcome.APPROVE,
        status=Decision.Status.OPEN,
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def granted_de_minimis(application):
    """What this fund granted the company after it declared its de minimis aid.

    The declaration at the last submission covers the three years before it; grants of this
    fund confirmed since then are not in it yet and count as well (never twice).
    """
    three_years = timezone.now() - datetime.timedelta(days=3 * 365)
    since = max(three_years, application.last_submitted_at or three_years)
    total = Decision.objects.filter(
        application__organization_id=application.organization_id,
        outcome=Decision.Outcome.APPROVE,
        status=Decision.Status.CONFIRMED,
        confirmed_at__gt=since,
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


def de_minimis_headroom(application):
    """The de minimis headroom at the decision (``checks.de_minimis_headroom`` with the grants
    of this fund confirmed since the company's declaration)."""
    return checks.de_minimis_headroom(application, granted_de_minimis(application))


# ----- decisions and letters -------------------------------------------------------------------


def decisions(application):
    return list(application.decisions.select_related("proposed_by", "confirmed_by"))


def has_open_proposal(application):
    return Decision.objects.filter(application=application, status=Decision.Status.OPEN).exists()


def get_visible_decision(user, pk):
    """A decision of an application the user may see (else 404)."""
    decision = get_object_or_404(
        Decision.objects.select_related(
            "application__programme", "application__organization", "proposed_by"
        ),
        pk=pk,
    )
    if not rules.has_perm("applications.see", user, decision.application):
        raise Http404
    return decision


def letters(application):
    return DecisionLetter.objects.filter(application=application).order_by("number")


def get_visible_letter(user, application_pk, letter_pk):
    """A letter of an application whose letters the user may read (else 404)."""
    letter = get_object_or_404(
        DecisionLetter.objects.select_related("application__organization"),
        pk=letter_pk,
        application_id=application_pk,
    )
    if not rules.has_perm("decisions.read_letters", user, letter.application):
        raise Http404
    return letter


def letter_by_reference(reference, number=None):
    """The latest (or the ``number``-th) letter of the application ``reference``, for the
    commands; ``LookupError`` says which of the two does not exist."""
    application = Application.objects.filter(reference=reference).first()
    if application is None:
        raise LookupError(f'No application with reference "{reference}".')
    letters = DecisionLetter.objects.filter(application=application).order_by("-number")
    if number is not None:
        letters = letters.filter(number=number)
    found = letters.select_related("application").first()
    if found is None:
        which = f"letter {number}" if number is not None else "decision letter"
        raise LookupError(f"Application {reference} has no {which}.")
    return found


def unsent_letter_count():
    return DecisionLetter.objects.exclude(status=DecisionLetter.Status.SENT).count()


def open_proposals_for(user):
    """Open proposals made by another board member (waiting for this one's confirmation)."""
    return Decision.objects.filter(status=Decision.Status.OPEN).exclude(proposed_by=user).count()
