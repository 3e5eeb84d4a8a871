"""The reminder sweep for reviews: due soon and overdue reviewer assignments.

Each reminder has a unique key ``rule:assignment:reviewer:occurrence``. A sweep claims the keys
it means to send by inserting ``Reminder`` rows that carry its own claim id (conflicts are
ignored), reads back which rows are really its own and sends only those, so two sweeps at once
never send one reminder twice. Calendar days are counted in Europe/Berlin; after downtime only
the latest due occurrence is sent, never a backlog.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications.models import Reminder, State

from .models import Assignment

logger = logging.getLogger(__name__)

DUE_SOON = "review_due_soon"
OVERDUE = "review_overdue"
DUE_SOON_DAYS = 3
OVERDUE_EVERY_DAYS = 7
# A current key can only have been claimed in the last 7 local days (see _recent_keys).
RECENT = timedelta(days=OVERDUE_EVERY_DAYS + 1)
CHUNK = 500  # keys per IN list on the failure path

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


def send_reminders(now=None, dry_run=False):
    """Send the review reminders due at ``now``; return their keys (sorted).

    With ``dry_run`` nothing is claimed or sent: the keys that would be sent are returned.
    """
    now = now or timezone.now()
    if not within_sending_hours(now):
        return []
    due = _due_reminders(now)
    if not due:
        return []
    pending = sorted(due.keys() - _recent_keys(now))
    if dry_run or not pending:
        return pending
    claim = str(uuid.uuid4())
    keys = _claim(pending, due, claim)
    _send(keys, due, claim, now)
    logger.info("Sent %d review reminders.", len(keys))
    return keys


def within_sending_hours(now):
    start, end = settings.REMINDER_HOURS
    return start <= timezone.localtime(now).hour < end


def _due_reminders(now):
    """Map every reminder key due today to (rule, row) in one query."""
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
    return dict(_keyed(row, today) for row in rows)


def _keyed(row, today):
    assignment_id, reviewer_id, due_on = row[:3]
    days_overdue = (today - due_on).days
    if days_overdue <= 0:
        return f"{DUE_SOON}:{assignment_id}:{reviewer_id}:{due_on.isoformat()}", (DUE_SOON, row)
    occurrence = days_overdue // OVERDUE_EVERY_DAYS
    return f"{OVERDUE}:{assignment_id}:{reviewer_id}:{occurrence}", (OVERDUE, row)


def _recent_keys(now):
    """Keys claimed lately: the only ones that can clash with the keys due today.

    A due-soon key can be claimed from 3 days before its due date, an overdue key only during
    the week of its occurrence; ``created_at`` is the real clock, hence the earlier of the two.
    This only spares inserting known keys; the unique key still decides every race.
    """
    since = min(now, timezone.now()) - RECENT
    recent = Reminder.objects.filter(rule__in=(DUE_SOON, OVERDUE), created_at__gte=since)
    return set(recent.values_list("key", flat=True))


def _claim(keys, due, claim):
    """Insert the keys with our claim; return (sorted) the keys that are really ours."""
    Reminder.objects.bulk_create(
        [
            Reminder(key=key, rule=due[key][0], recipient_id=due[key][1][1], claim=claim)
            for key in keys
        ],
        ignore_conflicts=True,
    )
    return sorted(Reminder.objects.filter(claim=claim).values_list("key", flat=True))


def _send(keys, due, claim, now):
    """Send over one connection, then mark the rows sent; on failure release the unsent."""
    sent = 0
    try:
        with get_connection() as connection:
            for message in _messages(keys, due):
                connection.send_messages([message])
                sent += 1
    except Exception:
        logger.exception("Review reminders: sending failed after %d of %d.", sent, len(keys))
        _settle(claim, sent=keys[:sent], unsent=keys[sent:], now=now)
        raise
    Reminder.objects.filter(claim=claim).update(sent_at=now)


def _settle(claim, sent, unsent, now):
    """After a failure: mark what went out, delete the rest so that a later sweep retries."""
    for start in range(0, max(len(sent), len(unsent)), CHUNK):
        ours = Reminder.objects.filter(claim=claim)
        ours.filter(key__in=unsent[start : start + CHUNK]).delete()
        ours.filter(key__in=sent[start : start + CHUNK]).update(sent_at=now)


def _messages(keys, due):
    """The mails, in the order of ``keys``; texts are translated once per sweep."""
    with translation.override(settings.LANGUAGE_CODE):
        texts = {DUE_SOON: _due_soon_texts(), OVERDUE: _overdue_texts()}
        greeting = _("Hello %(name)s,")
    link = settings.SITE_URL.rstrip("/") + "/reviews/"
    messages = []
    for key in keys:
        rule, row = due[key]
        subject, body = texts[rule]
        values = _values(row, link)
        messages.append(
            EmailMessage(
                subject % values, "\n\n".join([greeting % values, body % values]), to=[row[3]]
            )
        )
    return messages


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
