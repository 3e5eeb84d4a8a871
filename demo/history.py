"""Seeding only: an application's story moved back in time, so that reminders are due.

The services date everything from the real clock, but the reminders need things that happened
days or weeks ago: a draft left untouched for a month, an application awaiting the board for
three weeks, a proposal nobody confirmed for days. ``time-machine`` is a development dependency
only (not installed by ``make run``), so ``seed_demo`` creates everything through the services
today and then moves each such application's own timestamps back by the same number of days,
with queryset updates: its history keeps its order and reads as if it had happened then (the
transition log, versions, documents, assignments and reviews, declarations, the discussion,
decisions, letters, its mails and inbox entries).
"""

import datetime

from django.db.models import F
from django_fsm_log.models import StateLog

from applications.models import Application, ApplicationVersion, Document
from decisions.models import Decision, DecisionLetter
from notifications.models import Notification, OutboxMail
from reviews.models import Assignment, ConflictDeclaration, Post, PostRevision, Review

# The demo applications whose story started earlier: key → days back, and the reminder that
# makes due on the day after seeding (``manage.py send_reminders --now <tomorrow 10:00>``).
DAYS_BACK = {
    "draft": 31,  # untouched for 32 days then: applications.draft_idle (30 days + a week)
    "awaiting_decision": 22,  # awaiting the board 23 days: decisions.decision_due (21 days)
    "proposed": 4,  # proposed 5 days before: decisions.proposal_unconfirmed (3 days)
}


def backdate(application, days):
    """Move everything that happened to ``application`` ``days`` days back (same time of day)."""
    delta = datetime.timedelta(days=days)

    def shift(queryset, *fields):
        queryset.update(**{name: F(name) - delta for name in fields})

    pk = application.pk
    shift(
        Application.objects.filter(pk=pk),
        "created_at",
        "updated_at",
        "submitted_at",
        "last_submitted_at",
        "review_started_at",
        "awaiting_since",
    )
    shift(StateLog.objects.for_(application), "timestamp")
    shift(ApplicationVersion.objects.filter(application_id=pk), "submitted_at")
    shift(Document.objects.filter(application_id=pk), "uploaded_at")
    shift(ConflictDeclaration.objects.filter(application_id=pk), "declared_at")
    shift(Assignment.objects.filter(application_id=pk), "assigned_at")
    # A date column: moved row by row (date arithmetic in SQL differs between the databases).
    for assignment_id, due_on in Assignment.objects.filter(
        application_id=pk, due_on__isnull=False
    ).values_list("pk", "due_on"):
        Assignment.objects.filter(pk=assignment_id).update(due_on=due_on - delta)
    shift(Review.objects.filter(assignment__application_id=pk), "submitted_at", "updated_at")
    shift(Post.objects.filter(application_id=pk), "created_at", "edited_at")
    shift(PostRevision.objects.filter(post__application_id=pk), "replaced_at")
    shift(Decision.objects.filter(application_id=pk), "proposed_at", "confirmed_at")
    shift(
        DecisionLetter.objects.filter(application_id=pk),
        "created_at",
        "claimed_at",
        "rendered_at",
        "sent_at",
    )
    shift(OutboxMail.objects.filter(application_id=pk), "created_at", "claimed_at", "sent_at")
    shift(Notification.objects.filter(application_id=pk), "created_at", "read_at")
