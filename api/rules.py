"""Who may manage API tokens: the permissions this app registers (docs/design.md).

Every other API permission is the web's: the views ask the same registered permissions.
"""

import rules


@rules.predicate
def is_active_user(user, obj=None):
    return user.is_authenticated and user.is_active


@rules.predicate
def owns_token(user, token):
    return token is not None and token.user_id == user.pk


# Every logged-in, active user: their own tokens (list, create).
rules.add_perm("api.manage_tokens", is_active_user)
# Revoking a token: only its owner.
rules.add_perm("api.revoke_token", is_active_user & owns_token)
