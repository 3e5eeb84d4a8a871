"""Progress mails: written at the transition, in the reader's language, sent later by kind.

A service calls ``notifications.services.notify(kind, obj)`` inside its transaction. The kind's
registered function (``registry``) answers the recipients, the language and a context of plain
values taken from ``obj`` at that moment (reference, title, reason, deadline, ...);
``compose`` renders ``templates/mail/<kind>.txt`` from that snapshot right away. The outbox row
keeps the result, so what a mail says is what was true at the transition.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import translation

from . import registry


@dataclass(frozen=True, slots=True)
class Composed:
    kind: str
    recipients: list
    language: str
    subject: str
    body: str
    reference: str
    application_id: int | None


def compose(kind, obj):
    """The mail ``kind`` about ``obj`` as of now, or None when it has no recipient.

    The context may carry ``reference`` and ``application_id``: the outbox keeps them for
    its log.
    """
    recipients, context, language = registry.mail_kind(kind)(obj)
    recipients = sorted({r.strip() for r in recipients if r and r.strip()})
    if not recipients:
        return None
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        text = render_to_string(f"mail/{kind}.txt", {**context, "site_url": settings.SITE_URL})
    subject, _, body = text.strip().partition("\n")
    return Composed(
        kind=kind,
        recipients=recipients,
        language=language,
        subject=" ".join(subject.split())[:255],
        body=body.strip(),
        reference=context.get("reference") or "",
        application_id=context.get("application_id"),
    )


def group_emails(name, exclude=()):
    """The addresses of the active members of a role group (a ``funding.models`` name)."""
    users = get_user_model().objects.filter(groups__name=name, is_active=True)
    return list(users.exclude(pk__in=[u.pk for u in exclude]).values_list("email", flat=True))


def organization_emails(organization):
    """The organisation's contact address and its active users' addresses."""
    members = organization.members.filter(is_active=True)
    return [organization.contact_email, *members.values_list("email", flat=True)]


def absolute(path):
    """``path`` (from ``reverse()``) as an address on ``SITE_URL``, for mails."""
    return settings.SITE_URL.rstrip("/") + path
