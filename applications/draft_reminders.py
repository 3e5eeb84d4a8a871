"""The reminder rule about drafts: left untouched, and the programme closing (``notifications``).

``applications.draft_idle`` watches every draft (``State.DRAFT``, not erased). Keys read

- ``draft_idle:<application>:<user>:<last change>``: the draft has not been changed
  (``Application.updated_at``) for the programme's ``draft_idle`` days (default 30) and its
  programme has not closed; once per idle stretch: ``<last change>`` is the Berlin date of
  ``updated_at`` (ISO), so a draft changed and then left idle again is reminded again later;
- ``draft_closing:<application>:<user>:<closes on>``: the programme closes
  (``Programme.closes_on``, ISO; never when it is empty) in the programme's ``draft_closing``
  days (default 14) or fewer and has not closed yet (the closing day still accepts
  submissions); once.

Both go to the applicant: the draft's creator and every member of its organisation, active and
with an email (as ``applications.reminders`` finds them), one reminder each, in the
recipient's language (``Profile.language``). Days are Berlin calendar days; a reminder is sent
from its first day for ``LATE_DAYS`` (downtime), not later: a draft started after that no
longer gets the closing reminder. The offsets are the programme's (``Programme.reminder_days``,
``notifications.offsets``). A draft has no reference (it gets one at its first submission and
never goes back to draft): the texts name its title.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding.models import Membership
from notifications import offsets, registry
from notifications.mails import absolute
from notifications.reminders import Due, Rule, plain_mails

from .models import Application, State

DRAFT_IDLE = "draft_idle"
DRAFT_CLOSING = "draft_closing"
IDLE_DAYS = 30  # default: a draft untouched this long reminds the applicant
CLOSING_DAYS = 14  # default: the programme closes in this many days or fewer
LATE_DAYS = 7  # how long after its first day a reminder is still sent (downtime)

USER_FIELDS = ("id", "email", "first_name", "last_name", "username")
# A draft's row: what the rule reads in its one query.
DRAFT_FIELDS = (
    "id",
    "title",
    "reference",
    "updated_at",
    "programme_id",
    "programme__name",
    "programme__closes_on",
    "organization_id",
)
ID, TITLE, REFERENCE, UPDATED_AT, PROGRAMME, PROGRAMME_NAME, CLOSES_ON, ORGANIZATION = range(8)


class DraftIdle(Rule):
    name = "applications.draft_idle"
    kinds = (DRAFT_IDLE, DRAFT_CLOSING)
    # A key is due for at most LATE_DAYS calendar days (whatever the programme's offsets).
    recent = timedelta(days=LATE_DAYS + 1)

    def due(self, now, offsets):
        """Every reminder key due today: one query, two when one is due; whatever the number of
        drafts and programmes."""
        today = timezone.localdate(now)
        idle_widest = offsets.widest(DRAFT_IDLE)
        closing_widest = offsets.widest(DRAFT_CLOSING)
        not_closed = Q(programme__closes_on__isnull=True) | Q(programme__closes_on__gte=today)
        # Coarse: untouched since before today (an offset is at least one day) and not past
        # the widest window; or the programme closing within the widest offset.
        idle = Q(
            updated_at__lt=_day_start(today, 0),
            updated_at__gte=_day_start(today, -idle_widest - LATE_DAYS + 1),
        )
        closing = Q(
            programme__closes_on__gte=today,
            programme__closes_on__lte=today + timedelta(days=closing_widest),
        )
        candidates = (
            Application.objects.filter(state=State.DRAFT, erased_at__isnull=True)
            .filter((idle & not_closed) | closing)
            .order_by()
            .values_list(
                *DRAFT_FIELDS,
                *(f"created_by__{field}" for field in USER_FIELDS),
                "created_by__is_active",
                "created_by__profile__language",
            )
        )
        stages = []  # (kind, draft row, occurrence)
        creators = {}
        for row in candidates:
            draft = row[: len(DRAFT_FIELDS)]
            found = _stages(draft, today, offsets)
            if found:
                stages.extend(found)
                *creator, active, language = row[len(DRAFT_FIELDS) :]
                creators[draft[ID]] = (*creator, language or "") if active and creator[1] else None
        if not stages:
            return {}
        applicants = _applicants(stages, creators)
        due = {}
        for kind, draft, occurrence in stages:
            for user in applicants[draft[ID]].values():
                key = f"{kind}:{draft[ID]}:{user[0]}:{occurrence}"
                due[key] = Due(
                    key,
                    self.name,
                    kind,
                    user[0],
                    user[1],
                    draft[REFERENCE] or "",
                    (draft, user),
                    language=user[5],
                    url=absolute(reverse("application-detail", args=[draft[ID]])),
                )
        return due

    def messages(self, dues):
        """The mails, in the order of ``dues`` (each text built once per language)."""

        return plain_mails(dues, {DRAFT_IDLE: _idle_texts, DRAFT_CLOSING: _closing_texts}, _values)


def register():
    registry.add_reminder_offset(
        offsets.Offset(
            DRAFT_IDLE,
            gettext_lazy("Draft: remind the applicant when it has not been changed for (days)"),
            IDLE_DAYS,
            order=1,  # the settings page lists the offsets in the order of the workflow
        )
    )
    registry.add_reminder_offset(
        offsets.Offset(
            DRAFT_CLOSING,
            gettext_lazy("Draft: remind the applicant before the programme closes (days)"),
            CLOSING_DAYS,
            order=2,
        )
    )
    registry.add_reminder_rule(DraftIdle())


def _stages(draft, today, offsets):
    """``[(kind, draft, occurrence)]`` due today for one draft, by its programme's offsets."""
    found = []
    closes_on = draft[CLOSES_ON]
    changed_on = timezone.localdate(draft[UPDATED_AT])
    idle = (today - changed_on).days
    first = offsets.days(draft[PROGRAMME], DRAFT_IDLE)
    if first <= idle < first + LATE_DAYS:  # the query left out closed programmes
        found.append((DRAFT_IDLE, draft, changed_on.isoformat()))
    if closes_on is not None:
        left = (closes_on - today).days
        first = offsets.days(draft[PROGRAMME], DRAFT_CLOSING)  # days before: its first day
        if 0 <= left <= first and first - left < LATE_DAYS:
            found.append((DRAFT_CLOSING, draft, closes_on.isoformat()))
    return found


