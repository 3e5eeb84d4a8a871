"""How users take the optional mail kinds: right away, in a daily digest, or in the inbox only.

Mandatory kinds (returns, letters, reminders: everything not registered ``optional``) always
arrive by mail at once; ``mails.compose`` asks here only for optional kinds.
"""

from .models import Preference


def deliveries(kind, users):
    """``{user id: delivery}`` for ``kind``, for the users who changed it (one query)."""
    if not users:
        return {}
    rows = Preference.objects.filter(kind=kind, user__in=users).values_list("user_id", "delivery")
    return dict(rows)


def of(user):
    """``{kind: delivery}`` that ``user`` chose (kinds they left alone are absent)."""
    return dict(Preference.objects.filter(user=user).values_list("kind", "delivery"))
