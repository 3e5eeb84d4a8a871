"""The board's reminder rules (registered with ``notifications``).

``decisions.decision_due``: an application awaiting the decision. Keys read
``decision_due:<application>:<board member>:<round>-<days>`` (the board members without a
conflict, after 21 and again after 35 days; once each) and
``decision_escalated:<application>:<coordinator>:<round>`` (the coordination office, after 35
days; once). ``decisions.proposal_unconfirmed``: an open proposal. Keys read
``proposal_unconfirmed:<decision>:<board member>:<proposed on>`` (the other board members without
a conflict, after 3 days; once). ``<round>`` is the application's ``submission_count``: it
awaits the decision once per submission.

Without a conflict: not a member of the applicant organisation, never asked to review it, no
conflict declared as a board member for the current round (see ``decisions.rules``); who has not
declared yet is reminded (they declare before deciding). Days are Berlin calendar days; a
reminder missed by more than ``LATE_DAYS`` of downtime is not sent any more. The offsets are
module constants until the programme settings carry them.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, State
from funding.models import BOARD, COORDINATORS
from notifications import registry
from notifications.reminders import Due, Rule, plain_mails
from reviews.models import Assignment, ConflictDeclaration

from .models import Decision

DECISION_DUE = "decision_due"
DECISION_ESCALATED = "decision_escalated"
PROPOSAL_UNCONFIRMED = "proposal_unconfirmed"
DECISION_DUE_DAYS = (21, 35)  # awaiting the decision: the board
ESCALATE_DAYS = 35  # awaiting the decision: also the coordination office
UNCONFIRMED_DAYS = 3  # an open proposal: the other board members
LATE_DAYS = 7  # how long after its first day a reminder is still sent (downtime)

USER_FIELDS = ("id", "email", "first_name", "last_name", "username")
# (application id, round, reference, title) + since (a Berlin date)
APPLICATION_FIELDS = ("id", "submission_count", "reference", "title")


class DecisionDue(Rule):
    name = "decisions.decision_due"
    kinds = (DECISION_DUE, DECISION_ESCALATED)
    # The 21-day key is due until day 35, the others for LATE_DAYS.
    recent = timedelta(days=DECISION_DUE_DAYS[1] - DECISION_DUE_DAYS[0] + 1)

    def due(self, now, offsets):
        """Every reminder key due today: three queries, whatever the number of rows."""
        today = timezone.localdate(now)
        first, last = DECISION_DUE_DAYS
        waiting = Application.objects.filter(
            state=State.AWAITING_DECISION,
            awaiting_since__lt=_day_start(today, -first + 1),
            awaiting_since__gte=_day_start(today, -max(last, ESCALATE_DAYS) - LATE_DAYS + 1),
        ).order_by()
        rows = [
            (*row[:4], timezone.localdate(row[4]))
            for row in waiting.values_list(*APPLICATION_FIELDS, "awaiting_since")
        ]
        if not rows:
            return {}
        board, office = _staff()
        conflicts = _conflicts(waiting.values("id"))
        due = {}
        for row in rows:
            days = (today - row[4]).days
            stage = last if days >= last else first
            if days < last + LATE_DAYS:
                for user in board:
                    if (row[0], user[0]) not in conflicts:
                        key = f"{DECISION_DUE}:{row[0]}:{user[0]}:{row[1]}-{stage}"
                        due[key] = self._due(key, DECISION_DUE, row, user, days)
            if ESCALATE_DAYS <= days < ESCALATE_DAYS + LATE_DAYS:
                for user in office:
                    key = f"{DECISION_ESCALATED}:{row[0]}:{user[0]}:{row[1]}"
                    due[key] = self._due(key, DECISION_ESCALATED, row, user, days)
        return due

    def _due(self, key, kind, row, user, days):
        return Due(key, self.name, kind, user[0], user[1], row[2] or "", (row, user, days))

    def messages(self, dues):
        def texts(language):
            return {
                DECISION_DUE: _decision_due_texts(),
                DECISION_ESCALATED: _decision_escalated_texts(),
            }

        return plain_mails(dues, texts, _values)


class ProposalUnconfirmed(Rule):
    name = "decisions.proposal_unconfirmed"
    kinds = (PROPOSAL_UNCONFIRMED,)
    recent = timedelta(days=LATE_DAYS + 1)

    def due(self, now, offsets):
        """Every reminder key due today: three queries, whatever the number of rows."""
        today = timezone.localdate(now)
        proposals = Decision.objects.filter(
            status=Decision.Status.OPEN,
            application__state=State.AWAITING_DECISION,
            proposed_at__lt=_day_start(today, -UNCONFIRMED_DAYS + 1),
            proposed_at__gte=_day_start(today, -UNCONFIRMED_DAYS - LATE_DAYS + 1),
        ).order_by()
        rows = [
            (*row[:4], timezone.localdate(row[4]), *row[5:])
            for row in proposals.values_list(
                *(f"application__{field}" for field in APPLICATION_FIELDS),
                "proposed_at",
                "id",
                "proposed_by_id",
            )
        ]
        if not rows:
            return {}
        board, _office = _staff()
        conflicts = _conflicts(proposals.values("application_id"))
        due = {}
        for row in rows:
            decision_id, proposer_id = row[5:7]
            for user in board:
                if user[0] != proposer_id and (row[0], user[0]) not in conflicts:
                    key = f"{PROPOSAL_UNCONFIRMED}:{decision_id}:{user[0]}:{row[4].isoformat()}"
                    due[key] = Due(
                        key,
                        self.name,
                        PROPOSAL_UNCONFIRMED,
                        user[0],
                        user[1],
                        row[2] or "",
                        (row, user, (today - row[4]).days),
                    )
        return due

    def messages(self, dues):
        def texts(language):
            return {PROPOSAL_UNCONFIRMED: _proposal_texts()}

        return plain_mails(dues, texts, _values)


def register():
    registry.add_reminder_rule(DecisionDue())
    registry.add_reminder_rule(ProposalUnconfirmed())


def _day_start(today, days):
    """The start (local time, Europe/Berlin) of the day ``days`` after ``today``."""
    day = today + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time.min))


def _staff():
    """``(board, office)``: active board members and coordinators with an email (one query)."""
    users = (
        get_user_model()
        .objects.filter(groups__name__in=[BOARD, COORDINATORS], is_active=True)
        .exclude(email="")
        .order_by("id", "groups__name")
        .values_list(*USER_FIELDS, "groups__name")
    )
    board, office = [], []
    for *user, group in users:
        (board if group == BOARD else office).append(tuple(user))
    return board, office


def _conflicts(application_ids):
    """``{(application id, user id)}`` of board members kept out (one query).

    Members of the applicant organisation, whoever was asked to review it (any round), who
    declared a conflict as a board member for the current round (and did not correct it).
    ``application_ids`` is a subquery of the applications in question.
    """
    members = (
        Application.objects.filter(
            id__in=application_ids, organization__memberships__user__groups__name=BOARD
        )
        .order_by()
        .values_list("id", "organization__memberships__user_id")
    )
    reviewers = (
        Assignment.objects.filter(application_id__in=application_ids, reviewer__groups__name=BOARD)
        .order_by()
        .values_list("application_id", "reviewer_id")
    )
    declared = (
        ConflictDeclaration.objects.filter(
            application_id__in=application_ids,
            role=ConflictDeclaration.Role.BOARD,
            round=F("application__submission_count"),
            superseded_by__isnull=True,
        )
        .exclude(kind=ConflictDeclaration.Kind.NONE)
        .order_by()
        .values_list("application_id", "user_id")
    )
    return set(members.union(reviewers, declared, all=True))


def _values(item):
    """The placeholders of a board or office reminder (``item.data``: row, user, days)."""
    row, user, days = item.data
    first_name, last_name, username = user[2:5]
    page = "application-detail" if item.kind == DECISION_ESCALATED else "board-decide"
    return {
        "name": f"{first_name} {last_name}".strip() or username,
        "reference": row[2] or "",
        "title": row[3],
        "since": row[4].strftime("%d.%m.%Y"),
        "days": days,
        "url": settings.SITE_URL.rstrip("/") + reverse(page, args=[row[0]]),
    }


def _decision_due_texts():
    subject = _("Decision pending: application %(reference)s")
    lines = [
        _(
            "Application %(reference)s “%(title)s” has been awaiting the board's decision "
            "since %(since)s (%(days)s days)."
        ),
        _("Please declare on conflicts of interest and decide here: %(url)s"),
        _("Kind regards\nThe coordination office"),
    ]
    return subject, "\n\n".join(lines)


def _decision_escalated_texts():
    subject = _("Decision overdue: application %(reference)s")
    lines = [
        _(
            "Application %(reference)s “%(title)s” has been awaiting the board's decision "
            "since %(since)s (%(days)s days)."
        ),
        _("The application: %(url)s"),
    ]
    return subject, "\n\n".join(lines)


def _proposal_texts():
    subject = _("Decision proposal awaiting confirmation: application %(reference)s")
    lines = [
        _(
            "A decision on application %(reference)s “%(title)s” was proposed on %(since)s "
            "and has not been confirmed yet (%(days)s days)."
        ),
        _("Please confirm the proposal or object to it here: %(url)s"),
        _("Kind regards\nThe coordination office"),
    ]
    return subject, "\n\n".join(lines)
