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
