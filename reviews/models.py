"""Conflict-of-interest declarations, reviewer assignments and reviews (Gutachten)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Application


class ConflictDeclaration(models.Model):
    """A declaration on conflicts of interest (Befangenheit) by a reviewer or a board member.

    Never edited or deleted: a correction is a new declaration that ``supersedes`` the previous
    one, and the history shows both. The current declaration of a person for an application and
    round is the one nothing supersedes. ``has_conflict`` is kept in step with ``kind``.
    """

    class Role(models.TextChoices):
        REVIEWER = "reviewer", _("reviewer")
        BOARD = "board", _("board member")

    class Kind(models.TextChoices):
        NONE = "none", _("no conflict of interest")
        BUSINESS = "business", _("business relation")
        PERSONAL = "personal", _("personal relation")
        SAME_ORGANIZATION = "same_organization", _("same or linked organisation")
        COMPETITOR = "competitor", _("competitor")
        PRIOR_INVOLVEMENT = "prior_involvement", _("prior involvement in the application")
        OTHER = "other", _("other (please describe)")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="conflict_declarations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conflict_declarations"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=Role.choices, default=Role.REVIEWER, db_index=True
    )
    round = models.PositiveSmallIntegerField()
    kind = models.CharField(_("declaration"), max_length=20, choices=Kind.choices, default="none")
    has_conflict = models.BooleanField(_("I have a conflict of interest"))
    note = models.TextField(_("note"), blank=True)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("corrects"),
    )
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("conflict-of-interest declaration")
        verbose_name_plural = _("conflict-of-interest declarations")
        ordering = ["declared_at", "id"]
        indexes = [
            models.Index(fields=["user", "has_conflict"], name="conflict_by_user"),
            models.Index(fields=["application", "user", "round"], name="conflict_lookup"),
        ]

    def __str__(self):
        return f"{self.user} · {self.application_id} · {self.kind}"


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
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    # The application was decided or withdrawn: nothing of it is the reviewer's work any more
    # (set by ``signals.archive_assignments`` in the transition's transaction). The reviewer's
    # current list reads only the others, through the partial index ``assignment_current``.
    archived = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("reviewer assignment")
        verbose_name_plural = _("reviewer assignments")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer", "round"], name="unique_assignment"
            )
        ]
        indexes = [
            # The board queue's summary joins only the current round (``summary.CURRENT``);
            # the reviewer's finished reviews page by the newest assignment first, and their
            # current list reads the assignments not archived.
            models.Index(fields=["application", "round", "status"], name="assignment_round"),
            models.Index(fields=["reviewer", "id"], name="assignment_reviewer"),
            models.Index(
                fields=["reviewer", "id"],
                condition=models.Q(archived=False),
                name="assignment_current",
            ),
        ]

    def __str__(self):
        return f"{self.reviewer} → {self.application_id} (v{self.round})"

    @property
    def is_active(self):
        return self.status in self.ACTIVE


SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class Rubric(models.Model):
    """A programme's scoring rubric, one version of it. Reviews keep the version they were
    written against; once a review uses a version it never changes (a change is a new
    version, which becomes the programme's current one)."""

    programme = models.ForeignKey(
        "funding.Programme", on_delete=models.PROTECT, related_name="rubrics"
    )
    version = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("scoring rubric")
        verbose_name_plural = _("scoring rubrics")
        ordering = ["programme", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "version"], name="unique_rubric_version")
        ]

    def __str__(self):
        return f"{self.programme} · v{self.version}"


class Criterion(models.Model):
    """One criterion of a rubric: scored on labelled points from 1 to 5.

    ``counted`` criteria enter the review's total (a weighted mean): ``required`` ones always,
    optional ones where given. ``informational`` criteria are shown, never counted.
    """

    class Kind(models.TextChoices):
        REQUIRED = "required", _("counted, required")
        OPTIONAL = "optional", _("counted, optional")
        INFORMATIONAL = "informational", _("shown only, not counted")

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(_("key"), max_length=40)
    name_de = models.CharField(_("name (German)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices, default=Kind.REQUIRED)
    # The labels of the points 1..5: [{"value": 1, "de": "unzureichend", "en": "insufficient"}, …]
    labels = models.JSONField(_("labelled points"), default=list, blank=True)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["rubric", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "key"], name="unique_criterion_key")
        ]

    def __str__(self):
        return self.name_de


class Review(models.Model):
    """A reviewer's scores (1–5), recommendation and comment for the board."""

    class Confidence(models.TextChoices):
        LOW = "low", _("low")
        MEDIUM = "medium", _("medium")
        HIGH = "high", _("high")

    class Recommendation(models.TextChoices):
        APPROVE = "approve", _("approve")
        APPROVE_WITH_CONDITIONS = "approve_with_conditions", _("approve with conditions")
        REJECT = "reject", _("reject")

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="review")
    recommendation = models.CharField(
        _("recommendation"), max_length=30, choices=Recommendation.choices
    )
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, null=True, related_name="reviews")
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence.choices, blank=True
    )
    # The weighted mean (1–5) of the counted criteria, kept with the scores (for the board's
    # aggregates in SQL); ``None`` until scored.
    total_score = models.DecimalField(
        _("total (weighted mean)"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    comment = models.TextField(_("comment for the board"))
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self):
        return f"{_('Review')} {self.assignment}"

    @property
    def total(self):
        """The weighted mean (1–5) of the counted criteria, as stored with the scores."""
        return self.total_score


class Score(models.Model):
    """A review's points for one criterion of its rubric."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    value = models.PositiveSmallIntegerField(_("points"), validators=SCORE)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="unique_score"),
            models.CheckConstraint(condition=models.Q(value__range=(1, 5)), name="score_1_to_5"),
        ]

    def __str__(self):
        return f"{self.criterion_id}: {self.value}"


class ReviewerProfile(models.Model):
    """What the assignment proposal knows of a reviewer: sectors and availability."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile"
    )
    sectors = models.ManyToManyField("funding.Sector", blank=True, related_name="reviewers")
    available_from = models.DateField(_("not available before"), null=True, blank=True)
    note = models.CharField(_("note for the coordination office"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("reviewer profile")
        verbose_name_plural = _("reviewer profiles")

    def __str__(self):
        return str(self.user)


class Post(models.Model):
    """A post in an application's discussion (reviewers, the office, the board).

    Never edited silently: an edit keeps the previous text as a ``PostRevision``.
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="discussion"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    round = models.PositiveSmallIntegerField()
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("discussion post")
        verbose_name_plural = _("discussion posts")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.author} · {self.application_id} · {self.created_at:%Y-%m-%d %H:%M}"


class PostRevision(models.Model):
    """The text a post had before an edit."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(_("text"))
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("earlier text of a post")
        verbose_name_plural = _("earlier texts of posts")
        ordering = ["replaced_at", "id"]

    def __str__(self):
        return f"{self.post_id} · {self.replaced_at:%Y-%m-%d %H:%M}"
