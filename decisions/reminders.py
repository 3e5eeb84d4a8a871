"""The board's reminder rules (registered with ``notifications``).

``decisions.decision_due``: an application awaiting the decision. Keys read
``decision_due:<application>:<board member>:<round>-<days>`` (the board members without a
conflict: after the programme's ``decision_due`` days (default 21), until the
``decision_escalate`` days (default 35), and again after those; once each; ``<days>`` is the
offset of the stage) and ``decision_escalated:<application>:<coordinator>:<round>`` (the
coordination office, after ``decision_escalate`` days; once). A ``decision_due`` not below
``decision_escalate`` leaves only the later stage. ``decisions.proposal_unconfirmed``: an open
proposal. Keys read ``proposal_unconfirmed:<decision>:<board member>:<proposed on>`` (the other
board members without a conflict, after ``proposal_unconfirmed`` days (default 3); once).
``<round>`` is the application's ``submission_count``: it awaits the decision once per
submission.

Without a conflict: not a member of the applicant organisation, never asked to review it, no
conflict declared as a board member for the current round (see ``decisions.rules``); who has not
declared yet is reminded (they declare before deciding). Every reminder is in its recipient's
language (``Profile.language``; dates too). The offsets are the programme's
(``Programme.reminder_days``, ``notifications.offsets``). Days are Berlin calendar days; the
later stages and the proposal's reminder missed by more than ``LATE_DAYS`` of downtime are not
sent any more (the first stage is due until the later one).
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application, State
from applications.reminders import mail_date
from funding.models import BOARD, COORDINATORS
from notifications import offsets, registry
from notifications.reminders import Due, Rule, plain_mails
from reviews.models import Assignment, ConflictDeclaration

from .models import Decision

DECISION_DUE = "decision_due"
DECISION_ESCALATED = "decision_escalated"
PROPOSAL_UNCONFIRMED = "proposal_unconfirmed"
# The offsets' names (``Programme.reminder_days``) and defaults.
DUE_DAYS = "decision_due"  # awaiting the decision: the board (default 21)
ESCALATE_DAYS = "decision_escalate"  # the board again, and the office (default 35)
UNCONFIRMED_DAYS = "proposal_unconfirmed"  # an open proposal: the other board members (3)
LATE_DAYS = 7  # how long after its first day a reminder is still sent (downtime)

# A user: (id, email, first name, last name, username, language or "")
USER_FIELDS = ("id", "email", "first_name", "last_name", "username", "profile__language")
# (application id, round, reference, title, programme id) + since (a Berlin date)
APPLICATION_FIELDS = ("id", "submission_count", "reference", "title", "programme_id")
ID, ROUND, REFERENCE, TITLE, PROGRAMME, SINCE = range(6)


class DecisionDue(Rule):
    name = "decisions.decision_due"
    kinds = (DECISION_DUE, DECISION_ESCALATED)

    def recent_for(self, offsets):
        """The first stage is due until the later one, the others for LATE_DAYS."""
        return timedelta(days=max(offsets.widest(ESCALATE_DAYS), LATE_DAYS) + 1)

    def due(self, now, offsets):
        """Every reminder key due today: three queries, whatever the number of rows and
        programmes."""
        today = timezone.localdate(now)
        earliest = min(offsets.narrowest(DUE_DAYS), offsets.narrowest(ESCALATE_DAYS))
        waiting = Application.objects.filter(
            state=State.AWAITING_DECISION,
            awaiting_since__lt=_day_start(today, -earliest + 1),
            awaiting_since__gte=_day_start(today, -offsets.widest(ESCALATE_DAYS) - LATE_DAYS + 1),
        ).order_by()
        rows = [
            (*row[:SINCE], timezone.localdate(row[SINCE]))
            for row in waiting.values_list(*APPLICATION_FIELDS, "awaiting_since")
        ]
        if not rows:
            return {}
        board, office = _staff()
        conflicts = _conflicts(waiting.values("id"))
        due = {}
        for row in rows:
            days = (today - row[SINCE]).days
            first = offsets.days(row[PROGRAMME], DUE_DAYS)
            last = offsets.days(row[PROGRAMME], ESCALATE_DAYS)
            stage = None
            if last <= days < last + LATE_DAYS:
                stage = last
            elif first <= days < last:
                stage = first
            url = _site() + reverse("board-decide", args=[row[ID]])
            if stage is not None:
                for user in board:
                    if (row[ID], user[0]) not in conflicts:
                        key = f"{DECISION_DUE}:{row[ID]}:{user[0]}:{row[ROUND]}-{stage}"
                        due[key] = _due(self.name, key, DECISION_DUE, row, user, days, url)
            if stage == last:
                url = _site() + reverse("application-detail", args=[row[ID]])
                for user in office:
                    key = f"{DECISION_ESCALATED}:{row[ID]}:{user[0]}:{row[ROUND]}"
                    due[key] = _due(self.name, key, DECISION_ESCALATED, row, user, days, url)
        return due

    def messages(self, dues):
        return plain_mails(
            dues,
            {
                DECISION_DUE: _decision_due_texts,
                DECISION_ESCALATED: _decision_escalated_texts,
            },
            _values,
        )


class ProposalUnconfirmed(Rule):
    name = "decisions.proposal_unconfirmed"
    kinds = (PROPOSAL_UNCONFIRMED,)
    recent = timedelta(days=LATE_DAYS + 1)

    def due(self, now, offsets):
        """Every reminder key due today: three queries, whatever the number of rows and
        programmes."""
        today = timezone.localdate(now)
        proposals = Decision.objects.filter(
            status=Decision.Status.OPEN,
            application__state=State.AWAITING_DECISION,
            proposed_at__lt=_day_start(today, -offsets.narrowest(UNCONFIRMED_DAYS) + 1),
            proposed_at__gte=_day_start(today, -offsets.widest(UNCONFIRMED_DAYS) - LATE_DAYS + 1),
        ).order_by()
        rows = []
        for row in proposals.values_list(
            *(f"application__{field}" for field in APPLICATION_FIELDS),
            "proposed_at",
            "id",
            "proposed_by_id",
        ):
            row = (*row[:SINCE], timezone.localdate(row[SINCE]), *row[SINCE + 1 :])
            days = (today - row[SINCE]).days
            first = offsets.days(row[PROGRAMME], UNCONFIRMED_DAYS)
            if first <= days < first + LATE_DAYS:
                rows.append((row, days))
        if not rows:
            return {}
        board, _office = _staff()
        conflicts = _conflicts(proposals.values("application_id"))
        due = {}
        for row, days in rows:
            decision_id, proposer_id = row[SINCE + 1 : SINCE + 3]
            url = _site() + reverse("board-decide", args=[row[ID]])
            for user in board:
                if user[0] != proposer_id and (row[ID], user[0]) not in conflicts:
                    key = f"{PROPOSAL_UNCONFIRMED}:{decision_id}:{user[0]}:{row[SINCE].isoformat()}"
                    due[key] = _due(self.name, key, PROPOSAL_UNCONFIRMED, row, user, days, url)
        return due

    def messages(self, dues):
        return plain_mails(dues, {PROPOSAL_UNCONFIRMED: _proposal_texts}, _values)


def register():
    registry.add_reminder_offset(
        offsets.Offset(
            DUE_DAYS,
            gettext_lazy("Awaiting the decision: remind the board after (days)"),
            21,
            order=30,
        )
    )
    registry.add_reminder_offset(
        offsets.Offset(
            ESCALATE_DAYS,
            gettext_lazy(
                "Awaiting the decision: remind the board again and tell the coordination "
                "office after (days)"
            ),
            35,
            order=31,
        )
    )
    registry.add_reminder_offset(
        offsets.Offset(
            UNCONFIRMED_DAYS,
            gettext_lazy(
                "Decision proposal not confirmed: remind the other board members after (days)"
            ),
            3,
            order=32,
        )
    )
    registry.add_reminder_rule(DecisionDue())
    registry.add_reminder_rule(ProposalUnconfirmed())


def _due(rule, key, kind, row, user, days, url):
    data = (row, user, days, url)
    reference = row[REFERENCE] or ""
    return Due(key, rule, kind, user[0], user[1], reference, data, language=user[5], url=url)


def _site():
    return settings.SITE_URL.rstrip("/")


def _day_start(today, days):
    """The start (local time, Europe/Berlin) of the day ``days`` after ``today``."""
    day = today + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time.min))


def _staff():
    """``(board, office)``: active board members and coordinators with an email, as
    ``(id, email, first name, last name, username, language or "")`` (one query)."""
    users = (
        get_user_model()
        .objects.filter(groups__name__in=[BOARD, COORDINATORS], is_active=True)
        .exclude(email="")
        .order_by("id", "groups__name")
        .values_list(*USER_FIELDS, "groups__name")
    )
    board, office = [], []
    for *user, language, group in users:
        (board if group == BOARD else office).append((*user, language or ""))
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
    """The placeholders of a board or office reminder; the date in the recipient's language."""
    row, user, days, url = item.data
    first_name, last_name, username = user[2:5]
    return {
        "name": f"{first_name} {last_name}".strip() or username,
        "reference": row[REFERENCE] or "",
        "title": row[TITLE],
        "since": mail_date(row[SINCE], item.language),
        "days": days,
        "url": url,
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
