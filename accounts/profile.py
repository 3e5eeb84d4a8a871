"""The profile page's sections: later work adds its own (notification settings, API tokens).

``add_section(key, title, template, context, order)`` registers a section; ``context(request)``
returns the template's context (or None to leave the section out for this user). Register in
``AppConfig.ready()``. The page renders the sections in ``order``, each in its own card.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    template: str
    context: object
    order: int = 100


_sections = {}


def add_section(key, title, template, context=None, order=100):
    """Register (or replace) the section ``key``."""
    _sections[key] = Section(key, title, template, context or (lambda request: {}), order)


def sections(request):
    """[(section, context)] for this request, in order; sections answering None are left out."""
    result = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.key)):
        context = section.context(request)
        if context is not None:
            result.append((section, context))
    return result
