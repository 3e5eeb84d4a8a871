"""The mails about assignments, registered with ``notifications``.

Each answers ``(emails, context, language)`` with plain values as of the change (rendered there
and then by ``notifications.mails.compose``).
"""

from funding.models import COORDINATORS
from notifications import registry
from notifications.mails import group_emails


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
    return [assignment.reviewer.email], _facts(assignment), None


def _to_the_office(assignment):
    return group_emails(COORDINATORS), _facts(assignment), None


def register():
    registry.add_mail_kind("assigned", _assigned)
    registry.add_mail_kind("recused", _to_the_office)
    registry.add_mail_kind("declined", _to_the_office)
