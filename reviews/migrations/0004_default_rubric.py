"""Data: the five fixed criteria become every programme's first rubric (equal weights,
required), every existing review gets its scores as rows of that rubric and its total as the
weighted mean (old sum ÷ 5); every existing conflict declaration gets its kind."""

from decimal import Decimal

from django.db import migrations

LABELS = [
    {"value": 1, "de": "unzureichend", "en": "insufficient"},
    {"value": 2, "de": "mangelhaft", "en": "weak"},
    {"value": 3, "de": "befriedigend", "en": "satisfactory"},
    {"value": 4, "de": "gut", "en": "good"},
    {"value": 5, "de": "sehr gut", "en": "very good"},
]
# (key, old field, German name, English name)
CRITERIA = [
    ("viability", "score_viability", "Wirtschaftliche Tragfähigkeit", "Economic viability"),
    (
        "employment",
        "score_employment",
        "Beschäftigungseffekt für schwerbehinderte Menschen",
        "Employment effect for severely disabled people",
    ),
    (
        "cooperation",
        "score_cooperation",
        "Qualität der Kooperation mit dem allgemeinen Arbeitsmarkt",
        "Quality of the cooperation with the regular labour market",
    ),
    ("risk", "score_risk", "Risiko (5 = geringes Risiko)", "Risk (5 = low risk)"),
    (
        "management",
        "score_management",
        "Kompetenz der Geschäftsführung",
        "Management capability",
    ),
]


def forward(apps, schema_editor):
    Programme = apps.get_model("funding", "Programme")
    Rubric = apps.get_model("reviews", "Rubric")
    Criterion = apps.get_model("reviews", "Criterion")
    Review = apps.get_model("reviews", "Review")
    Score = apps.get_model("reviews", "Score")
    ConflictDeclaration = apps.get_model("reviews", "ConflictDeclaration")
    rubrics = {}
    for programme in Programme.objects.all():
        rubric = Rubric.objects.create(programme=programme, version=1)
        rubrics[programme.pk] = (
            rubric,
            {
                field: Criterion.objects.create(
                    rubric=rubric, position=position, key=key, name_de=de, name_en=en,
                    weight=Decimal("1"), kind="required", labels=LABELS,
                )
                for position, (key, field, de, en) in enumerate(CRITERIA)
            },
        )  # fmt: skip
    reviews = Review.objects.select_related("assignment__application")
    for review in reviews.iterator(chunk_size=500):
        rubric, criteria = rubrics[review.assignment.application.programme_id]
        values = {field: getattr(review, field) for _k, field, _de, _en in CRITERIA}
        Score.objects.bulk_create(
            [Score(review=review, criterion=criteria[f], value=v) for f, v in values.items()]
        )
        review.rubric = rubric
        review.total_score = (Decimal(sum(values.values())) / len(values)).quantize(
            Decimal("0.01")
        )
        review.save(update_fields=["rubric", "total_score"])
    ConflictDeclaration.objects.filter(has_conflict=True).update(kind="other")
    ConflictDeclaration.objects.filter(has_conflict=False).update(kind="none")


def backward(apps, schema_editor):
    Review = apps.get_model("reviews", "Review")
    Score = apps.get_model("reviews", "Score")
    Rubric = apps.get_model("reviews", "Rubric")
    fields = {key: field for key, field, _de, _en in CRITERIA}
    for review in Review.objects.all().iterator(chunk_size=500):
        for score in Score.objects.filter(review=review).select_related("criterion"):
            if score.criterion.key in fields:
                setattr(review, fields[score.criterion.key], score.value)
        review.save()
    Score.objects.all().delete()
    Review.objects.update(rubric=None, total_score=None)
    apps.get_model("reviews", "Criterion").objects.all().delete()
    Rubric.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0003_rubric_conflicts_discussion"),
        ("funding", "0005_sectors_review_settings"),
    ]

    operations = [migrations.RunPython(forward, backward)]
