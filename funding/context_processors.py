from . import roles as role_checks


def roles(request):
    """The caller's roles, for navigation."""
    user = request.user
    return {
        "is_coordinator": role_checks.is_coordinator(user),
        "is_reviewer": role_checks.is_reviewer(user),
        "is_board": role_checks.is_board(user),
        "is_applicant": role_checks.is_applicant(user),
    }
