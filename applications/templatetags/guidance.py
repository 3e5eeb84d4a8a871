"""``{% section_status application as status %}``: {section key: complete?} for the
application's page, from the rules it still breaks (``selectors.pending_violations``)."""

from django import template
from django.utils import timezone

from applications import presenters, selectors

register = template.Library()


@register.simple_tag
def section_status(application):
    violations = selectors.pending_violations(application, timezone.localdate())
    return presenters.section_status(violations)
