# The models of later steps moved to their apps (reviews, decisions, notifications); their
# tables stay and are renamed there. Here they only leave the state (no row is touched);
# the new owners' migrations depend on this one and take the tables over.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0002_board_queue_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ConflictDeclaration'),
                migrations.DeleteModel(name='DecisionLetter'),
                migrations.DeleteModel(name='Decision'),
                migrations.DeleteModel(name='Reminder'),
            ],
            database_operations=[],
        ),
    ]
