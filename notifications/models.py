"""What the system sent to whom: reminder claims and the outbox of progress mails (its log)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Reminder(models.Model):
    """A reminder claimed before sending; the unique key makes every reminder go out once.

    The key reads ``rule:object:recipient:occurrence``.
    """

    key = models.CharField(max_length=200, unique=True)
    rule = models.CharField(max_length=50)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    claim = models.CharField(max_length=36, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self):
        return self.key


class OutboxMail(models.Model):
    """A progress mail, written in the transaction of the change it reports (the outbox).

    Subject and body are rendered at the transition, in the reader's language, from what the
    change wrote (reason, deadline, reference): a backlog or a later edit never changes what a
    mail says, and a rolled-back change leaves no row. The worker only sends the stored text.
    The rows are also the log of what was sent to whom (kind, recipients, reference, times).

    Concurrency contract (``notifications.outbox``): a sender claims a row with a conditional
    UPDATE ``pending → sending`` (its ``claimed_at`` is the claim's token, ``attempts + 1``);
    exactly one of any number of concurrent senders gets the row, and only the holder of the
    token moves it on (``sent``, or back to ``pending``/``failed`` on an error). A row left in
    ``sending`` (the worker died between the SMTP server's acceptance and our commit, or
    before sending) becomes ``uncertain`` after ``outbox.STALE_AFTER``: it is logged, never
    re-sent automatically, because it may have gone out.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("could not be sent")
        UNCERTAIN = "uncertain", _("sending interrupted: may have been sent")

    kind = models.CharField(_("kind"), max_length=50)
    recipients = models.JSONField(_("recipients"), default=list)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"))
    # The application the mail is about (no foreign key: the log outlives a deleted object).
    application_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    reference = models.CharField(_("reference"), max_length=20, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("written"), auto_now_add=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    html = models.TextField(_("HTML part"), blank=True)
    # The Message-ID header, fixed when the row is written: a mail sent again keeps it.
    message_id = models.CharField(_("message id"), max_length=255, blank=True, db_index=True)

    class Meta:
        verbose_name = _("mail")
        verbose_name_plural = _("mails (outbox)")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_created")]

    def __str__(self):
        return f"{self.kind} · {self.reference or '-'} · {self.get_status_display()}"


class Notification(models.Model):
    """One entry of a user's in-app inbox: every notification and reminder they receive.

    Written with the mail (in the same transaction for notifications, after sending for
    reminders), in the user's language. ``digest`` marks an entry that waits for the user's
    daily digest mail; the digest clears it (``notifications.digest``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=50)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    application_id = models.BigIntegerField(null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    digest = models.BooleanField(_("waiting for the daily digest"), default=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="inbox_user_created"),
            models.Index(
                fields=["user"], name="inbox_user_unread", condition=models.Q(read_at=None)
            ),
            models.Index(
                fields=["user"], name="inbox_user_digest", condition=models.Q(digest=True)
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.subject}"


class Preference(models.Model):
    """How a user wants the optional notifications of one kind (the rest always arrive)."""

    class Delivery(models.TextChoices):
        MAIL = "mail", _("by mail right away")
        DIGEST = "digest", _("in a daily digest mail")
        INBOX = "inbox", _("only in the inbox, no mail")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=50)
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.MAIL
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="unique_preference")]

    def __str__(self):
        return f"{self.user} · {self.kind}: {self.delivery}"
