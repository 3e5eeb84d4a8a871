"""Mails about an application's progress.

Services queue them on commit with ``notify(kind, obj)``: only the kind and the object's id
travel, so a request does no mail work and a rolled-back change mails nobody. The worker
renders each mail in the reader's language (``deliver``).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from funding.models import BOARD, COORDINATORS


def notify(kind, obj):
    """Queue the mail ``kind`` about ``obj`` (call inside ``transaction.on_commit``)."""
    from .tasks import send_notification

    send_notification.delay(kind, obj._meta.label_lower, obj.pk)


def deliver(kind, obj):
    """Render and send the mail ``kind`` about ``obj``; returns the number of mails sent."""
    recipients, context, language = KINDS[kind](obj)
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return 0
    with translation.override(language or settings.LANGUAGE_CODE):
        text = render_to_string(f"mail/{kind}.txt", {**context, "site_url": settings.SITE_URL})
    subject, _, body = text.strip().partition("\n")
    return EmailMessage(subject.strip(), body.strip(), to=recipients).send()


def group_emails(name, exclude=()):
    users = get_user_model().objects.filter(groups__name=name, is_active=True)
    return list(users.exclude(pk__in=[u.pk for u in exclude]).values_list("email", flat=True))


def applicant_emails(application):
    members = application.organization.members.filter(is_active=True)
    return [application.organization.contact_email, *members.values_list("email", flat=True)]


def _submitted(application):
    return group_emails(COORDINATORS), {"application": application}, None


def _returned(application):
    language = application.organization.language
    return applicant_emails(application), {"application": application}, language


def _withdrawn(application):
    return group_emails(COORDINATORS), {"application": application}, None


def _decision_proposed(decision):
    return group_emails(BOARD, exclude=[decision.proposed_by]), {"decision": decision}, None


def _assigned(assignment):
    return [assignment.reviewer.email], {"assignment": assignment}, None


def _recused(assignment):
    return group_emails(COORDINATORS), {"assignment": assignment}, None


def _declined(assignment):
    return group_emails(COORDINATORS), {"assignment": assignment}, None


KINDS = {
    "submitted": _submitted,
    "returned": _returned,
    "withdrawn": _withdrawn,
    "decision_proposed": _decision_proposed,
    "assigned": _assigned,
    "recused": _recused,
    "declined": _declined,
}
