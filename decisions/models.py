"""The board's decisions (proposals with four eyes) and the decision letters (Bescheide)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Application, ApplicationVersion, Instrument
from funding.models import money


class Decision(models.Model):
    """A board decision: proposed by one member, confirmed by a second (four eyes)."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")

    class Status(models.TextChoices):
        OPEN = "open", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        OBJECTED = "objected", _("Objected")
        VOID = "void", _("Void")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    application_version = models.ForeignKey(
        ApplicationVersion, on_delete=models.PROTECT, related_name="decisions"
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    amount = money(verbose_name=_("granted amount (EUR)"), null=True, blank=True)
    instrument = models.CharField(
        _("instrument"), max_length=20, choices=Instrument.choices, blank=True
    )
    loan_term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True)
    interest_rate = models.DecimalField(
        _("interest rate (% p.a.)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    grace_period_months = models.PositiveSmallIntegerField(
        _("grace period (months)"), null=True, blank=True
    )
    conditions = models.TextField(_("conditions"), blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    confirmed_at = models.DateTimeField(null=True)
    closing_note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(status="open"),
                name="one_open_proposal",
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome="approve") | models.Q(amount__gt=0),
                name="approval_has_amount",
            ),
        ]

    def __str__(self):
        return f"{self.application_id}: {self.get_outcome_display()} ({self.get_status_display()})"


def letter_path(instance, filename):
    return f"letters/{instance.application_id}/{instance.number}-{instance.sha256}.pdf"


class DecisionLetter(models.Model):
    """The PDF decision letter (Bescheid). Its stored bytes never change.

    ``pending → rendering → rendered → sending → sent``, each step claimed by a conditional
    UPDATE (``decisions.letters``). ``failed``: rendering failed ``LETTER_RENDER_ATTEMPTS``
    times (``last_error`` says why); ``uncertain``: a worker died while sending, it may have
    gone out. The office sends a letter again or renders a failed one again
    (``services.resend_letter``); ``history`` records who did it, when, from which status.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be rendered")
        RENDERING = "rendering", _("being rendered")
        RENDERED = "rendered", _("rendered, not yet sent")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        UNCERTAIN = "uncertain", _("sending interrupted: check the mail log")
        FAILED = "failed", _("could not be rendered")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="letters")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="letters")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    language = models.CharField(max_length=5, default="de")
    file = models.FileField(upload_to=letter_path, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True)
    rendered_at = models.DateTimeField(null=True)
    sent_at = models.DateTimeField(null=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    recipients = models.JSONField(default=list, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # [{"action": "resend" | "render_again", "from": status, "by": user id or None,
    #   "name": who (or the command), "at": ISO time, "sent_at": ISO time or None}]
    history = models.JSONField(_("history"), default=list, blank=True)

    class Meta:
        verbose_name = _("decision letter")
        verbose_name_plural = _("decision letters")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="unique_letter")
        ]

    def __str__(self):
        return f"{self.application.reference} · {_('letter')} {self.number}"
