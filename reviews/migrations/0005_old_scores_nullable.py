# The five old score fields become nullable (no longer written; dropped later).

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0004_default_rubric"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="review",
            name="scores_1_to_5",
        ),
        migrations.AlterField(
            model_name="review",
            name="score_cooperation",
            field=models.PositiveSmallIntegerField(
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(5),
                ],
                verbose_name="quality of the cooperation with the regular labour market",
            ),
        ),
        migrations.AlterField(
            model_name="review",
            name="score_employment",
            field=models.PositiveSmallIntegerField(
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(5),
                ],
                verbose_name="employment effect for severely disabled people",
            ),
        ),
        migrations.AlterField(
            model_name="review",
            name="score_management",
            field=models.PositiveSmallIntegerField(
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(5),
                ],
                verbose_name="management capability",
            ),
        ),
        migrations.AlterField(
            model_name="review",
            name="score_risk",
            field=models.PositiveSmallIntegerField(
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(5),
                ],
                verbose_name="risk (5 = low risk)",
            ),
        ),
        migrations.AlterField(
            model_name="review",
            name="score_viability",
            field=models.PositiveSmallIntegerField(
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(5),
                ],
                verbose_name="economic viability",
            ),
        ),
    ]
