"""The message thread per application between the coordination office and the company.

Questions that need no formal return: either side writes, the other side is told by the mail
``message_posted`` (and in its inbox). Who reads and writes is ``applications.read_thread``
and ``applications.post_message`` (``rules.py``): the office and the company's people, from
the first submission until the application is erased; never reviewers or the board. The
application's page shows the thread as a part (``extensions``), with the form to write.
"""

import rules
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from funding import roles
from funding.errors import RuleViolation
from funding.models import COORDINATORS
from notifications import registry
from notifications.mails import absolute, group_users, organization_recipients
from notifications.services import notify

from . import extensions
from .models import MESSAGE_MAX_LENGTH, Message
from .services import ensure_perm, locked

TEMPLATE = "applications/_thread.html"
ANCHOR = "messages"  # the part's id on the application's page
EXCERPT_LENGTH = 500  # what the mail quotes of a message


# ----- the use case --------------------------------------------------------------------------


def speaks_for_office(user, application):
    """Whether ``user`` writes as the coordination office (a coordinator who acts for the
    applicant organisation writes as the company)."""
    if not roles.is_coordinator(user):
        return False
    return application.organization_id not in roles.organization_ids(user)


def normalized(body):
    """The text as stored: line breaks as ``\\n`` (a browser sends ``\\r\\n``), trimmed."""
    return (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def violations(text):
    """The rules a message's (normalised) text breaks, for the field ``body``."""
    if not text:
        return [_("Please write a message.")]
    if len(text) > MESSAGE_MAX_LENGTH:
        return [
            _("The message is %(length)s characters long; at most %(max)s are allowed.")
            % {"length": len(text), "max": MESSAGE_MAX_LENGTH}
        ]
    return []


def post_message(user, application, body):
    """Write a message in the application's thread; the other side is told by mail.

    Effects: the application's row locked; ``applications.post_message`` 403; an empty or too
    long text 422 (beside ``body``); a ``Message`` whose ``from_office`` says who spoke (the
    office, or the company); the mail ``message_posted`` written to the outbox in the same
    transaction (to the company's active people and its contact address, or to the active
    coordinators; never the author). No transition and no log row: the message itself records
    who wrote what when.
    """
    text = normalized(body)
    with transaction.atomic():
        app = locked(application)
        ensure_perm("applications.post_message", user, app, _("You may not write in this thread."))
        errors = violations(text)
        if errors:
            raise RuleViolation({"body": errors})
        message = Message.objects.create(
            application=app,
            author=user,
            from_office=speaks_for_office(user, app),
            body=text,
        )
        notify("message_posted", message)
    return message


# ----- read ----------------------------------------------------------------------------------


def thread(application):
    """The application's messages, oldest first, with their authors: one query."""
    return (
        Message.objects.filter(application=application)
        .select_related("author")
        .order_by("created_at", "id")
    )


# ----- the application's page ----------------------------------------------------------------


def context(user, application, body="", errors=()):
    """For ``TEMPLATE``: the messages, whether the user may write, what they typed and the
    rules it broke (a refused post shown again)."""
    return {
        "application": application,
        "thread_messages": list(thread(application)),
        "may_post": rules.has_perm("applications.post_message", user, application),
        "body": body,
        "errors": list(errors),
        "max_length": MESSAGE_MAX_LENGTH,
    }


def detail_contribution(user, application):
    """The thread on the application's page, for whoever may read it."""
    if rules.has_perm("applications.read_thread", user, application):
        return [extensions.Part(TEMPLATE, context(user, application))]
    return []


# ----- the mail ------------------------------------------------------------------------------


def excerpt(text):
    if len(text) <= EXCERPT_LENGTH:
        return text
    return text[:EXCERPT_LENGTH].rstrip() + "…"


def _message_posted(message):
    """The other side of the thread: ``(recipients, context, language)``.

    From the office: the organisation's active people (each in their own language) and its
    contact address, in the organisation's language. From the company: the active
    coordinators. Never the author (nor the contact address when it is the author's; a
    contact address that is also a recipient's is mailed once, see ``notifications.mails``).
    """
    application = message.application
    organization = application.organization
    author = message.author
    if message.from_office:
        recipients = organization_recipients(organization)
        language = organization.language
    else:
        recipients = group_users(COORDINATORS)
        language = None
    mine = author.email.strip().casefold()
    recipients = [
        r
        for r in recipients
        if (r.strip().casefold() != mine if isinstance(r, str) else r.pk != author.pk)
    ]
    context = {
        "reference": application.reference or "",
        "title": application.title,
        "application_id": application.pk,
        "organization": organization.name,
        "from_office": message.from_office,
        # The company's writer by name; the office's never (it speaks as the office).
        "author": "" if message.from_office else (author.get_full_name() or author.get_username()),
        "excerpt": excerpt(message.body),
        "shortened": len(message.body) > EXCERPT_LENGTH,
        "url": absolute(reverse("application-detail", args=[application.pk]) + f"#{ANCHOR}"),
    }
    return recipients, context, language


def register():
    extensions.add_detail_contribution(detail_contribution)
    registry.add_mail_kind(
        "message_posted", _message_posted, label=_lazy("New message about an application"),
        optional=True,
    )  # fmt: skip
