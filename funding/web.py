"""What the views share: one way to call a service and answer its refusals.

A service refuses with ``RuleViolation`` (422: every violated rule, by field) or
``StateConflict`` (409: the state does not allow it, or a concurrent change won).
``PermissionDenied`` (403) and ``Http404`` are left to Django; anything a view does not catch
is rendered by ``funding.middleware``.
"""

from dataclasses import dataclass, field

from .errors import RuleViolation, StateConflict


@dataclass
class Refusal:
    """A refused service call: the HTTP status and the messages to show."""

    status: int
    messages: list = field(default_factory=list)


def add_violation(form, violation):
    """Put every violated rule beside its field (or above the form)."""
    for name, messages in violation.errors.items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)


def attempt(call, form=None):
    """Run ``call()``; return ``(result, None)``, or ``(None, Refusal)`` when it was refused.

    With ``form``, the refusal's messages are also put on the form: each rule beside its
    field, a state conflict above the form. ``Refusal.messages`` has them all, for a page
    that no longer shows the form.
    """
    try:
        return call(), None
    except RuleViolation as violation:
        if form is not None:
            add_violation(form, violation)
        return None, Refusal(422, violation.messages)
    except StateConflict as conflict:
        if form is not None:
            form.add_error(None, conflict.message)
        return None, Refusal(409, [conflict.message])
