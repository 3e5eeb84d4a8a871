"""Who is who: group roles and organisation memberships, cached on the user object."""

from .models import BOARD, COORDINATORS, REVIEWERS


def group_names(user):
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_group_names"):
        user._group_names = frozenset(user.groups.values_list("name", flat=True))
    return user._group_names


def organization_ids(user):
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_organization_ids"):
        user._organization_ids = frozenset(
            user.memberships.values_list("organization_id", flat=True)
        )
    return user._organization_ids


def is_coordinator(user):
    return COORDINATORS in group_names(user)


def is_reviewer(user):
    return REVIEWERS in group_names(user)


def is_board(user):
    return BOARD in group_names(user)


def is_applicant(user):
    return bool(organization_ids(user))
