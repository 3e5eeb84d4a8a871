"""The five fixed score columns of before the rubric go; their values live in ``Score`` rows
since 0004. Reversible: going back refills them from the scores of the default criteria."""

from django.db import migrations

OLD_FIELDS = {
    "viability": "score_viability",
    "employment": "score_employment",
    "cooperation": "score_cooperation",
    "risk": "score_risk",
    "management": "score_management",
}


def refill_old_scores(apps, schema_editor):
    Review = apps.get_model("reviews", "Review")
    Score = apps.get_model("reviews", "Score")
    values = {}
    rows = Score.objects.filter(criterion__key__in=OLD_FIELDS).values_list(
        "review_id", "criterion__key", "value"
    )
    for review_id, key, value in rows.iterator(chunk_size=2000):
        values.setdefault(review_id, {})[OLD_FIELDS[key]] = value
    for review_id, fields in values.items():
        Review.objects.filter(pk=review_id).update(**fields)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0005_old_scores_nullable"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, refill_old_scores),
        *(
            migrations.RemoveField(model_name="review", name=name)
            for name in OLD_FIELDS.values()
        ),
    ]
