"""Who may manage the webhooks: the coordination office only.

The endpoints and their delivery logs are the office's configuration of the integrations;
no object of an organisation is involved (the permission is asked without an object).
"""

import rules

from funding.rules import is_coordinator

# The endpoints' pages: register, deactivate, delete, read the delivery log, send again.
rules.add_perm("webhooks.manage", is_coordinator)
