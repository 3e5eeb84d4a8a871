"""Small helpers the views share: domain errors onto forms, answered with the right status."""

from django.shortcuts import render


def add_violation(form, violation):
    """Put every violated rule beside its field (or above the form)."""
    for field, messages in violation.errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


def render_refused(request, template, context, status):
    """Re-render the form the user sent, keeping what they typed."""
    return render(request, template, context, status=status)
