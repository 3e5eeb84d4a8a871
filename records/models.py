"""Records past their retention period, offered to the coordination office for deletion."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from decisions.models import DecisionLetter


class RetentionCandidate(models.Model):
    """A record the retention rules select (``records.retention``), waiting for a coordinator.

    Written by ``records.services.mark_candidates`` (the ``retention`` command and the daily
    task); nothing is deleted until a coordinator confirms it (``confirm_deletion``).
    """

    class Kind(models.TextChoices):
        APPLICATION = "application", _("application (free text, documents, versions)")
        LETTER = "letter", _("decision letter")

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting confirmation")
        DONE = "done", _("deleted")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        related_name="retention_candidates",
        verbose_name=_("application"),
    )
    # The letter row is deleted on confirmation; its number stays for the record.
    letter = models.ForeignKey(
        DecisionLetter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decision letter"),
    )
    letter_number = models.PositiveSmallIntegerField(_("letter number"), null=True, blank=True)
    counts_from = models.DateField(_("period counts from"))
    due_on = models.DateField(_("due for deletion since"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    found_at = models.DateTimeField(_("found"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("record due for deletion")
        verbose_name_plural = _("records due for deletion")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(status="pending", kind="application"),
                name="one_pending_application_candidate",
            ),
            models.UniqueConstraint(
                fields=["letter"],
                condition=models.Q(status="pending", kind="letter"),
                name="one_pending_letter_candidate",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.application_id} ({self.due_on})"

    @property
    def key(self):
        return (self.kind, self.application_id, self.letter_id)
