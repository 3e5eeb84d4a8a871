"""Fixed scores for the board's aggregates: a rubric of the test's own and reviews scored on it.

The reviews are reached through the services (``tests.states``); then their scores are set to
the exact points of the example, and their totals computed by ``reviews.rubric`` (the same
arithmetic as the review form).
"""

from decimal import Decimal

from django.db.models import Max

from reviews import rubric as scoring
from reviews import summary
from reviews.models import Criterion, Review, Rubric, Score

REQUIRED, OPTIONAL, INFORMATIONAL = scoring.REQUIRED, scoring.OPTIONAL, scoring.INFORMATIONAL


def rubric_of(programme, *criteria):
    """A new rubric version of ``programme`` with ``criteria``: (key, weight, kind) each."""
    latest = Rubric.objects.filter(programme=programme).aggregate(v=Max("version"))["v"] or 0
    rubric = Rubric.objects.create(programme=programme, version=latest + 1)
    for position, (key, weight, kind) in enumerate(criteria):
        Criterion.objects.create(
            rubric=rubric,
            position=position,
            key=key,
            name_de=f"{key} (de)",
            name_en=f"{key} (en)",
            weight=Decimal(weight),
            kind=kind,
        )
    return rubric


def score(application, rubric, rows):
    """Give the current round's reviews (oldest first) the ``rows``: (points by key,
    recommendation, confidence) each. Returns the reviews' totals."""
    reviews = list(summary.current_reviews(application))
    criteria = list(rubric.criteria.all())
    totals = []
    for review, (points, recommendation, confidence) in zip(reviews, rows, strict=True):
        Score.objects.filter(review=review).delete()
        Score.objects.bulk_create(
            Score(review=review, criterion=criterion, value=points[criterion.key])
            for criterion in criteria
            if criterion.key in points
        )
        total = scoring.weighted_total(criteria, points)
        Review.objects.filter(pk=review.pk).update(
            rubric=rubric,
            recommendation=recommendation,
            confidence=confidence,
            total_score=total,
            comment=f"{recommendation}: {points}",
        )
        totals.append(total)
    return totals
