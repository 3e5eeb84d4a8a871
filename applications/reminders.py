"""The applications' reminder rule: a returned application not resubmitted (``notifications``).

Keys read ``return_due_soon:<application>:<user>:<round>`` (the applicant, from 3 days before
the return deadline up to it; once), ``return_overdue:<application>:<user>:<round>`` (the
applicant, from the day after the deadline; once) and
``return_escalated:<application>:<coordinator>:<round>`` (the coordination office, from 7 days
past the deadline; once). ``<round>`` is the application's ``submission_count``: one return per
submission. "The applicant" is the application's creator and every member of its organisation
with an email, one reminder each. A reminder missed by more than ``LATE_DAYS`` of downtime is
not sent any more. The offsets are module constants until the programme settings carry them.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from funding.models import COORDINATORS, Membership
from notifications import registry
from notifications.reminders import Due, Rule, plain_mails

from .models import Application, State

DUE_SOON = "return_due_soon"
OVERDUE = "return_overdue"
ESCALATED = "return_escalated"
DUE_SOON_DAYS = 3  # before the deadline: the applicant
OVERDUE_DAYS = 1  # after the deadline: the applicant
ESCALATE_DAYS = 7  # after the deadline: the coordination office
LATE_DAYS = 7  # how long after its first day a reminder is still sent (downtime)

USER_FIELDS = ("id", "email", "first_name", "last_name", "username")


class ReturnDue(Rule):
    name = "applications.return_due"
    kinds = (DUE_SOON, OVERDUE, ESCALATED)
    # A key is due for at most LATE_DAYS (due soon: DUE_SOON_DAYS + 1) calendar days.
    recent = timedelta(days=LATE_DAYS + 1)

    def due(self, now, offsets):
        """Every reminder key due today: at most three queries, whatever the number of rows."""
        today = timezone.localdate(now)
        returned = Application.objects.filter(
            state=State.RETURNED,
            return_deadline__lte=today + timedelta(days=DUE_SOON_DAYS),
            return_deadline__gt=today - timedelta(days=ESCALATE_DAYS + LATE_DAYS),
        ).order_by()
        applications = {
            row[0]: row
            for row in returned.values_list(
                "id",
                "submission_count",
                "return_deadline",
                "reference",
                "title",
                *(f"created_by__{field}" for field in USER_FIELDS),
                "created_by__is_active",
            )
        }
        if not applications:
            return {}
        recipients = {
            application_id: {row[5]: row[5:10]} if row[10] and row[6] else {}
            for application_id, row in applications.items()
        }
        members = (
            Membership.objects.filter(
                organization__applications__in=returned,
                user__is_active=True,
            )
            .exclude(user__email="")
            .order_by()
            .values_list("organization__applications__id", *(f"user__{f}" for f in USER_FIELDS))
        )
        for application_id, *user in members:
            recipients[application_id].setdefault(user[0], tuple(user))
        due = {}
        office = None
        for application_id, row in applications.items():
            days = (today - row[2]).days  # past the deadline (negative: before it)
            stage = _applicant_stage(days)
            if stage is not None:
                for user in recipients[application_id].values():
                    due.update([self._keyed(stage, row, user)])
            if ESCALATE_DAYS <= days < ESCALATE_DAYS + LATE_DAYS:
                if office is None:
                    office = _coordinators()
                for user in office:
                    due.update([self._keyed(ESCALATED, row, user)])
        return due

    def _keyed(self, kind, row, user):
        application_id, round_ = row[:2]
        key = f"{kind}:{application_id}:{user[0]}:{round_}"
        return key, Due(key, self.name, kind, user[0], user[1], row[3] or "", (row, user))

    def messages(self, dues):
        """The mails, in the order of ``dues``; texts are translated once per sweep."""

        def texts(language):
            return {
                DUE_SOON: _due_soon_texts(),
                OVERDUE: _overdue_texts(),
                ESCALATED: _escalated_texts(),
            }

        site = settings.SITE_URL.rstrip("/")
        return plain_mails(dues, texts, lambda item: _values(*item.data, site))


def register():
    registry.add_reminder_rule(ReturnDue())


def _applicant_stage(days):
    if -DUE_SOON_DAYS <= days <= 0:
        return DUE_SOON
    if OVERDUE_DAYS <= days < ESCALATE_DAYS:
        return OVERDUE
    return None


def _coordinators():
    """The coordination office: active coordinators with an email (one query)."""
    users = (
        get_user_model()
        .objects.filter(groups__name=COORDINATORS, is_active=True)
        .exclude(email="")
        .order_by("id")
        .distinct()
    )
    return list(users.values_list(*USER_FIELDS))


def _values(row, user, site):
    first_name, last_name, username = user[2:5]
    return {
        "name": f"{first_name} {last_name}".strip() or username,
        "reference": row[3] or "",
        "title": row[4],
        "deadline": row[2].strftime("%d.%m.%Y"),
        "url": site + reverse("application-detail", args=[row[0]]),
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
