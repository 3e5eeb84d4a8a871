"""The reviews' reminder rule: review due soon, and overdue (registered with ``notifications``).

Keys read ``review_due_soon:<assignment>:<reviewer>:<due date>`` (once) and
``review_overdue:<assignment>:<reviewer>:<week past the due date>`` (every 7 days). The sweep
in ``notifications.reminders`` claims and sends them.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import State
from notifications import registry
from notifications.reminders import Due, Rule, plain_mails

from .models import Assignment

DUE_SOON = "review_due_soon"
OVERDUE = "review_overdue"
DUE_SOON_DAYS = 3
OVERDUE_EVERY_DAYS = 7

# (assignment id, reviewer id, due on, email, first name, last name, username, reference, title)
FIELDS = (
    "id",
    "reviewer_id",
    "due_on",
    "reviewer__email",
    "reviewer__first_name",
    "reviewer__last_name",
    "reviewer__username",
    "application__reference",
    "application__title",
)


class ReviewDue(Rule):
    name = "reviews.review_due"
    kinds = (DUE_SOON, OVERDUE)
    # A due-soon key can be claimed from 3 days before its due date, an overdue key only during
    # the week of its occurrence.
    recent = timedelta(days=OVERDUE_EVERY_DAYS + 1)

    def due(self, now, offsets):
        """Every reminder key due today, in one query."""
        today = timezone.localdate(now)
        rows = (
            Assignment.objects.filter(
                status=Assignment.Status.OPEN,
                application__state=State.IN_REVIEW,
                round=F("application__submission_count"),
                due_on__lte=today + timedelta(days=DUE_SOON_DAYS),
                reviewer__is_active=True,
            )
            .exclude(reviewer__email="")
            .order_by()
            .values_list(*FIELDS)
        )
        return dict(self._keyed(row, today) for row in rows)

    def _keyed(self, row, today):
        assignment_id, reviewer_id, due_on = row[:3]
        days_overdue = (today - due_on).days
        if days_overdue <= 0:
            kind, occurrence = DUE_SOON, due_on.isoformat()
        else:
            kind, occurrence = OVERDUE, days_overdue // OVERDUE_EVERY_DAYS
        key = f"{kind}:{assignment_id}:{reviewer_id}:{occurrence}"
        return key, Due(key, self.name, kind, reviewer_id, row[3], row[7] or "", row)

    def messages(self, dues):
        """The mails, in the order of ``dues``; texts are translated once per sweep."""

        def texts(language):
            return {DUE_SOON: _due_soon_texts(), OVERDUE: _overdue_texts()}

        link = settings.SITE_URL.rstrip("/") + "/reviews/"
        return plain_mails(dues, texts, lambda item: _values(item.data, link))


def register():
    registry.add_reminder_rule(ReviewDue())


def _values(row, link):
    first_name, last_name, username, reference, title = row[4:]
    return {
        "name": f"{first_name} {last_name}".strip() or username,
        "reference": reference,
        "title": title,
        "due": row[2].strftime("%d.%m.%Y"),
        "url": link,
    }


def _due_soon_texts():
    subject = _("Review due on %(due)s: application %(reference)s")
    lines = [
        _("Your review of application %(reference)s “%(title)s” is due on %(due)s."),
        _("Please submit your review here: %(url)s"),
        _("If you cannot review this application, please tell the coordination office."),
        _("Kind regards\nThe coordination office"),
    ]
    return subject, "\n\n".join(lines)


def _overdue_texts():
    subject = _("Review overdue: application %(reference)s")
    lines = [
        _(
            "Your review of application %(reference)s “%(title)s” was due on %(due)s "
            "and has not been submitted yet."
        ),
        _("Please submit your review here: %(url)s"),
        _("If you cannot review this application, please tell the coordination office."),
        _("Kind regards\nThe coordination office"),
    ]
    return subject, "\n\n".join(lines)
