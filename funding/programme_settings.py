"""The programme settings page's sections: each app adds the settings it owns.

``add_section(key, title, template, context, post=None, order=100)`` registers a section (in
``AppConfig.ready()``). ``context(request, programme)`` returns the template's context, or
None to leave the section out for this user. ``post(request, programme)``, if given, handles
the section's form (sent to the settings page with ``section=<key>``): it returns None when
done (the page redirects back to itself) or ``(status, context)`` to show the section again,
e.g. with the refused form. The page shows the sections in ``order``, each in its own card.
"""

from dataclasses import dataclass

import rules
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Programme
from .panels import Action


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    template: str
    context: object
    post: object = None
    order: int = 100


_sections = {}


def add_section(key, title, template, context=None, post=None, order=100):
    """Register (or replace) the section ``key``."""
    _sections[key] = Section(
        key, title, template, context or (lambda request, programme: {}), post, order
    )


def get_section(key):
    """The section registered under ``key``, or None."""
    return _sections.get(key)


def sections(request, programme, replaced=None):
    """[(section, context)] for this request, in order; sections answering None are left out.
    ``replaced`` maps a key to the context to show instead (a refused form)."""
    replaced = replaced or {}
    result = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.key)):
        context = replaced.get(section.key) or section.context(request, programme)
        if context is not None:
            result.append((section, context))
    return result


def start_page_actions(user):
    """Start-page buttons to each programme's settings page, for whoever may manage them."""
    if not rules.has_perm("funding.manage_programme", user):
        return []
    return [
        Action(
            _("Settings: %(programme)s") % {"programme": programme.name},
            reverse("programme-settings", args=[programme.pk]),
        )
        for programme in Programme.objects.order_by("name").only("pk", "name")
    ]
