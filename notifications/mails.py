"""Progress mails: rendered by the worker in the reader's language, sent by kind.

A service queues a mail on commit with ``notifications.services.notify(kind, obj)``; only the
kind and the object's id travel, so a request does no mail work and a rolled-back change mails
nobody. The kinds and their recipients are registered by the apps (``registry``).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from . import registry


def deliver(kind, obj):
    """Render and send the mail ``kind`` about ``obj``; returns the number of mails sent."""
    recipients, context, language = registry.mail_kind(kind)(obj)
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return 0
    with translation.override(language or settings.LANGUAGE_CODE):
        text = render_to_string(f"mail/{kind}.txt", {**context, "site_url": settings.SITE_URL})
    subject, _, body = text.strip().partition("\n")
    return EmailMessage(subject.strip(), body.strip(), to=recipients).send()


def group_emails(name, exclude=()):
    """The addresses of the active members of a role group (a ``funding.models`` name)."""
    users = get_user_model().objects.filter(groups__name=name, is_active=True)
    return list(users.exclude(pk__in=[u.pk for u in exclude]).values_list("email", flat=True))


def organization_emails(organization):
    """The organisation's contact address and its active users' addresses."""
    members = organization.members.filter(is_active=True)
    return [organization.contact_email, *members.values_list("email", flat=True)]
