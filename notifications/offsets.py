"""The reminder rules' offsets: days that each programme's coordination office may change.

A rule declares its offsets with ``registry.add_reminder_offset(Offset(...))``; each
programme keeps the changed ones in ``Programme.reminder_days`` (name → days), the rest take
the default. ``table()`` reads every programme's offsets in one query; a rule filters its
candidates coarsely with ``table.widest(name)`` and decides per row with
``table.days(programme_id, name)``, so the sweep's query count does not grow with the
programmes.
"""

from dataclasses import dataclass

from django.core.validators import MaxValueValidator, MinValueValidator

from funding.models import Programme

from . import registry

LIMITS = (MinValueValidator(1), MaxValueValidator(365))


@dataclass(frozen=True, slots=True)
class Offset:
    """``name`` e.g. ``"review_due_soon"``; ``label`` a lazy translated text; ``default``."""

    name: str
    label: object
    default: int
    order: int = 100


class Table:
    """The offsets of every programme (name → days), defaults filled in."""

    def __init__(self, stored):
        self.defaults = {offset.name: offset.default for offset in registry.reminder_offsets()}
        self.by_programme = {pk: _merged(self.defaults, days) for pk, days in stored.items()}

    def days(self, programme_id, name):
        """The offset ``name`` of the programme (the default for an unknown programme)."""
        return self.by_programme.get(programme_id, self.defaults)[name]

    def widest(self, name):
        """The largest value of ``name`` over all programmes: the bound for a coarse filter."""
        values = [days[name] for days in self.by_programme.values()]
        return max([self.defaults[name], *values])


def table():
    """Every programme's offsets: one query."""
    return Table(dict(Programme.objects.order_by().values_list("id", "reminder_days")))


def _merged(defaults, stored):
    merged = dict(defaults)
    for name, value in (stored or {}).items():
        if name in merged and isinstance(value, int) and 1 <= value <= 365:
            merged[name] = value
    return merged
