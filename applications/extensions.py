"""What later steps show on the application's page (filled in their ``AppConfig.ready()``).

``add_detail_contribution(function)``: ``function(user, application)`` returns a list of
``Action`` (a button among the page's actions) and ``Part`` (a section rendered from its own
template). The page asks every function; this app knows none of them.
"""

from dataclasses import dataclass, field

_contributors = []


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    style: str = ""  # "", "secondary" or "danger"


@dataclass(frozen=True)
class Part:
    template: str
    context: dict = field(default_factory=dict)


def add_detail_contribution(function):
    if function not in _contributors:
        _contributors.append(function)


def detail_contributions(user, application):
    """``(actions, parts)`` that the registered functions give for this user and page."""
    entries = [entry for function in _contributors for entry in function(user, application)]
    actions = [entry for entry in entries if isinstance(entry, Action)]
    parts = [entry for entry in entries if isinstance(entry, Part)]
    return actions, parts
