"""The review summary the board reads: the queue of applications awaiting a decision and the
summary of one application's current review round.

Only reviews of the *current* round count (``Assignment.round == Application.submission_count``,
assignment done): a resubmitted application is judged by its new round alone.
"""

from dataclasses import dataclass, field
from statistics import fmean

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, Trim

from applications.models import Application, ConflictDeclaration, Decision, State

from .models import Assignment, Review

MAX_SCORE = 5
MAX_TOTAL = MAX_SCORE * len(Review.CRITERIA)
RECOMMENDATIONS = tuple(Review.Recommendation.values)

# Reviews of the application's current round, seen from the application (as a join filter).
_CURRENT = Q(
    assignments__round=F("submission_count"),
    assignments__status=Assignment.Status.DONE,
    assignments__review__isnull=False,
)


def _review(name):
    return f"assignments__review__{name}"


def _mean(expression, condition=_CURRENT):
    # Cast each value first: the database then averages floats on every backend (PostgreSQL
    # would answer ``numeric`` for an average of integers).
    return Avg(Cast(expression, FloatField()), filter=condition)


def _total_expression():
    names = iter(Review.CRITERIA)
    expression = F(_review(next(names)))
    for name in names:
        expression = expression + F(_review(name))
    return expression


def _display_name(prefix):
    """A user's full name, or the username when no name is recorded (in SQL)."""
    first, last = F(f"{prefix}first_name"), F(f"{prefix}last_name")
    return Case(
        When(
            Q(**{f"{prefix}first_name": ""}) & Q(**{f"{prefix}last_name": ""}),
            then=F(f"{prefix}username"),
        ),
        default=Trim(Concat(first, Value(" "), last, output_field=CharField())),
        output_field=CharField(),
    )


def _awaiting(programme=None):
    queryset = Application.objects.filter(state=State.AWAITING_DECISION)
    if programme is not None:
        queryset = queryset.filter(programme=programme)
    return queryset


def queue_size(programme=None):
    """How many applications await a decision (a plain count, without the annotations)."""
    return _awaiting(programme).count()


QUEUE_ORDER = (F("awaiting_since").asc(nulls_last=True), "id")


def queue_ids(programme=None):
    """The queue's order as ids only: cheap to page through (index on state, awaiting_since)."""
    return _awaiting(programme).order_by(*QUEUE_ORDER).values_list("pk", flat=True)


def board_queue(programme=None, user=None):
    """Applications awaiting a decision, the longest waiting first, in one query.

    Each row carries: ``reviews_count``, ``mean_total``, ``mean_<criterion>`` for each of
    ``Review.CRITERIA``, ``rec_<recommendation>`` counts, ``has_open_proposal``,
    ``proposal_outcome``, ``proposer_id`` and ``proposer_name``. With ``user``, also
    ``user_reviewed`` (the user declared on conflicts for it in some round, so may not decide).
    """
    open_proposals = Decision.objects.filter(
        application=OuterRef("pk"), status=Decision.Status.OPEN
    )
    annotations = {
        "reviews_count": Count("assignments__review", filter=_CURRENT),
        "mean_total": _mean(_total_expression()),
        **{f"mean_{name}": _mean(_review(name)) for name in Review.CRITERIA},
        **{
            f"rec_{value}": Count(
                "assignments__review",
                filter=_CURRENT & Q(assignments__review__recommendation=value),
            )
            for value in RECOMMENDATIONS
        },
        "has_open_proposal": Exists(open_proposals),
        "proposal_outcome": Subquery(open_proposals.values("outcome")[:1]),
        "proposer_id": Subquery(open_proposals.values("proposed_by_id")[:1]),
        "proposer_name": Subquery(
            open_proposals.annotate(name=_display_name("proposed_by__")).values("name")[:1]
        ),
    }
    if user is not None and user.is_authenticated:
        annotations["user_reviewed"] = Exists(
            ConflictDeclaration.objects.filter(application=OuterRef("pk"), user=user)
        )
    return (
        _awaiting(programme)
        .select_related("programme", "organization")
        .annotate(**annotations)
        .order_by(*QUEUE_ORDER)
    )


def recommendation_counts(row):
    """[(label, count)] of a queue row's recommendations given at least once."""
    return [
        (Review.Recommendation(value).label, getattr(row, f"rec_{value}"))
        for value in RECOMMENDATIONS
        if getattr(row, f"rec_{value}")
    ]


@dataclass
class Criterion:
    name: str
    label: str
    mean: float | None


@dataclass
class Summary:
    """What the board reads about one application's current review round."""

    reviews: list
    criteria: list = field(default_factory=list)
    total_mean: float | None = None
    recommendations: list = field(default_factory=list)  # [(value, label, count)]
    max_total: int = MAX_TOTAL
    max_score: int = MAX_SCORE

    @property
    def count(self):
        return len(self.reviews)

    @property
    def given_recommendations(self):
        """[(label, count)] of the recommendations given at least once."""
        return [(label, n) for _value, label, n in self.recommendations if n]


def current_reviews(application):
    """The submitted reviews of the application's current round, with their reviewers."""
    return (
        Review.objects.filter(
            assignment__application=application,
            assignment__round=application.submission_count,
            assignment__status=Assignment.Status.DONE,
        )
        .select_related("assignment__reviewer")
        .order_by("submitted_at", "id")
    )


def summary_for(application):
    """Means per criterion and in total, recommendation counts and the reviews (one query)."""
    reviews = list(current_reviews(application))
    labels = {name: Review._meta.get_field(name).verbose_name for name in Review.CRITERIA}
    for review in reviews:
        review.scores = [(labels[name], getattr(review, name)) for name in Review.CRITERIA]
    criteria = [
        Criterion(
            name=name,
            label=labels[name],
            mean=fmean(getattr(r, name) for r in reviews) if reviews else None,
        )
        for name in Review.CRITERIA
    ]
    recommendations = [
        (value, Review.Recommendation(value).label, sum(r.recommendation == value for r in reviews))
        for value in RECOMMENDATIONS
    ]
    return Summary(
        reviews=reviews,
        criteria=criteria,
        total_mean=fmean(r.total for r in reviews) if reviews else None,
        recommendations=recommendations,
    )
