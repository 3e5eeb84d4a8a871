# Moves ``Reminder`` out of ``applications`` without touching a row: the state takes
# the model over the existing table, then the table is renamed to this app's name.

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
                    name='Reminder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=200, unique=True)),
                        ('rule', models.CharField(max_length=50)),
                        ('claim', models.CharField(db_index=True, max_length=36)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('sent_at', models.DateTimeField(null=True)),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'applications_reminder',
                        'verbose_name': 'reminder',
                        'verbose_name_plural': 'reminders',
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='reminder', table=None),
        move_content_types(("reminder",), "applications", "notifications"),
    ]
