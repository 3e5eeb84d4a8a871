"""Who may read the log of sent mails (``OutboxMail``), their own inbox and preferences.

The coordination office reads every row (``/notifications/sent/``); every logged-in user reads
the mails addressed to them (``/notifications/mine/``, no permission: the rows are theirs).
Every logged-in, active user has an inbox (``/notifications/``) and chooses how the optional
notifications reach them (the profile page); both only ever concern their own rows.
"""

import rules

from funding.rules import is_coordinator


@rules.predicate
def is_active_user(user, obj=None):
    """A logged-in user whose account is active (whatever their role, even none)."""
    return bool(user is not None and user.is_authenticated and user.is_active)


# The office's page over every outbox row (no object).
rules.add_perm("notifications.read_sent_log", is_coordinator)
# The user's own inbox: read entries, mark them read, open their links (no object).
rules.add_perm("notifications.read_inbox", is_active_user)
# The user's own delivery choices for the optional mail kinds (no object).
rules.add_perm("notifications.edit_preferences", is_active_user)
