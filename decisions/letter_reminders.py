"""The reminder rule about decision letters that failed or were not sent (``notifications``).

``decisions.letter_unsent`` watches every decision letter not ``sent``. A letter is due

- when it is ``failed`` (rendering failed ``LETTER_RENDER_ATTEMPTS`` times): at once;
- otherwise (pending, rendering, rendered, sending, uncertain) once it has not been sent
  ``UNSENT_AFTER`` (1 hour) after its decision was confirmed or, for a letter the office sent
  or rendered again (``services.resend_letter``), after the last time it did.

Keys read ``letter_unsent:<letter>:<coordinator>:<round>-<stage>``: ``<round>`` is how often
the office sent or rendered the letter again (the length of its ``history``; the letter keeps
its number when resent, so the number could not tell the rounds apart), ``<stage>`` is
``failed``, ``uncertain`` or ``unsent`` (any status on the way: pending, rendering, rendered,
sending, which a letter passes through and back while its tasks retry). So each coordinator is
reminded once per letter, round and stage: a letter resent that fails again reminds again; a
letter that stays unsent and then fails reminds twice. The recipients are the coordination
office: every active coordinator with an email, in their language (``Profile.language``). A
reminder is sent for ``LATE_DAYS`` after it became due (downtime), not later.

The hour is a module constant, not a programme setting: the rule registers no offset (a
letter is sent within minutes; after an hour something is wrong, whatever the programme).
"""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from applications.reminders import coordinators
from notifications import registry
from notifications.mails import absolute
from notifications.reminders import Due, Rule, plain_mails

from .models import DecisionLetter

LETTER_UNSENT = "letter_unsent"
UNSENT_AFTER = timedelta(hours=1)  # not sent this long after the decision (or the resend)
LATE_DAYS = 7  # how long after it became due a reminder is still sent (downtime)

Status = DecisionLetter.Status
NOT_SENT = [status for status in Status.values if status != Status.SENT]
STAGES = {Status.FAILED: "failed", Status.UNCERTAIN: "uncertain"}  # else "unsent"

LETTER_FIELDS = (
    "id",
    "number",
    "status",
    "history",
    "claimed_at",
    "created_at",
    "decision__confirmed_at",
    "application_id",
    "application__reference",
    "application__title",
)
ID, NUMBER, STATUS, HISTORY, CLAIMED_AT, CREATED_AT, DECIDED_AT, APPLICATION, REFERENCE, TITLE = (
    range(len(LETTER_FIELDS))
)


class LetterUnsent(Rule):
    name = "decisions.letter_unsent"
    kinds = (LETTER_UNSENT,)
    recent = timedelta(days=LATE_DAYS + 1)

    def due(self, now, offsets):
        """Every reminder key due now: one query, two when one is due (the coordinators),
        whatever the number of letters. ``offsets`` is not used (no programme setting)."""
        letters = (
            DecisionLetter.objects.filter(status__in=NOT_SENT)
            .order_by()
            .values_list(*LETTER_FIELDS)
        )
        rows = [(row, occurrence) for row in letters if (occurrence := _occurrence(row, now))]
        if not rows:
            return {}
        office = coordinators()
        due = {}
        for row, occurrence in rows:
            for user in office:
                key = f"{LETTER_UNSENT}:{row[ID]}:{user[0]}:{occurrence}"
                due[key] = Due(
                    key,
                    self.name,
                    LETTER_UNSENT,
                    user[0],
                    user[1],
                    row[REFERENCE] or "",
                    (row, user),
                    language=user[5],
                    url=absolute(reverse("application-detail", args=[row[APPLICATION]])),
                )
        return due

    def messages(self, dues):
        """The mails, in the order of ``dues`` (each text built once per language)."""

        return plain_mails(dues, {LETTER_UNSENT: _unsent_texts}, _values)


def register():
    registry.add_reminder_rule(LetterUnsent())


def _occurrence(row, now):
    """``<round>-<stage>`` if the letter is due at ``now`` (within LATE_DAYS), else None."""
    history = row[HISTORY] or []
    since = row[DECIDED_AT] or row[CREATED_AT]
    resent = _resent_at(history)
    if resent is not None:
        since = max(since, resent)
    status = row[STATUS]
    if status == Status.FAILED:
        became_due = max(since, row[CLAIMED_AT] or since)  # the last rendering claim
    else:
        became_due = since + UNSENT_AFTER
    if not became_due <= now < became_due + timedelta(days=LATE_DAYS):
        return None
    return f"{len(history)}-{STAGES.get(status, 'unsent')}"


def _resent_at(history):
    """When the office last sent or rendered the letter again (``history[-1]["at"]``), or
    None."""
    entry = history[-1] if history else None
    if not isinstance(entry, dict) or not isinstance(entry.get("at"), str):
        return None
    try:
        moment = parse_datetime(entry["at"])
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _values(item):
    """The placeholders of a letter reminder; the date and status in the recipient's language."""
    row, user = item.data
    first_name, last_name, username = user[2:5]
    with translation.override(item.language or settings.LANGUAGE_CODE):
        decided = row[DECIDED_AT] or row[CREATED_AT]
        return {
            "name": f"{first_name} {last_name}".strip() or username,
            "reference": row[REFERENCE] or "",
            "title": row[TITLE],
            "number": row[NUMBER],
            "decided": formats.date_format(timezone.localdate(decided), "SHORT_DATE_FORMAT"),
            "status": str(Status(row[STATUS]).label),
            "advice": _advice(row[STATUS]),
            "url": settings.SITE_URL.rstrip("/")
            + reverse("application-detail", args=[row[APPLICATION]]),
        }


def _advice(status):
    """What the office can do about a letter in ``status`` (translated by the caller's
    language)."""
    if status == Status.FAILED:
        return _("You can have it rendered again on the application's page.")
    if status == Status.UNCERTAIN:
        return _(
            "Sending was interrupted: the company may or may not have received it. Please check "
            "the mail server's log before sending it again on the application's page."
        )
    return _(
        "It is still on its way, so it cannot be sent again yet: the background service may be "
        "held up. Please have it checked; the letter goes out as soon as the service runs."
    )


def _unsent_texts():
    subject = _("Decision letter not sent: application %(reference)s")
    lines = [
        _(
            "Decision letter %(number)s on application %(reference)s “%(title)s” (decided on "
            "%(decided)s) has not been sent. Its status: %(status)s."
        ),
        "%(advice)s",
        _("The application: %(url)s"),
    ]
    return subject, "\n\n".join(lines)
