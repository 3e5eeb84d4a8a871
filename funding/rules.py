"""The role predicates every app composes its permissions from (``rules`` predicates).

Roles are Django groups plus memberships of organisations (``funding.roles`` caches both on
the user object). A superuser has no role by being a superuser: permissions are asked with
``rules.has_perm``, never ``user.has_perm``.
"""

import rules

from . import roles

is_coordinator = rules.predicate(lambda user, obj=None: roles.is_coordinator(user))
is_reviewer = rules.predicate(lambda user, obj=None: roles.is_reviewer(user))
is_board = rules.predicate(lambda user, obj=None: roles.is_board(user))
is_applicant = rules.predicate(lambda user, obj=None: roles.is_applicant(user))


@rules.predicate
def is_member_of(user, organization):
    """The user acts for this organisation."""
    return organization is not None and organization.pk in roles.organization_ids(user)


def permission(name):
    """A predicate answered by the permission registered under ``name`` (False if none is).

    A lower app composes a permission that an upper app owns by its name, without importing
    it: e.g. ``applications.read`` includes ``reviews.read_application``.
    """

    @rules.predicate(name=f"permission({name})")
    def check(user, obj=None):
        return rules.perm_exists(name) and rules.has_perm(name, user, obj)

    return check


# The programme settings page (each section may ask its own permission too).
rules.add_perm("funding.manage_programme", is_coordinator)
