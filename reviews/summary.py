"""The review summary the board reads: per application of a queue (annotations) and for one
application's current review round.

Only reviews of the *current* round count (``Assignment.round == Application.submission_count``,
assignment done): a resubmitted application is judged by its new round alone.
"""

from dataclasses import dataclass, field
from statistics import fmean

from django.db.models import Avg, Count, F, FloatField, Q
from django.db.models.functions import Cast

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


def review_annotations():
    """Annotations of an ``Application`` queryset with its current round's reviews.

    ``reviews_count``, ``mean_total``, ``mean_<criterion>`` for each of ``Review.CRITERIA``
    and ``rec_<recommendation>`` counts (the board queue adds its own).
    """
    return {
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
    }


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
