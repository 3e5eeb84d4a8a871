"""The start page: what each role has to do now, with counts (a few queries per role)."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from funding import roles

from .models import Application, Decision, DecisionLetter, State


def _link(label, count, url):
    return {"label": label, "count": count, "url": url}


def _by_state(queryset, wanted):
    counts = dict(queryset.order_by().values_list("state").annotate(n=Count("id")))
    return {state: counts.get(state, 0) for state in wanted}


def applicant_panel(user):
    own = Application.objects.filter(organization__members=user)
    counts = _by_state(
        own,
        [
            State.DRAFT,
            State.RETURNED,
            State.SUBMITTED,
            State.IN_REVIEW,
            State.AWAITING_DECISION,
            State.APPROVED,
        ],
    )
    url = reverse("application-list")
    in_progress = (
        counts[State.SUBMITTED] + counts[State.IN_REVIEW] + counts[State.AWAITING_DECISION]
    )
    return {
        "title": _("Your company's applications"),
        "items": [
            _link(
                _("Returned for revision: please complete"),
                counts[State.RETURNED],
                f"{url}?state=returned",
            ),
            _link(_("Drafts"), counts[State.DRAFT], f"{url}?state=draft"),
            _link(_("Being checked, reviewed or decided"), in_progress, url),
            _link(_("Approved"), counts[State.APPROVED], f"{url}?state=approved"),
        ],
        "action": (_("Start a new application"), reverse("application-new")),
    }


def coordinator_panel(user):
    counts = _by_state(
        Application.objects.all(), [State.SUBMITTED, State.IN_REVIEW, State.AWAITING_DECISION]
    )
    overdue = (
        Application.objects.filter(
            state=State.IN_REVIEW,
            assignments__status="open",
            assignments__due_on__lt=timezone.localdate(),
        )
        .distinct()
        .count()
    )
    unsent = DecisionLetter.objects.exclude(status=DecisionLetter.Status.SENT).count()
    url = reverse("application-list")
    return {
        "title": _("Coordination office"),
        "items": [
            _link(
                _("Submitted: check and assign reviewers"),
                counts[State.SUBMITTED],
                f"{url}?state=submitted",
            ),
            _link(_("In review"), counts[State.IN_REVIEW], f"{url}?state=in_review"),
            _link(_("In review with overdue reviews"), overdue, f"{url}?state=in_review"),
            _link(
                _("Awaiting the board's decision"),
                counts[State.AWAITING_DECISION],
                f"{url}?state=awaiting_decision",
            ),
            _link(_("Decision letters not yet sent"), unsent, f"{url}?state=approved"),
        ],
    }


def board_panel(user):
    awaiting = Application.objects.filter(state=State.AWAITING_DECISION)
    open_proposals = Decision.objects.filter(status=Decision.Status.OPEN)
    return {
        "title": _("Board"),
        "items": [
            _link(_("Awaiting a decision"), awaiting.count(), reverse("board-queue")),
            _link(
                _("Proposals waiting for your confirmation"),
                open_proposals.filter(~Q(proposed_by=user)).count(),
                reverse("board-queue"),
            ),
        ],
    }


def reviewer_panel(user):
    from_here = Application.objects.filter(
        state__in=[State.SUBMITTED, State.IN_REVIEW],
        assignments__reviewer=user,
        assignments__status="open",
    )
    today = timezone.localdate()
    return {
        "title": _("Expert project"),
        "items": [
            _link(_("Open review requests"), from_here.count(), reverse("review-list")),
            _link(
                _("Overdue"),
                Application.objects.filter(
                    state=State.IN_REVIEW,
                    assignments__reviewer=user,
                    assignments__status="open",
                    assignments__due_on__lt=today,
                ).count(),
                reverse("review-list"),
            ),
        ],
    }


def panels(user):
    result = []
    if roles.is_applicant(user):
        result.append(applicant_panel(user))
    if roles.is_coordinator(user):
        result.append(coordinator_panel(user))
    if roles.is_reviewer(user):
        result.append(reviewer_panel(user))
    if roles.is_board(user):
        result.append(board_panel(user))
    return result
