"""Helpers for hand-written migrations of the apps (they import nothing else of ours)."""

from django.db import migrations


def _move(apps, models, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in models:
        if not ContentType.objects.filter(app_label=target, model=model).exists():
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types(models, source, target):
    """A RunPython operation that moves the content types of moved models (and back).

    Admin log entries and permissions point at a model's content type; moving the row keeps
    them pointing at the model in its new app.
    """

    def forward(apps, schema_editor):
        _move(apps, models, source, target)

    def backward(apps, schema_editor):
        _move(apps, models, target, source)

    return migrations.RunPython(forward, backward)


def postgres_only(sql, reverse_sql):
    """A RunPython operation that runs ``sql`` (and ``reverse_sql`` backwards) on PostgreSQL
    only, e.g. an extension or a GIN index; elsewhere it does nothing."""

    def run(statements):
        def operation(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                for statement in statements:
                    schema_editor.execute(statement)

        return operation

    return migrations.RunPython(run(sql), run(reverse_sql), elidable=False)


def trigram_index(table, column, name):
    """A trigram GIN index for ``icontains`` on ``table.column`` (PostgreSQL: Django compares
    ``UPPER(column::text) LIKE UPPER('%text%')``, so the index is on that expression)."""
    return postgres_only(
        [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)',
        ],
        [f'DROP INDEX IF EXISTS "{name}"'],
    )
