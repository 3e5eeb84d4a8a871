"""What later steps show on the application's page and filter on the list (filled in their
``AppConfig.ready()``).

``add_detail_contribution(function)``: ``function(user, application)`` returns a list of
``Action`` (a button among the page's actions) and ``Part`` (a section rendered from its own
template). A ``Part`` with ``slot="top"`` is shown first, above the application's facts (e.g.
the decision's outcome); the others below them. The page asks every function; this app knows
none of them.

``add_list_filter(ListFilter(...))``: a filter of the application list that a later step owns,
because only it knows what the filter means (e.g. ``?overdue=reviews``: applications in review
with an overdue review). ``applications.filters.ApplicationFilter`` offers every registered
filter that the user may use; the start page links to the list with the same parameters.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

_contributors = []
_list_filters = {}

SLOTS = ("top", "main")


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    style: str = ""  # "", "secondary" or "danger"


@dataclass(frozen=True)
class Part:
    template: str
    context: dict = field(default_factory=dict)
    slot: str = "main"  # "top": first on the page, above the facts; "main": below them


def add_detail_contribution(function):
    if function not in _contributors:
        _contributors.append(function)


def detail_contributions(user, application):
    """``(actions, parts)`` that the registered functions give for this user and page."""
    entries = [entry for function in _contributors for entry in function(user, application)]
    actions = [entry for entry in entries if isinstance(entry, Action)]
    parts = [entry for entry in entries if isinstance(entry, Part)]
    return actions, parts


def parts_by_slot(parts):
    """``{slot: [part]}`` for every slot in ``SLOTS`` (an unknown slot counts as "main")."""
    result = {slot: [] for slot in SLOTS}
    for part in parts:
        result[part.slot if part.slot in result else "main"].append(part)
    return result


@dataclass(frozen=True)
class ListFilter:
    """A filter of the application list: ``?<name>=<value>`` for each of ``choices``.

    ``apply(queryset, value)`` answers the applications of ``queryset`` that match (a value of
    ``choices``); ``visible(user)`` whether the user is offered the filter (None: everyone who
    sees the list). ``order`` places it among the list's filters.
    """

    name: str
    label: object
    choices: tuple
    apply: Callable
    visible: Callable | None = None
    order: int = 100


def add_list_filter(list_filter):
    """Register a ``ListFilter`` (again under the same name: replaces it)."""
    _list_filters[list_filter.name] = list_filter


def list_filters(user=None):
    """The registered filters in their order; with ``user``, only those the user may use."""
    found = sorted(_list_filters.values(), key=lambda item: (item.order, item.name))
    if user is None:
        return found
    return [item for item in found if item.visible is None or item.visible(user)]
