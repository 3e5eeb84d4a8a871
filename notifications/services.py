"""Use cases of ``notifications``: write a progress mail to the outbox and the inboxes."""

import logging

from django.db import transaction

from . import inbox, mails, outbox, tasks
from .models import Notification

logger = logging.getLogger(__name__)


def notify(kind, obj):
    """Write the mail ``kind`` about ``obj`` to the outbox and its readers' inboxes.

    Call it inside the transaction of the change it reports, after writing what the mail
    says (the reason, the deadline, the reference): the mail is rendered now from ``obj`` and
    stored with the change, so it is sent exactly when the change commits and says what was
    true then. A broker error on commit loses nothing (the row waits for the outbox sweep).
    Returns the ``OutboxMail`` rows written (one per language that has a mail recipient).
    """
    written = []
    for composed in mails.compose(kind, obj):
        write_inbox(composed)
        if composed.recipients:
            mail = outbox.record(composed)
            transaction.on_commit(lambda pk=mail.pk: queue(pk), robust=True)
            written.append(mail)
    return written


def write_inbox(composed):
    """The inbox entries of a composed mail (one per user who reads it in its language)."""
    return inbox.deliver(
        [
            Notification(
                user_id=user_id,
                kind=composed.kind,
                subject=composed.subject,
                body=composed.body,
                url=composed.url,
                application_id=composed.application_id,
                reference=composed.reference,
                digest=digest,
            )
            for user_id, digest in composed.inbox
        ]
    )


def queue(mail_id):
    """Queue the sending of an outbox row; a broker error is logged, the sweep catches up."""
    try:
        tasks.send_outbox_mail.delay(mail_id)
    except Exception as error:  # the broker is down: the row stays pending
        logger.warning("Outbox mail %s not queued (%s); the outbox sweep will send it", mail_id,
                       outbox.describe(error))  # fmt: skip
