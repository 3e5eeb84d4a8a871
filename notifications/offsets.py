"""The reminder rules' offsets: days that each programme's coordination office may change.

A rule declares its offsets with ``registry.add_reminder_offset(Offset(...))``; each
programme keeps the changed ones in ``Programme.reminder_days`` (name → days), the rest take
the default. ``table()`` reads every programme's offsets in one query; a rule filters its
candidates coarsely with ``table.widest(name)`` (or ``table.narrowest(name)``) and decides per
row with ``table.days(programme_id, name)``, so the sweep's query count does not grow with the
programmes. An offset is a whole number of days from ``MIN_DAYS`` to ``MAX_DAYS``; a stored
value outside them (or not a number) is ignored. A rule's ``recent`` must cover ``MAX_DAYS``
where an offset sets how long one of its keys is due.

``update_reminder_days`` is the use case of the settings page (``programme_settings``).
"""

import logging
from dataclasses import dataclass

import rules
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import transaction
from django.utils.translation import gettext as _

from funding.errors import RuleViolation
from funding.models import Programme

from . import registry

logger = logging.getLogger(__name__)

MIN_DAYS = 1
MAX_DAYS = 365
LIMITS = (MinValueValidator(MIN_DAYS), MaxValueValidator(MAX_DAYS))


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

    def narrowest(self, name):
        """The smallest value of ``name`` over all programmes: the other bound."""
        values = [days[name] for days in self.by_programme.values()]
        return min([self.defaults[name], *values])


def table():
    """Every programme's offsets: one query."""
    return Table(dict(Programme.objects.order_by().values_list("id", "reminder_days")))


def _merged(defaults, stored):
    merged = dict(defaults)
    for name, value in (stored if isinstance(stored, dict) else {}).items():
        if name in merged and _valid(value):
            merged[name] = value
    return merged


def _valid(value):
    return isinstance(value, int) and not isinstance(value, bool) and MIN_DAYS <= value <= MAX_DAYS


def violations(values):
    """``{name: [message]}`` of the values (``{name: days or None}``) the rules refuse."""
    message = _("Please give a whole number of days from %(min)s to %(max)s.") % {
        "min": MIN_DAYS,
        "max": MAX_DAYS,
    }
    return {
        name: [message] for name, value in values.items() if value is not None and not _valid(value)
    }


def update_reminder_days(user, programme, values):
    """The coordination office sets the programme's reminder offsets.

    ``values``: ``{name: days or None}`` for registered offsets (None: the default). Effects:
    ``funding.manage_programme`` 403; the programme locked; a value outside ``MIN_DAYS`` to
    ``MAX_DAYS`` 422 (every one named); ``Programme.reminder_days`` keeps the values that differ
    from the defaults (a default may change later; stored names no rule registers stay); a log
    line. The next sweep uses them; reminders already sent are not sent again.
    """
    if not rules.has_perm("funding.manage_programme", user, programme):
        raise PermissionDenied(_("Only the coordination office does this."))
    defaults = {offset.name: offset.default for offset in registry.reminder_offsets()}
    values = {name: value for name, value in values.items() if name in defaults}
    with transaction.atomic():
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        errors = violations(values)
        if errors:
            raise RuleViolation(errors)
        stored = locked.reminder_days if isinstance(locked.reminder_days, dict) else {}
        kept = {name: days for name, days in stored.items() if name not in values}
        changed = {
            name: days
            for name, days in values.items()
            if days is not None and days != defaults[name]
        }
        locked.reminder_days = {**kept, **changed}
        locked.save(update_fields=["reminder_days"])
        logger.info(
            "Reminder offsets of programme %s changed by user %s: %s",
            programme.pk,
            user.pk,
            ", ".join(f"{name}={days}" for name, days in sorted(locked.reminder_days.items()))
            or "defaults",
        )
    return locked
