"""Domain errors that every entry point (web, API, tasks) maps to the same HTTP answers.

PermissionDenied → 403, Http404 → 404, StateConflict → 409, RuleViolation → 422.
"""

from django.utils.translation import gettext_lazy as _


class StateConflict(Exception):
    """The state does not allow this, or a concurrent change won (HTTP 409)."""

    def __init__(self, message=None):
        self.message = message or _(
            "This action is not possible in the application's current state, or someone "
            "else changed it in the meantime. Please reload the page."
        )
        super().__init__(str(self.message))


class RuleViolation(Exception):
    """One or more rules refused the action (HTTP 422); carries every violated rule.

    ``errors`` maps a field name (or ``None`` for the whole object) to a list of messages.
    """

    def __init__(self, errors):
        if isinstance(errors, list | tuple):
            errors = {None: list(errors)}
        self.errors = {key: list(value) for key, value in errors.items() if value}
        super().__init__("; ".join(str(m) for m in self.messages))

    @property
    def messages(self):
        return [message for messages in self.errors.values() for message in messages]
