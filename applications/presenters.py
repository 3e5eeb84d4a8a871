"""One way to present an application's facts: by section, with labels, values and kinds.

The reviewer's page and the board's page show the same facts; templates render each row by its
kind (``money``, ``percent``, ``text`` or ``plain``).
"""

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy

from .forms import SECTIONS
from .models import Application

# Figures computed from the application, shown after the section they belong to.
COMPUTED = {
    "financing": (
        ("financing_total", gettext_lazy("Total financing (EUR)"), "money"),
        (
            "funding_share",
            gettext_lazy("Requested amount as share of the eligible investment"),
            "percent",
        ),
        (
            "own_contribution_share",
            gettext_lazy("Own contribution as share of the eligible investment"),
            "percent",
        ),
    ),
    "employment": (
        ("severely_disabled_share", gettext_lazy("Share of severely disabled staff"), "percent"),
    ),
}


def facts(application):
    """[(key, section label, [(label, value, kind)])] of the application's content."""
    sections = []
    for key, (label, names) in SECTIONS.items():
        rows = []
        for name in names:
            field = Application._meta.get_field(name)
            value = getattr(application, name)
            if field.choices:
                value, kind = getattr(application, f"get_{name}_display")(), "plain"
            elif isinstance(field, models.DecimalField) and field.max_digits == 14:
                kind = "money"
            elif isinstance(field, models.TextField):
                kind = "text"
            else:
                kind = "plain"
            rows.append((capfirst(field.verbose_name), value, kind))
        for attribute, computed_label, kind in COMPUTED.get(key, ()):
            rows.append((computed_label, getattr(application, attribute), kind))
        sections.append((key, label, rows))
    return sections
