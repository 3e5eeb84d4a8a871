"""Use cases of ``notifications``: write a progress mail to the outbox (inside the change)."""

import logging

from django.db import transaction

from . import mails, outbox, tasks

logger = logging.getLogger(__name__)


def notify(kind, obj):
    """Write the mail ``kind`` about ``obj`` to the outbox; it is queued for sending on commit.

    Call it inside the transaction of the change it reports, after writing what the mail
    says (the reason, the deadline, the reference): the mail is rendered now from ``obj`` and
    stored with the change, so it is sent exactly when the change commits and says what was
    true then. A broker error on commit loses nothing (the row waits for the outbox sweep).
    Returns the ``OutboxMail``, or None when the kind has no recipient.
    """
    composed = mails.compose(kind, obj)
    if composed is None:
        return None
    mail = outbox.record(composed)
    transaction.on_commit(lambda: queue(mail.pk), robust=True)
    return mail


def queue(mail_id):
    """Queue the sending of an outbox row; a broker error is logged, the sweep catches up."""
    try:
        tasks.send_outbox_mail.delay(mail_id)
    except Exception as error:  # the broker is down: the row stays pending
        logger.warning("Outbox mail %s not queued (%s); the outbox sweep will send it", mail_id,
                       outbox.describe(error))  # fmt: skip
