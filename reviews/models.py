"""Conflict-of-interest declarations, reviewer assignments and reviews (Gutachten)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Application


class ConflictDeclaration(models.Model):
    """A reviewer's declaration on conflicts of interest (Befangenheit) for one round."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="conflict_declarations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conflict_declarations"
    )
    round = models.PositiveSmallIntegerField()
    has_conflict = models.BooleanField(_("I have a conflict of interest"))
    note = models.TextField(_("note"), blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("conflict-of-interest declaration")
        verbose_name_plural = _("conflict-of-interest declarations")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "user", "round"], name="unique_conflict_declaration"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.application_id} · {self.has_conflict}"


class Assignment(models.Model):
    """A reviewer asked to review one round (submitted version) of an application."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("review submitted")
        RECUSED = "recused", _("recused (conflict of interest)")
        DECLINED = "declined", _("declined")
        REMOVED = "removed", _("removed by the coordination office")
        CLOSED = "closed", _("closed: no longer needed")

    ACTIVE = (Status.OPEN, Status.DONE)

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    round = models.PositiveSmallIntegerField(help_text=_("The submitted version reviewed."))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    due_on = models.DateField(_("due on"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("reviewer assignment")
        verbose_name_plural = _("reviewer assignments")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer", "round"], name="unique_assignment"
            )
        ]

    def __str__(self):
        return f"{self.reviewer} → {self.application_id} (v{self.round})"

    @property
    def is_active(self):
        return self.status in self.ACTIVE


SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class Review(models.Model):
    """A reviewer's scores (1–5), recommendation and comment for the board."""

    class Recommendation(models.TextChoices):
        APPROVE = "approve", _("approve")
        APPROVE_WITH_CONDITIONS = "approve_with_conditions", _("approve with conditions")
        REJECT = "reject", _("reject")

    CRITERIA = (
        "score_viability",
        "score_employment",
        "score_cooperation",
        "score_risk",
        "score_management",
    )

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="review")
    score_viability = models.PositiveSmallIntegerField(_("economic viability"), validators=SCORE)
    score_employment = models.PositiveSmallIntegerField(
        _("employment effect for severely disabled people"), validators=SCORE
    )
    score_cooperation = models.PositiveSmallIntegerField(
        _("quality of the cooperation with the regular labour market"), validators=SCORE
    )
    score_risk = models.PositiveSmallIntegerField(_("risk (5 = low risk)"), validators=SCORE)
    score_management = models.PositiveSmallIntegerField(
        _("management capability"), validators=SCORE
    )
    recommendation = models.CharField(
        _("recommendation"), max_length=30, choices=Recommendation.choices
    )
    comment = models.TextField(_("comment for the board"))
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score_viability__range=(1, 5))
                & models.Q(score_employment__range=(1, 5))
                & models.Q(score_cooperation__range=(1, 5))
                & models.Q(score_risk__range=(1, 5))
                & models.Q(score_management__range=(1, 5)),
                name="scores_1_to_5",
            )
        ]

    def __str__(self):
        return f"{_('Review')} {self.assignment}"

    @property
    def total(self):
        return sum(getattr(self, name) for name in self.CRITERIA)
