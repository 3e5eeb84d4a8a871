"""The rubric migration keeps every existing review's scores and totals.

The test database goes back to reviews 0003 (funding 0005), gets reviews with the five old
score fields, and migrates forward: every programme has rubric version 1 with the five
criteria, every review its five ``Score`` rows equal to the old values and ``total_score`` ==
old sum ÷ 5 exactly; at the head (the old fields dropped by 0006) nothing changed; and back at
0003 the old fields hold the old values again (0006 refills them on the way back). The database
ends at the head (see tests/test_migrations).
"""

import datetime
from decimal import Decimal

import pytest

from tests.test_migrations import _migrate, _migrate_to_head, migrator  # noqa: F401

BEFORE = [
    ("reviews", "0003_rubric_conflicts_discussion"),
    ("funding", "0005_sectors_review_settings"),
]
RUBRIC = [("reviews", "0004_default_rubric")]
FIELDS = {
    "viability": "score_viability",
    "employment": "score_employment",
    "cooperation": "score_cooperation",
    "risk": "score_risk",
    "management": "score_management",
}
# (programme index, the five old scores in the order of FIELDS)
OLD_REVIEWS = [
    (0, (4, 5, 4, 3, 4)),  # 20 → 4.00
    (0, (1, 1, 1, 1, 2)),  # 6 → 1.20
    (1, (5, 5, 5, 5, 5)),  # 25 → 5.00
    (1, (2, 3, 5, 4, 3)),  # 17 → 3.40
    (1, (3, 2, 1, 2, 3)),  # 11 → 2.20
]


def _create_old_reviews(apps):
    User = apps.get_model("auth", "User")
    Programme = apps.get_model("funding", "Programme")
    Organization = apps.get_model("funding", "Organization")
    Application = apps.get_model("applications", "Application")
    Assignment = apps.get_model("reviews", "Assignment")
    Review = apps.get_model("reviews", "Review")
    applicant = User.objects.create(username="rub-applicant")
    coordinator = User.objects.create(username="rub-coordinator")
    organization = Organization.objects.create(
        name="Inklusion gGmbH",
        legal_form="ggmbh",
        representative="Ada Beispiel",
        address="Inklusion gGmbH\nHauptstr. 1\n10115 Berlin",
        contact_email="info@example.org",
    )
    programmes = [
        Programme.objects.create(
            name=f"Rubric programme {index}",
            budget=Decimal("1000000.00"),
            max_amount=Decimal("200000.00"),
            opens_on=datetime.date(2026, 1, 1),
        )
        for index in range(2)
    ]
    applications = [
        Application.objects.create(
            programme=programme,
            organization=organization,
            created_by=applicant,
            title=f"Workshop {index}",
            reference=f"RK-2026-{index + 1:04d}",
            state="awaiting_decision",
            submission_count=1,
            requested_amount=Decimal("100000.00"),
        )
        for index, programme in enumerate(programmes)
    ]
    expected = {}
    for number, (index, scores) in enumerate(OLD_REVIEWS):
        reviewer = User.objects.create(username=f"rub-reviewer-{number}")
        assignment = Assignment.objects.create(
            application=applications[index],
            reviewer=reviewer,
            round=1,
            status="done",
            assigned_by=coordinator,
        )
        review = Review.objects.create(
            assignment=assignment,
            recommendation="approve",
            comment=f"Review {number}",
            **dict(zip(FIELDS.values(), scores, strict=True)),
        )
        expected[review.pk] = (programmes[index].pk, dict(zip(FIELDS, scores, strict=True)))
    return expected


def _assert_scored(apps, expected):
    Rubric = apps.get_model("reviews", "Rubric")
    Review = apps.get_model("reviews", "Review")
    Score = apps.get_model("reviews", "Score")
    rubrics = {rubric.programme_id: rubric for rubric in Rubric.objects.all()}
    assert sorted(rubrics) == sorted({programme for programme, _s in expected.values()})
    for rubric in rubrics.values():
        assert rubric.version == 1
        assert list(rubric.criteria.order_by("position").values_list("key", "weight", "kind")) == [
            (key, Decimal("1.00"), "required") for key in FIELDS
        ]
    assert Review.objects.count() == len(expected)
    for review in Review.objects.all():
        programme, scores = expected[review.pk]
        assert review.rubric_id == rubrics[programme].pk
        rows = Score.objects.filter(review=review)
        assert {row.criterion.key: row.value for row in rows} == scores
        assert {row.criterion.rubric_id for row in rows} == {review.rubric_id}
        assert review.total_score == Decimal(sum(scores.values())) / 5
        assert review.confidence == ""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_rubric_migration_keeps_every_review_and_its_scores(migrator):  # noqa: F811
    old_apps = _migrate(BEFORE)
    expected = _create_old_reviews(old_apps)
    assert [
        (Decimal(sum(scores.values())) / 5).quantize(Decimal("0.01"))
        for _p, scores in expected.values()
    ] == [Decimal("4.00"), Decimal("1.20"), Decimal("5.00"), Decimal("3.40"), Decimal("2.20")]

    _assert_scored(_migrate(RUBRIC), expected)

    executor = _migrate_to_head()
    head = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    _assert_scored(head, expected)
    Review = head.get_model("reviews", "Review")
    assert not {f.name for f in Review._meta.get_fields()} & set(FIELDS.values())

    # Back to before the rubric: the old fields hold the old scores.
    old_apps = _migrate(BEFORE)
    Review = old_apps.get_model("reviews", "Review")
    for review in Review.objects.all():
        assert {key: getattr(review, field) for key, field in FIELDS.items()} == expected[
            review.pk
        ][1]
    assert not old_apps.get_model("reviews", "Rubric").objects.exists()
