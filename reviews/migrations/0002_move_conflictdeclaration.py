# Moves ``ConflictDeclaration`` out of ``applications`` without touching a row: the state takes
# the model over the existing table, then the table is renamed to this app's name.

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from funding.migration_tools import move_content_types


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0001_initial'),
        ('applications', '0003_move_models_out'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ConflictDeclaration',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('round', models.PositiveSmallIntegerField()),
                        ('has_conflict', models.BooleanField(verbose_name='I have a conflict of interest')),
                        ('note', models.TextField(blank=True, verbose_name='note')),
                        ('declared_at', models.DateTimeField(auto_now_add=True)),
                        ('application', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='conflict_declarations', to='applications.application')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='conflict_declarations', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'applications_conflictdeclaration',
                        'verbose_name': 'conflict-of-interest declaration',
                        'verbose_name_plural': 'conflict-of-interest declarations',
                    },
                ),
                migrations.AddConstraint(
                    model_name='conflictdeclaration',
                    constraint=models.UniqueConstraint(fields=('application', 'user', 'round'), name='unique_conflict_declaration'),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='conflictdeclaration', table=None),
        move_content_types(("conflictdeclaration",), "applications", "reviews"),
    ]
