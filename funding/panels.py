"""The start page: one panel per role, filled with items that each app registers.

An app adds its items in ``AppConfig.ready()`` with ``add_items(role, function)``; the function
takes the user and returns a list of ``Item`` (a count with a link) or ``Action`` (a button).
This module knows no app: the panels list only what the apps gave them.

Each panel leads with what the user must do now: the items marked ``todo`` (the default),
each a count that links to a list filtered to exactly those applications or assignments; then
the ``todo=False`` items (an overview: where things stand); then the buttons. An app's
function runs a constant number of queries, whatever the number of rows.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import roles


@dataclass(frozen=True)
class Item:
    label: str
    count: int
    url: str
    todo: bool = True  # something to do now (False: an overview figure)
    note: str = ""  # a line under the label, e.g. the nearest deadline


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
    """[{"role", "title", "todo", "overview", "actions", "pending"}] of the panels for the
    user's roles: ``todo`` the items to act on, ``overview`` the others, ``pending`` the sum
    of the ``todo`` counts (0: nothing to do now)."""
    result = []
    for role, title, has_role in PANELS:
        if not has_role(user):
            continue
        entries = [entry for _order, function in _contributions[role] for entry in function(user)]
        items = [entry for entry in entries if isinstance(entry, Item)]
        todo = [item for item in items if item.todo]
        result.append(
            {
                "role": role,
                "title": title,
                "todo": todo,
                "overview": [item for item in items if not item.todo],
                "actions": [entry for entry in entries if isinstance(entry, Action)],
                "pending": sum(item.count for item in todo),
            }
        )
    return result
