"""What the system sent to whom: reminder claims (later: the outbox and the mail log)."""

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
