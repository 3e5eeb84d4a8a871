"""The mails about assignments, registered with ``notifications``."""

from funding.models import COORDINATORS
from notifications import registry
from notifications.mails import group_emails


def _assigned(assignment):
    return [assignment.reviewer.email], {"assignment": assignment}, None


def _to_the_office(assignment):
    return group_emails(COORDINATORS), {"assignment": assignment}, None


def register():
    registry.add_mail_kind("assigned", _assigned)
    registry.add_mail_kind("recused", _to_the_office)
    registry.add_mail_kind("declined", _to_the_office)
