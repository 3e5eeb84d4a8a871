"""The mails about an application's own steps, registered with ``notifications``."""

from funding.models import COORDINATORS
from notifications import registry
from notifications.mails import group_emails, organization_emails


def _submitted(application):
    return group_emails(COORDINATORS), {"application": application}, None


def _returned(application):
    context = {"application": application}
    return organization_emails(application.organization), context, application.organization.language


def _withdrawn(application):
    return group_emails(COORDINATORS), {"application": application}, None


def register():
    registry.add_mail_kind("submitted", _submitted)
    registry.add_mail_kind("returned", _returned)
    registry.add_mail_kind("withdrawn", _withdrawn)