def _applicants(stages, creators):
    """``{draft id: {user id: user}}``: the creator (if active with an email) and the active
    members with an email of the drafts' organisations (one query)."""
    drafts = {draft[ID]: draft[ORGANIZATION] for _kind, draft, _occurrence in stages}
    by_organization = {}
    for draft_id, organization_id in drafts.items():
        by_organization.setdefault(organization_id, []).append(draft_id)
    applicants = {
        draft_id: {creators[draft_id][0]: creators[draft_id]} if creators[draft_id] else {}
        for draft_id in drafts
    }
    members = (
        Membership.objects.filter(organization_id__in=list(by_organization), user__is_active=True)
        .exclude(user__email="")
        .order_by()
        .values_list(
            "organization_id",
            *(f"user__{field}" for field in USER_FIELDS),
            "user__profile__language",
        )
    )
    for organization_id, *user, language in members:
        for draft_id in by_organization[organization_id]:
            applicants[draft_id].setdefault(user[0], (*user, language or ""))
    return applicants


def _day_start(today, days):
    """The start (local time, Europe/Berlin) of the day ``days`` after ``today``."""
    day = today + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time.min))


def _values(item):
    """The placeholders of a draft reminder; dates in the recipient's language."""
    draft, user = item.data
    first_name, last_name, username = user[2:5]
    closes_on = draft[CLOSES_ON]
    with translation.override(item.language or settings.LANGUAGE_CODE):
        closes = formats.date_format(closes_on, "SHORT_DATE_FORMAT") if closes_on else ""
        until = _("Applications are accepted until %(closes)s.") % {"closes": closes}
        changed = timezone.localdate(draft[UPDATED_AT])
        return {
            "name": f"{first_name} {last_name}".strip() or username,
            "title": draft[TITLE],
            "programme": draft[PROGRAMME_NAME],
            "changed": formats.date_format(changed, "SHORT_DATE_FORMAT"),
            "closes": closes,
            "until": f" {until}" if closes_on else "",  # the end of the first paragraph
            "url": _site() + reverse("application-detail", args=[draft[ID]]),
            "withdraw_url": _site() + reverse("application-withdraw", args=[draft[ID]]),
        }


def _site():
    return settings.SITE_URL.rstrip("/")


def _withdraw_line():
    return _(
        "If you no longer plan to apply, you can withdraw the draft here: %(withdraw_url)s "
        "(a draft cannot be deleted; once withdrawn, it can no longer be edited or submitted)."
    )


def _idle_texts():
    subject = _("Your draft “%(title)s” has not been changed since %(changed)s")
    lines = [
        _(
            "Your draft application “%(title)s” for the programme %(programme)s has not been "
            "changed since %(changed)s and has not been submitted yet.%(until)s"
        ),
        _("You can continue and submit it here: %(url)s"),
        _withdraw_line(),
        _("Kind regards\nThe coordination office"),
    ]
    return subject, "\n\n".join(lines)


def _closing_texts():
    subject = _("The programme closes on %(closes)s: your draft “%(title)s”")
    lines = [
        _(
            "Your draft application “%(title)s” has not been submitted yet. The programme "
            "%(programme)s accepts applications until %(closes)s (that day included)."
        ),
        _("You can complete and submit it here: %(url)s"),
        _withdraw_line(),
        _("Kind regards\nThe coordination office"),
    ]
    return subject, "\n\n".join(lines)
