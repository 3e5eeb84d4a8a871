"""Seeding only: applications' stories moved back in time.

The services date everything from the real clock, but the demo needs things that happened
earlier: reminders need a draft left untouched for a month, an application awaiting the board
for three weeks, a proposal nobody confirmed for days; the reports need two years of decided
applications. ``time-machine`` is a development dependency only (not installed by ``make
run``), so ``seed_demo`` creates everything through the services today and then moves each
application's own timestamps, with updates of its rows: its history keeps its order and reads
as if it had happened then (the transition log, versions, documents, assignments and reviews,
declarations, the discussion, decisions, letters, its mails and inbox entries).

Two ways:

- ``backdate(application, days)``: the whole story by the same number of days (the reminder
  stories of ``DAYS_BACK``).
- ``Timeline``: each step to its own moment (the past of ``demo.past``): ``timeline.at(moment)``
  before a step says when it happened; ``timeline.rewrite(ids)`` afterwards maps every timestamp
  written since to the step's moment (plus the seconds the step took). Review due dates (a date
  column) are set by the seeding code itself. ``renumber(ids)`` then gives the moved
  applications the references of the years they were submitted in.
"""

import bisect
import contextlib
import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications.models import Application, ApplicationVersion, Document, Message, ReferenceCounter
from decisions.models import Decision, DecisionLetter
from notifications import mails
from notifications.models import Notification, OutboxMail
from reviews.models import Assignment, ConflictDeclaration, Post, PostRevision, Review

# The demo applications whose story started earlier: key → days back, and the reminder that
# makes due on the day after seeding (``manage.py send_reminders --now <tomorrow 10:00>``).
DAYS_BACK = {
    "draft": 31,  # untouched for 32 days then: applications.draft_idle (30 days + a week)
    "awaiting_decision": 22,  # awaiting the board 23 days: decisions.decision_due (21 days)
    "proposed": 4,  # proposed 5 days before: decisions.proposal_unconfirmed (3 days)
}


def stamped(ids):
    """Every row of the stories of the applications ``ids``, with its timestamp columns."""
    content_type = ContentType.objects.get_for_model(Application)
    return [
        (
            Application.objects.filter(pk__in=ids),
            (
                "created_at",
                "updated_at",
                "submitted_at",
                "last_submitted_at",
                "review_started_at",
                "awaiting_since",
            ),
        ),
        (
            StateLog.objects.filter(content_type=content_type, object_id__in=ids),
            ("timestamp",),
        ),
        (ApplicationVersion.objects.filter(application_id__in=ids), ("submitted_at",)),
        (Document.objects.filter(application_id__in=ids), ("uploaded_at",)),
        (Message.objects.filter(application_id__in=ids), ("created_at",)),
        (ConflictDeclaration.objects.filter(application_id__in=ids), ("declared_at",)),
        (Assignment.objects.filter(application_id__in=ids), ("assigned_at",)),
        (
            Review.objects.filter(assignment__application_id__in=ids),
            ("submitted_at", "updated_at"),
        ),
        (Post.objects.filter(application_id__in=ids), ("created_at", "edited_at")),
        (PostRevision.objects.filter(post__application_id__in=ids), ("replaced_at",)),
        (Decision.objects.filter(application_id__in=ids), ("proposed_at", "confirmed_at")),
        (
            DecisionLetter.objects.filter(application_id__in=ids),
            ("created_at", "claimed_at", "rendered_at", "sent_at"),
        ),
        (
            OutboxMail.objects.filter(application_id__in=ids),
            ("created_at", "claimed_at", "sent_at"),
        ),
        (Notification.objects.filter(application_id__in=ids), ("created_at", "read_at")),
    ]


def backdate(application, days):
    """Move everything that happened to ``application`` ``days`` days back (same time of day)."""
    delta = datetime.timedelta(days=days)
    pk = application.pk
    for queryset, fields in stamped([pk]):
        queryset.update(**{name: F(name) - delta for name in fields})
    # A date column: moved row by row (date arithmetic in SQL differs between the databases).
    for assignment_id, due_on in Assignment.objects.filter(
        application_id=pk, due_on__isnull=False
    ).values_list("pk", "due_on"):
        Assignment.objects.filter(pk=assignment_id).update(due_on=due_on - delta)


class Timeline:
    """When each step of a past story happened (see the module's docstring)."""

    def __init__(self):
        self.real = []  # the real moments at which the steps began (ascending)
        self.story = []  # the moments they are to have happened at

    def at(self, moment):
        """What follows happened at ``moment`` (an aware datetime)."""
        self.real.append(timezone.now())
        self.story.append(moment)

    def moment(self, real):
        """The story's moment of a timestamp written at ``real`` (None stays None; anything
        before the first step stays where it is)."""
        if real is None:
            return None
        index = bisect.bisect_right(self.real, real) - 1
        if index < 0:
            return real
        return self.story[index] + (real - self.real[index])

    def rewrite(self, ids):
        """Move every timestamp of the stories of ``ids`` to the moments of their steps."""
        for queryset, fields in stamped(ids):
            rows = list(queryset.only("pk", *fields))
            for row in rows:
                for name in fields:
                    setattr(row, name, self.moment(getattr(row, name)))
            queryset.model.objects.bulk_update(rows, fields, batch_size=500)


def reference_counters():
    """The reference counters by year (to hand to ``renumber`` later)."""
    return dict(ReferenceCounter.objects.values_list("year", "last"))


def renumber(ids, counters):
    """The references of the applications ``ids`` by the year and order of their (moved)
    first submission, each year's numbers continuing after ``counters`` (the counters by
    year before they were submitted: ``reference_counters()``); the counters then continue
    after them. Call it before any other application is submitted.
    """
    moved = list(
        Application.objects.filter(pk__in=ids, reference__isnull=False).order_by(
            "submitted_at", "pk"
        )
    )
    # The years whose counters the services raised for them (the year of the real submission).
    raised = {int(application.reference.split("-")[1]) for application in moved}
    for application in moved:  # out of the way first: references are unique
        application.reference = f"TMP-{application.pk}"
    Application.objects.bulk_update(moved, ["reference"])
    last = {year: counters.get(year, 0) for year in raised}
    for application in moved:
        year = timezone.localdate(application.submitted_at).year
        last[year] = last.get(year, counters.get(year, 0)) + 1
        application.reference = f"RK-{year}-{last[year]:04d}"
    Application.objects.bulk_update(moved, ["reference"])
    for year, number in last.items():
        ReferenceCounter.objects.update_or_create(year=year, defaults={"last": number})


@contextlib.contextmanager
def no_progress_mails():
    """The services write no progress mails and no inbox entries meanwhile: the mails of a
    past story went out back then (the demo users' inboxes keep today's stories only)."""
    compose = mails.compose
    mails.compose = lambda kind, obj: []
    try:
        yield
    finally:
        mails.compose = compose
