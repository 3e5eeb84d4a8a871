"""The reviews' reminder rule: review due soon, overdue, and escalated (``notifications``).

``reviews.review_due`` watches the open assignments of the current round of an application in
review. Keys read

- ``review_due_soon:<assignment>:<reviewer>:<due date>``: the reviewer, from the programme's
  ``review_due_soon`` days (default 3) before the due date up to it; once;
- ``review_overdue:<assignment>:<reviewer>:<occurrence>``: the reviewer, the day after the due
  date (occurrence 0), then every ``review_overdue_every`` days (default 7): the occurrence is
  (days overdue - 1) // every; after downtime only the latest occurrence is keyed;
- ``review_escalated:<assignment>:<coordinator>:<round>``: the coordination office (every
  active coordinator with an email) while the second overdue reminder (occurrence 1) is due;
  once.

Every reminder is in its recipient's language (``Profile.language``; dates too). The offsets
are the programme's (``Programme.reminder_days``, ``notifications.offsets``); a changed
``review_overdue_every`` counts the occurrences anew (the next reminder may come sooner, an
occurrence already sent is not sent again). The sweep in ``notifications.reminders`` claims
and sends them.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import State
from applications.reminders import coordinators, mail_date
from notifications import offsets, registry
from notifications.reminders import Due, Rule, plain_mails

from .models import Assignment

DUE_SOON = "review_due_soon"
OVERDUE = "review_overdue"
ESCALATED = "review_escalated"
# The offsets' names (``Programme.reminder_days``) and defaults.
DUE_SOON_DAYS = "review_due_soon"  # before the due date: the reviewer (default 3)
OVERDUE_EVERY = "review_overdue_every"  # between overdue reminders (default 7)

FIELDS = (
    "id",
    "round",
    "due_on",
    "application__programme_id",
    "application_id",
    "application__reference",
    "application__title",
    "reviewer_id",
    "reviewer__email",
    "reviewer__first_name",
    "reviewer__last_name",
    "reviewer__username",
    "reviewer__profile__language",
)
ID, ROUND, DUE_ON, PROGRAMME, APPLICATION, REFERENCE, TITLE = range(7)
REVIEWER = 7  # the reviewer's fields start here, in the order of a user's tuple


class ReviewDue(Rule):
    name = "reviews.review_due"
    kinds = (DUE_SOON, OVERDUE, ESCALATED)

    def recent_for(self, offsets):
        """A due-soon key can be claimed from its offset before the due date, an overdue or
        escalation key during one occurrence."""
        widest = max(offsets.widest(DUE_SOON_DAYS), offsets.widest(OVERDUE_EVERY))
        return timedelta(days=widest + 1)

    def due(self, now, offsets):
        """Every reminder key due today: one query, two when the office is due, whatever the
        number of assignments and programmes."""
        today = timezone.localdate(now)
        rows = (
            Assignment.objects.filter(
                status=Assignment.Status.OPEN,
                application__state=State.IN_REVIEW,
                round=F("application__submission_count"),
                due_on__lte=today + timedelta(days=offsets.widest(DUE_SOON_DAYS)),
                reviewer__is_active=True,
            )
            .exclude(reviewer__email="")
            .order_by()
            .values_list(*FIELDS)
        )
        due = {}
        escalated = []
        reviews_url = _site() + reverse("review-list")
        for row in rows:
            stage = _stage(row, today, offsets)
            if stage is None:
                continue
            kind, occurrence, days = stage
            reviewer = (*row[REVIEWER:-1], row[-1] or "")
            key = f"{kind}:{row[ID]}:{reviewer[0]}:{occurrence}"
            due[key] = self._due(key, kind, row, reviewer, days, reviews_url)
            if kind == OVERDUE and occurrence == 1:
                escalated.append((row, reviewer, days))
        if escalated:
            office = coordinators()
            for row, reviewer, days in escalated:
                url = _site() + reverse("application-detail", args=[row[APPLICATION]])
                for user in office:
                    key = f"{ESCALATED}:{row[ID]}:{user[0]}:{row[ROUND]}"
                    due[key] = self._due(key, ESCALATED, row, user, days, url, reviewer)
        return due

    def _due(self, key, kind, row, user, days, url, reviewer=None):
        """A reminder to ``user`` (the reviewer, or a coordinator about ``reviewer``)."""
        return Due(
            key,
            self.name,
            kind,
            user[0],
            user[1],
            row[REFERENCE] or "",
            (row, user, days, reviewer, url),
            language=user[5],
            url=url,
        )

    def messages(self, dues):
        """The mails, in the order of ``dues`` (each text built once per language)."""

        return plain_mails(
            dues,
            {
                DUE_SOON: _due_soon_texts,
                OVERDUE: _overdue_texts,
                ESCALATED: _escalated_texts,
            },
            _values,
        )


def register():
    registry.add_reminder_offset(
        offsets.Offset(
            DUE_SOON_DAYS,
            gettext_lazy("Review: remind the reviewer before the due date (days)"),
            3,
            order=10,
        )
    )
    registry.add_reminder_offset(
        offsets.Offset(
            OVERDUE_EVERY,
            gettext_lazy("Review overdue: remind the reviewer again every (days)"),
            7,
            order=11,
        )
    )
    registry.add_reminder_rule(ReviewDue())


def _stage(row, today, offsets):
    """``(kind, occurrence, days overdue)`` due today for one assignment, or None."""
    days = (today - row[DUE_ON]).days  # overdue (negative: before the due date)
    if days <= 0:
        if -days <= offsets.days(row[PROGRAMME], DUE_SOON_DAYS):
            return DUE_SOON, row[DUE_ON].isoformat(), days
        return None
    return OVERDUE, (days - 1) // offsets.days(row[PROGRAMME], OVERDUE_EVERY), days


def _site():
    return settings.SITE_URL.rstrip("/")


def _name(user):
    first_name, last_name, username = user[2:5]
    return f"{first_name} {last_name}".strip() or username


def _values(item):
    row, user, days, reviewer, url = item.data
    values = {
        "name": _name(user),
        "reference": row[REFERENCE] or "",
        "title": row[TITLE],
        "due": mail_date(row[DUE_ON], item.language),
        "url": url,
    }
    if reviewer is not None:
        values.update({"reviewer": _name(reviewer), "days": days, "round": row[ROUND]})
    return values


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


def _escalated_texts():
    subject = _("Review %(days)s days overdue: application %(reference)s")
    lines = [
        _(
            "The review of application %(reference)s “%(title)s” (round %(round)s) by "
            "%(reviewer)s was due on %(due)s and is %(days)s days overdue. The reviewer has "
            "been reminded of it."
        ),
        _("The application: %(url)s"),
    ]
    return subject, "\n\n".join(lines)
