"""The mails about an application's own steps, registered with ``notifications``.

Each answers ``(emails, context, language)`` with a context of plain values taken from the
application at the transition (``notifications.mails.compose`` renders it there and then).
"""

from funding.models import COORDINATORS
from notifications import registry
from notifications.mails import group_emails, organization_emails


def facts(application):
    """What every mail about an application names: reference, title, company, its page."""
    return {
        "reference": application.reference or "",
        "title": application.title,
        "organization": application.organization.name,
        "application_id": application.pk,
    }


def _submitted(application):
    return group_emails(COORDINATORS), facts(application), None


def _returned(application):
    context = {
        **facts(application),
        "reason": application.return_reason,
        "deadline": application.return_deadline,
    }
    return organization_emails(application.organization), context, application.organization.language


def _withdrawn(application):
    return group_emails(COORDINATORS), facts(application), None


def register():
    registry.add_mail_kind("submitted", _submitted)
    registry.add_mail_kind("returned", _returned)
    registry.add_mail_kind("withdrawn", _withdrawn)
