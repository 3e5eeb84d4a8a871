"""Mails about an application's progress, rendered in the reader's language and queued.

Called from services inside ``transaction.on_commit`` so a rolled-back change mails nobody.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import translation

from funding.models import BOARD, COORDINATORS


def _queue(recipients, template, context, language=None):
    from .tasks import send_email

    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {**context, "site_url": settings.SITE_URL}
        text = render_to_string(f"mail/{template}.txt", context).strip()
    subject, _, body = text.partition("\n")
    send_email.delay(recipients, subject.strip(), body.strip())


def group_emails(name, exclude=()):
    users = get_user_model().objects.filter(groups__name=name, is_active=True)
    return [u.email for u in users.exclude(pk__in=[u.pk for u in exclude])]


def applicant_emails(application):
    members = application.organization.members.filter(is_active=True)
    return [application.organization.contact_email, *(u.email for u in members)]


def submitted(application):
    _queue(group_emails(COORDINATORS), "submitted", {"application": application})


def returned(application):
    _queue(
        applicant_emails(application),
        "returned",
        {"application": application},
        application.organization.language,
    )


def withdrawn(application):
    _queue(group_emails(COORDINATORS), "withdrawn", {"application": application})


def decision_proposed(decision):
    recipients = group_emails(BOARD, exclude=[decision.proposed_by])
    _queue(recipients, "decision_proposed", {"decision": decision})


def assigned(assignment):
    _queue([assignment.reviewer.email], "assigned", {"assignment": assignment})


def recused(assignment):
    _queue(group_emails(COORDINATORS), "recused", {"assignment": assignment})
