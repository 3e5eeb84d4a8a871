"""The review summary the board reads: per application of a queue (annotations, in SQL) and for
one application's current review round (``summary_for``).

Only reviews of the *current* round count (``Assignment.round == Application.submission_count``,
assignment done): a resubmitted application is judged by its new round alone.

A review's total is its ``total_score``: the weighted mean (1–5) of its counted criteria, kept
with the scores when the review is saved. The board reads, of the totals and of each criterion,
the mean, the median and the spread (population standard deviation, ``statistics.pstdev``, and
max − min); informational criteria are shown apart and never enter a total. The reviews
*disagree* when max − min of the totals exceeds the programme's ``disagreement_threshold``.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from statistics import mean, median, pstdev

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    Max,
    Min,
    Prefetch,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, Round
from django.db.models.lookups import GreaterThan
from django.utils.translation import get_language

from applications import checks

from .models import Assignment, Criterion, Review, Score

MAX_SCORE = 5
RECOMMENDATIONS = tuple(Review.Recommendation.values)
DEFAULT_THRESHOLD = Decimal("1.5")
CURRENT = "current_round"
TOTAL = f"{CURRENT}__review__total_score"
REVIEW = f"{CURRENT}__review"


def _current_round():
    """The done assignments of the application's current round, as a join: restricted to that
    round *before* joining (``FilteredRelation``: the condition goes into the JOIN's ON clause
    and the index ``assignment_round``), so that the aggregates never read other rounds."""
    return {
        CURRENT: FilteredRelation(
            "assignments",
            condition=Q(
                assignments__round=F("submission_count"),
                assignments__status=Assignment.Status.DONE,
            ),
        )
    }


_HAS_REVIEW = Q(**{f"{REVIEW}__isnull": False})
_HAS_TOTAL = Q(**{f"{TOTAL}__isnull": False})


# ----- per application of a queue, in SQL ------------------------------------------------------


def mean_total_annotation():
    """``mean_total``: the mean of the current round's totals (a float, None without any).

    Each total is cast first: the database then averages floats on every backend.
    """
    return {**_current_round(), "mean_total": Avg(Cast(TOTAL, FloatField()), filter=_HAS_TOTAL)}


def _total_range():
    # Rounded to the totals' two decimals: SQLite subtracts floats (4.9 − 3.4 would be
    # 1.5000000000000004 and exceed a threshold of 1.5).
    return ExpressionWrapper(
        Round(Max(TOTAL) - Min(TOTAL), 2),
        output_field=DecimalField(max_digits=4, decimal_places=2),
    )


def disagreement_annotations():
    """``total_range`` (max − min of the current round's totals, None without any) and
    ``disagreement`` (it exceeds the programme's threshold)."""
    return {
        **_current_round(),
        "total_range": _total_range(),
        "disagreement": Case(
            When(
                GreaterThan(_total_range(), F("programme__disagreement_threshold")),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
    }


def review_annotations():
    """Annotations of an ``Application`` queryset with its current round's reviews.

    ``reviews_count``, ``mean_total``, ``total_range``, ``disagreement`` and
    ``rec_<recommendation>`` counts (the board queue adds its own).
    """
    return {
        **_current_round(),
        "reviews_count": Count(REVIEW),
        **mean_total_annotation(),
        **disagreement_annotations(),
        **{
            f"rec_{value}": Count(
                REVIEW, filter=_HAS_REVIEW & Q(**{f"{REVIEW}__recommendation": value})
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


# ----- one application's current round -----------------------------------------------------------


@dataclass
class Spread:
    """Mean, median and spread of some values (all None without values)."""

    count: int = 0
    mean: Decimal | None = None
    median: Decimal | None = None
    stdev: Decimal | None = None  # population standard deviation
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    @property
    def range(self):
        """max − min."""
        return None if self.count == 0 else self.maximum - self.minimum

    @classmethod
    def of(cls, values):
        values = [Decimal(value) for value in values if value is not None]
        if not values:
            return cls()
        return cls(
            count=len(values),
            mean=mean(values),
            median=median(values),
            stdev=pstdev(values),
            minimum=min(values),
            maximum=max(values),
        )


def criterion_name(criterion):
    """The criterion's name in the current language (German unless English)."""
    english = (get_language() or "").startswith("en")
    return (criterion.name_en if english else criterion.name_de) or criterion.name_de


@dataclass
class CriterionSummary:
    criterion: Criterion
    stats: Spread

    @property
    def key(self):
        return self.criterion.key

    @property
    def label(self):
        """The name in the language active when it is shown."""
        return criterion_name(self.criterion)

    @property
    def weight(self):
        return self.criterion.weight

    @property
    def informational(self):
        return self.criterion.kind == Criterion.Kind.INFORMATIONAL


@dataclass
class Summary:
    """What the board reads about one application's current review round."""

    reviews: list
    counted: list = field(default_factory=list)  # [CriterionSummary] entering the totals
    informational: list = field(default_factory=list)  # [CriterionSummary] shown only
    totals: Spread = field(default_factory=Spread)
    recommendations: list = field(default_factory=list)  # [(value, label, count)]
    threshold: Decimal = DEFAULT_THRESHOLD
    flags: list = field(default_factory=list)  # notes such as the upper quota
    max_score: int = MAX_SCORE

    @property
    def count(self):
        return len(self.reviews)

    @property
    def criteria(self):
        return [*self.counted, *self.informational]

    @property
    def total_mean(self):
        return self.totals.mean

    @property
    def disagreement(self):
        """max − min of the totals exceeds the programme's threshold."""
        spread = self.totals.range
        return spread is not None and spread > self.threshold

    @property
    def given_recommendations(self):
        """[(label, count)] of the recommendations given at least once."""
        return [(label, n) for _value, label, n in self.recommendations if n]


def current_reviews(application):
    """The submitted reviews of the application's current round, with their reviewers, scores
    and criteria (three queries: reviews, scores, the rubrics' criteria)."""
    return (
        Review.objects.filter(
            assignment__application=application,
            assignment__round=application.submission_count,
            assignment__status=Assignment.Status.DONE,
        )
        .select_related("assignment__reviewer", "rubric")
        .prefetch_related(
            Prefetch("scores", queryset=Score.objects.select_related("criterion")),
            "rubric__criteria",
        )
        .order_by("submitted_at", "id")
    )


def _criteria(reviews):
    """The criteria of the reviews' rubrics and scores, one per key, in the rubric's order."""
    found = {}
    for review in reviews:
        criteria = list(review.rubric.criteria.all()) if review.rubric else []
        criteria += [score.criterion for score in review.scores.all()]
        for criterion in criteria:
            found.setdefault(criterion.key, criterion)
    return sorted(found.values(), key=lambda c: (c.position, c.id))


def summary_for(application):
    """The board's summary of the application's current round (three queries).

    Each review gets ``summary_points``: [(criterion summary, value or None)] in the rubric's order,
    counted criteria first. Reviews without a total (not scored) count in the tally, not in
    the totals' figures.
    """
    reviews = list(current_reviews(application))
    values = {
        review.pk: {score.criterion.key: score.value for score in review.scores.all()}
        for review in reviews
    }
    counted, informational = [], []
    for criterion in _criteria(reviews):
        summary = CriterionSummary(
            criterion=criterion,
            stats=Spread.of(values[review.pk].get(criterion.key) for review in reviews),
        )
        (informational if summary.informational else counted).append(summary)
    for review in reviews:
        review.summary_points = [
            (criterion, values[review.pk].get(criterion.key))
            for criterion in (*counted, *informational)
        ]
    recommendations = [
        (value, Review.Recommendation(value).label, sum(r.recommendation == value for r in reviews))
        for value in RECOMMENDATIONS
    ]
    programme = application.programme
    threshold = programme.disagreement_threshold
    return Summary(
        reviews=reviews,
        counted=counted,
        informational=informational,
        totals=Spread.of(review.total_score for review in reviews),
        recommendations=recommendations,
        threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
        flags=checks.flags(application),
    )
