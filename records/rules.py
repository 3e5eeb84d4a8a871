"""Who may read the access log, handle retention and export an organisation's data.

The coordination office only, and (separation of duties, as for the rest of its work) never
for an organisation a coordinator is a member of: the access log of its own application would
name its reviewers, and nobody deletes or exports their own company's records.
"""

import rules

from applications.rules import is_member
from funding.rules import is_coordinator, is_member_of

# The access log page (no object) and an application's own access log.
rules.add_perm("records.read_access_log", is_coordinator & ~is_member)
# The retention page (no object) and confirming the deletion of an application's records.
rules.add_perm("records.manage_retention", is_coordinator & ~is_member)
# An organisation's data for an access request (GDPR Art. 15), object: the organisation.
rules.add_perm("records.export_organization", is_coordinator & ~is_member_of)
