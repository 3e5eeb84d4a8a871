"""Progress mails: written at the transition, in each reader's language, sent later by kind.

A service calls ``notifications.services.notify(kind, obj)`` inside its transaction. The kind's
registered function (``registry``) answers the recipients (users and plain addresses), the
language of the plain addresses, and a context of plain values taken from ``obj`` at that
moment (reference, title, reason, deadline, link, ...); ``compose`` renders
``templates/mail/<kind>.txt`` (first line: the subject) and ``.html`` from that snapshot right
away, once per language among the readers. The outbox row keeps the result, so what a mail
says is what was true at the transition.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation

from . import preferences, registry
from .models import Preference

Delivery = Preference.Delivery


@dataclass(slots=True)
class Composed:
    """The mail in one language: who gets it by mail now, whose inbox it enters."""

    kind: str
    recipients: list
    language: str
    subject: str
    body: str
    reference: str
    application_id: int | None
    html: str = ""
    url: str = ""
    inbox: list = field(default_factory=list)  # [(user id, waits for the digest)]


def compose(kind, obj):
    """The mails ``kind`` about ``obj`` as of now: one ``Composed`` per language, or [].

    Users read it in their own language (``registry.languages_of``), else in the kind's;
    an optional kind reaches each user as their preference says (mail, digest, inbox only).
    Every user recipient gets an inbox entry; a plain address that is also a user's is
    mailed once, to the user. The context may carry ``reference``, ``application_id`` and
    ``url``: the outbox and the inbox keep them.
    """
    spec = registry.kind_of(kind)
    recipients, context, language = spec.recipients(obj)
    language = language or settings.LANGUAGE_CODE
    users = {}
    for recipient in recipients:
        if recipient is not None and not isinstance(recipient, str) and recipient.is_active:
            users.setdefault(recipient.pk, recipient)
    taken = {user.email.strip().lower() for user in users.values() if user.email}
    addresses = {
        r.strip() for r in recipients if isinstance(r, str) and r.strip().lower() not in taken
    }
    addresses.discard("")
    languages = registry.languages_of(list(users))
    deliveries = preferences.deliveries(kind, list(users)) if spec.optional else {}
    mail_to = defaultdict(set)
    inbox = defaultdict(list)
    for address in addresses:
        mail_to[language].add(address)
    for user in users.values():
        reader = languages.get(user.pk) or language
        delivery = deliveries.get(user.pk, Delivery.MAIL)
        if delivery == Delivery.MAIL and user.email:
            mail_to[reader].add(user.email.strip())
        inbox[reader].append((user.pk, delivery == Delivery.DIGEST))
    return [
        _render(kind, context, reader, sorted(mail_to[reader]), sorted(inbox[reader]))
        for reader in sorted(mail_to.keys() | inbox.keys())
    ]


def _render(kind, context, language, recipients, inbox):
    values = {**context, "site_url": settings.SITE_URL.rstrip("/")}
    with translation.override(language):
        text = render_to_string(f"mail/{kind}.txt", values)
        try:
            html = render_to_string(f"mail/{kind}.html", {**values, "language": language})
        except TemplateDoesNotExist:
            html = ""
    subject, _, body = text.strip().partition("\n")
    return Composed(
        kind=kind,
        recipients=recipients,
        language=language,
        subject=" ".join(subject.split())[:255],
        body=body.strip(),
        reference=context.get("reference") or "",
        application_id=context.get("application_id"),
        html=html.strip(),
        url=context.get("url") or "",
        inbox=inbox,
    )


def group_users(name, exclude=()):
    """The active members of a role group (a ``funding.models`` name), as users."""
    users = get_user_model().objects.filter(groups__name=name, is_active=True)
    return list(users.exclude(pk__in=[u.pk for u in exclude]).order_by("pk").distinct())


def group_emails(name, exclude=()):
    """The addresses of the active members of a role group (a ``funding.models`` name)."""
    return [user.email for user in group_users(name, exclude)]


def organization_recipients(organization):
    """The organisation's contact address and its active users."""
    members = organization.members.filter(is_active=True).order_by("pk")
    return [organization.contact_email, *members]


def organization_emails(organization):
    """The organisation's contact address and its active users' addresses."""
    members = organization.members.filter(is_active=True)
    return [organization.contact_email, *members.values_list("email", flat=True)]


def absolute(path):
    """``path`` (from ``reverse()``) as an address on ``SITE_URL``, for mails."""
    return settings.SITE_URL.rstrip("/") + path
