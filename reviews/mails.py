"""The mails about assignments and the review round, registered with ``notifications``.

Each answers ``(recipients, context, language)`` (users, and for the company also its contact
address) with plain values as of the change (rendered there and then by
``notifications.mails.compose``); ``url`` is the page the reader acts on.

| kind | to | optional |
|---|---|---|
| ``assigned`` | the reviewer (with the due date) | yes |
| ``recused`` | the coordination office (a reviewer declared a conflict) | yes |
| ``declined`` | the coordination office (a reviewer declined, with the reason) | yes |
| ``review_started`` | the company (its active users and contact address) | yes |
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from applications.mails import facts, to_the_company
from funding.models import COORDINATORS
from notifications import registry
from notifications.mails import absolute, group_users


def _facts(assignment):
    application = assignment.application
    reviewer = assignment.reviewer
    return {
        "reference": application.reference or "",
        "title": application.title,
        "application_id": application.pk,
        "reviewer": reviewer.get_full_name() or reviewer.get_username(),
    }


def _assigned(assignment):
    """To the reviewer: the due date once the review runs, else the review period."""
    context = {
        **_facts(assignment),
        "due_on": assignment.due_on,
        "period": assignment.application.programme.review_period_days,
        "url": absolute(reverse("assignment-detail", args=[assignment.pk])),
    }
    return [assignment.reviewer], context, None


def _to_the_office(assignment):
    context = {
        **_facts(assignment),
        "reason": assignment.decline_reason,
        "url": absolute(reverse("review-round", args=[assignment.application_id])),
    }
    return group_users(COORDINATORS), context, None


def _review_started(application):
    recipients, language = to_the_company(application)
    return recipients, facts(application), language


def register():
    registry.add_mail_kind("assigned", _assigned, label=_("Review assigned"), optional=True)
    registry.add_mail_kind("recused", _to_the_office, label=_("Reviewer recused"), optional=True)
    registry.add_mail_kind("declined", _to_the_office, label=_("Review declined"), optional=True)
    registry.add_mail_kind(
        "review_started", _review_started, label=_("Review started"), optional=True
    )
