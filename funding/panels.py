"""The start page: one panel per role, filled with items that each app registers.

An app adds its items in ``AppConfig.ready()`` with ``add_items(role, function)``; the function
takes the user and returns a list of ``Item`` (a count with a link) or ``Action`` (a button).
This module knows no app: the panels list only what the apps gave them.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import roles


@dataclass(frozen=True)
class Item:
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class Action:
    label: str
    url: str


# (role, title, does the user have the role), in the order the start page shows them.
PANELS = (
    ("applicant", _("Your company's applications"), roles.is_applicant),
    ("coordinator", _("Coordination office"), roles.is_coordinator),
    ("reviewer", _("Expert project"), roles.is_reviewer),
    ("board", _("Board"), roles.is_board),
)
_contributions = {role: [] for role, _title, _has_role in PANELS}


def add_items(role, function, order=100):
    """Register ``function(user) -> [Item | Action]`` for the panel of ``role``."""
    entry = (order, function)
    if entry not in _contributions[role]:
        _contributions[role].append(entry)
        _contributions[role].sort(key=lambda pair: pair[0])


def panels(user):
    """[{"title", "items", "actions"}] of the panels for the user's roles."""
    result = []
    for role, title, has_role in PANELS:
        if not has_role(user):
            continue
        entries = [entry for _order, function in _contributions[role] for entry in function(user)]
        result.append(
            {
                "title": title,
                "items": [entry for entry in entries if isinstance(entry, Item)],
                "actions": [entry for entry in entries if isinstance(entry, Action)],
            }
        )
    return result
