"""The applications' reminder rule: a returned application not resubmitted (``notifications``).

Keys read ``return_due_soon:<application>:<user>:<round>`` (the applicant, from the
programme's ``return_due_soon`` days (default 3) before the return deadline up to it; once),
``return_overdue:<application>:<user>:<round>`` (the applicant, from ``return_overdue`` days
(default 1) after the deadline; once) and ``return_escalated:<application>:<coordinator>:<round>``
(the coordination office, from ``return_escalate`` days (default 7) after the deadline; once).
``<round>`` is the application's ``submission_count``: one return per submission. "The
applicant" is the application's creator and every member of its organisation with an email, one
reminder each. Every reminder is in its recipient's language (``Profile.language``; dates too).

The offsets are the programme's (``Programme.reminder_days``, ``notifications.offsets``). A
reminder missed by more than ``LATE_DAYS`` of downtime is not sent any more; the applicant's
overdue reminder also stops when the office's is due (after downtime only the latest one). The
keys do not carry the offsets: a changed offset never sends a reminder of the same round again.

``coordinators()`` and ``mail_date()`` are shared with the other apps' rules.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funding.models import COORDINATORS, Membership
from notifications import offsets, registry
from notifications.reminders import Due, Rule, plain_mails

from .models import Application, State

DUE_SOON = "return_due_soon"
OVERDUE = "return_overdue"
ESCALATED = "return_escalated"
# The offsets' names (``Programme.reminder_days``) and defaults.
DUE_SOON_DAYS = "return_due_soon"  # before the deadline: the applicant (default 3)
OVERDUE_DAYS = "return_overdue"  # after the deadline: the applicant (default 1)
ESCALATE_DAYS = "return_escalate"  # after the deadline: the coordination office (default 7)
LATE_DAYS = 7  # how long after its first day a reminder is still sent (downtime)

# A user: (id, email, first name, last name, username, language or "")
USER_FIELDS = ("id", "email", "first_name", "last_name", "username", "profile__language")
APPLICATION_FIELDS = ("id", "submission_count", "return_deadline", "reference", "title")
ID, ROUND, DEADLINE, REFERENCE, TITLE = range(len(APPLICATION_FIELDS))
PROGRAMME = len(APPLICATION_FIELDS)  # the row's programme id, after the application's fields


class ReturnDue(Rule):
    name = "applications.return_due"
    kinds = (DUE_SOON, OVERDUE, ESCALATED)

    def recent_for(self, offsets):
        """A due-soon key is due for up to its offset + 1 days, the others for LATE_DAYS."""
        return timedelta(days=max(offsets.widest(DUE_SOON_DAYS), LATE_DAYS) + 1)

    def due(self, now, offsets):
        """Every reminder key due today: two queries, three when the office is due, whatever
        the number of applications and programmes."""
        today = timezone.localdate(now)
        latest = max(offsets.widest(OVERDUE_DAYS), offsets.widest(ESCALATE_DAYS)) + LATE_DAYS
        returned = Application.objects.filter(
            state=State.RETURNED,
            return_deadline__lte=today + timedelta(days=offsets.widest(DUE_SOON_DAYS)),
            return_deadline__gt=today - timedelta(days=latest),
        ).order_by()
        stages = {}  # application id: (row, applicant's kind or None, office too)
        creators = {}
        for row in returned.values_list(
            *APPLICATION_FIELDS,
            "programme_id",
            *(f"created_by__{field}" for field in USER_FIELDS),
            "created_by__is_active",
        ):
            application = row[:PROGRAMME]
            kind, office_too = _stages(application, row[PROGRAMME], today, offsets)
            if kind is None and not office_too:
                continue
            stages[row[ID]] = (application, kind, office_too)
            *creator, active = row[PROGRAMME + 1 :]
            creators[row[ID]] = _user(creator) if active and creator[1] else None
        if not stages:
            return {}
        applicants_due = any(kind for _row, kind, _office in stages.values())
        recipients = _applicants(returned if applicants_due else None, creators)
        due = {}
        office = None
        for application_id, (row, kind, office_too) in stages.items():
            if kind is not None:
                for user in recipients[application_id].values():
                    due.update([self._keyed(kind, row, user)])
            if office_too:
                if office is None:
                    office = coordinators()
                for user in office:
                    due.update([self._keyed(ESCALATED, row, user)])
        return due

    def _keyed(self, kind, row, user):
        key = f"{kind}:{row[ID]}:{user[0]}:{row[ROUND]}"
        url = _site() + reverse("application-detail", args=[row[ID]])
        item = Due(
            key,
            self.name,
            kind,
            user[0],
            user[1],
            row[REFERENCE] or "",
            (row, user, url),
            language=user[5],
            url=url,
        )
        return key, item

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
            gettext_lazy("Returned application: remind the applicant before the deadline (days)"),
            3,
            order=20,
        )
    )
    registry.add_reminder_offset(
        offsets.Offset(
            OVERDUE_DAYS,
            gettext_lazy("Returned application: remind the applicant after the deadline (days)"),
            1,
            order=21,
        )
    )
    registry.add_reminder_offset(
        offsets.Offset(
            ESCALATE_DAYS,
            gettext_lazy(
                "Returned application: tell the coordination office after the deadline (days)"
            ),
            7,
            order=22,
        )
    )
    registry.add_reminder_rule(ReturnDue())


def _stages(row, programme_id, today, offsets):
    """``(the applicant's kind or None, whether the office is due)`` for one application."""
    days = (today - row[DEADLINE]).days  # past the deadline (negative: before it)
    overdue = offsets.days(programme_id, OVERDUE_DAYS)
    escalate = offsets.days(programme_id, ESCALATE_DAYS)
    office_too = escalate <= days < escalate + LATE_DAYS
    overdue_until = overdue + LATE_DAYS
    if overdue < escalate:
        overdue_until = min(overdue_until, escalate)
    if -offsets.days(programme_id, DUE_SOON_DAYS) <= days <= 0:
        return DUE_SOON, office_too
    if overdue <= days < overdue_until:
        return OVERDUE, office_too
    return None, office_too


def _applicants(candidates, creators):
    """``{application id: {user id: user}}`` of the applications in ``creators``: the creator
    (active, with an email) and the active members with an email of their organisations. One
    query over the ``candidates`` (a queryset, the coarse filter's), none when it is None."""
    recipients = {pk: {creators[pk][0]: creators[pk]} if creators[pk] else {} for pk in creators}
    if candidates is None:
        return recipients
    members = (
        Membership.objects.filter(
            organization__applications__in=candidates,
            user__is_active=True,
        )
        .exclude(user__email="")
        .order_by()
        .values_list("organization__applications__id", *(f"user__{f}" for f in USER_FIELDS))
    )
    for application_id, *user in members:
        if application_id in recipients:
            recipients[application_id].setdefault(user[0], _user(user))
    return recipients


def _user(fields):
    """A user's tuple as read (``USER_FIELDS``), the language "" when they have no profile."""
    *user, language = fields
    return (*user, language or "")


def coordinators():
    """The coordination office: active coordinators with an email (one query), as
    ``(id, email, first name, last name, username, language or "")``."""
    users = (
        get_user_model()
        .objects.filter(groups__name=COORDINATORS, is_active=True)
        .exclude(email="")
        .order_by("id")
        .distinct()
    )
    return [_user(user) for user in users.values_list(*USER_FIELDS)]


def mail_date(value, language):
    """``value`` (a date) as written in ``language`` (the short date format; German
    dd.mm.yyyy), for a reminder's placeholders (``values_of`` runs outside the language)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return formats.date_format(value, "SHORT_DATE_FORMAT")


def _site():
    return settings.SITE_URL.rstrip("/")


def _values(item):
    row, user, url = item.data
    first_name, last_name, username = user[2:5]
    return {
        "name": f"{first_name} {last_name}".strip() or username,
        "reference": row[REFERENCE] or "",
        "title": row[TITLE],
        "deadline": mail_date(row[DEADLINE], item.language),
        "url": url,
    }


def _due_soon_texts():
    subject = _("Revision due on %(deadline)s: application %(reference)s")
    lines = [
        _(
            "Your application %(reference)s “%(title)s” was returned to you for revision. "
            "Please resubmit it by %(deadline)s."
        ),
        _("You can revise and resubmit your application here: %(url)s"),
        _("If you need more time, please tell the coordination office."),
        _("Kind regards\nThe coordination office"),
    ]
    return subject, "\n\n".join(lines)


def _overdue_texts():
    subject = _("Revision overdue: application %(reference)s")
    lines = [
        _(
            "Your application %(reference)s “%(title)s” was to be resubmitted by %(deadline)s "
            "and has not been resubmitted yet."
        ),
        _("You can revise and resubmit your application here: %(url)s"),
        _("If you need more time, please tell the coordination office."),
        _("Kind regards\nThe coordination office"),
    ]
    return subject, "\n\n".join(lines)


def _escalated_texts():
    subject = _("Returned application not resubmitted: %(reference)s")
    lines = [
        _(
            "Application %(reference)s “%(title)s” was to be resubmitted by %(deadline)s "
            "and has not been resubmitted yet."
        ),
        _("The application: %(url)s"),
    ]
    return subject, "\n\n".join(lines)
