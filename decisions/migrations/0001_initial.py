# Moves ``Decision`` and ``DecisionLetter`` out of ``applications`` without touching a row:
# the state takes the models over their existing tables, then the table is renamed to this app's name.

import decisions.models
import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

from funding.migration_tools import move_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('applications', '0003_move_models_out'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Decision',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('outcome', models.CharField(choices=[('approve', 'Approve'), ('reject', 'Reject')], max_length=10, verbose_name='outcome')),
                        ('status', models.CharField(choices=[('open', 'Proposed'), ('confirmed', 'Confirmed'), ('objected', 'Objected'), ('void', 'Void')], default='open', max_length=10)),
                        ('amount', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='granted amount (EUR)')),
                        ('instrument', models.CharField(blank=True, choices=[('loan', 'Loan'), ('silent_partnership', 'Silent partnership')], max_length=20, verbose_name='instrument')),
                        ('loan_term_months', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='term (months)')),
                        ('interest_rate', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name='interest rate (% p.a.)')),
                        ('grace_period_months', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='grace period (months)')),
                        ('conditions', models.TextField(blank=True, verbose_name='conditions')),
                        ('reasons', models.TextField(blank=True, verbose_name='reasons')),
                        ('proposed_at', models.DateTimeField(auto_now_add=True)),
                        ('confirmed_at', models.DateTimeField(null=True)),
                        ('closing_note', models.TextField(blank=True, verbose_name='note')),
                        ('application', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='decisions', to='applications.application')),
                        ('application_version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='decisions', to='applications.applicationversion')),
                        ('confirmed_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('proposed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'applications_decision',
                        'verbose_name': 'decision',
                        'verbose_name_plural': 'decisions',
                        'ordering': ['-proposed_at'],
                    },
                ),
                migrations.CreateModel(
                    name='DecisionLetter',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveSmallIntegerField()),
                        ('status', models.CharField(choices=[('pending', 'waiting to be rendered'), ('rendering', 'being rendered'), ('rendered', 'rendered, not yet sent'), ('sending', 'being sent'), ('sent', 'sent'), ('uncertain', 'sending interrupted: check the mail log')], db_index=True, default='pending', max_length=10)),
                        ('language', models.CharField(default='de', max_length=5)),
                        ('file', models.FileField(blank=True, upload_to=decisions.models.letter_path)),
                        ('sha256', models.CharField(blank=True, max_length=64)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('claimed_at', models.DateTimeField(null=True)),
                        ('rendered_at', models.DateTimeField(null=True)),
                        ('sent_at', models.DateTimeField(null=True)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('recipients', models.JSONField(blank=True, default=list)),
                        ('application', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='letters', to='applications.application')),
                        ('decision', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='letters', to='decisions.decision')),
                    ],
                    options={
                        'db_table': 'applications_decisionletter',
                        'verbose_name': 'decision letter',
                        'verbose_name_plural': 'decision letters',
                        'ordering': ['application', 'number'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='decision',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'open')), fields=('application',), name='one_open_proposal'),
                ),
                migrations.AddConstraint(
                    model_name='decision',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('outcome', 'approve'), _negated=True), ('amount__gt', 0), _connector='OR'), name='approval_has_amount'),
                ),
                migrations.AddConstraint(
                    model_name='decisionletter',
                    constraint=models.UniqueConstraint(fields=('application', 'number'), name='unique_letter'),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='decision', table=None),
        migrations.AlterModelTable(name='decisionletter', table=None),
        move_content_types(("decision", "decisionletter"), "applications", "decisions"),
    ]
