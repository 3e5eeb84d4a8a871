"""Who may read the log of sent mails (``OutboxMail``).

The coordination office reads every row (``/notifications/sent/``); every logged-in user reads
the mails addressed to them (``/notifications/mine/``, no permission: the rows are theirs).
"""

import rules

from funding.rules import is_coordinator

# The office's page over every outbox row (no object).
rules.add_perm("notifications.read_sent_log", is_coordinator)
