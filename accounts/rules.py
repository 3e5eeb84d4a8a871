"""Who manages a company's users: the permissions this app registers (docs/design.md)."""

import rules

from funding.models import Membership
from funding.rules import is_coordinator


@rules.predicate
def is_company_admin_of(user, organization):
    """The user is a company admin (``Membership.is_admin``) of this organisation."""
    if organization is None or not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user=user, organization_id=organization.pk, is_admin=True
    ).exists()


# The company users page: members, open invitations, admin rights, removing a member.
rules.add_perm("accounts.manage_users", is_coordinator | is_company_admin_of)
# Inviting a person into the organisation (and sending an invitation again).
rules.add_perm("accounts.invite", is_coordinator | is_company_admin_of)
