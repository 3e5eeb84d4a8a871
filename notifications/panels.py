"""What ``notifications`` adds to the start page: the office's mail log, and for every role the
user's inbox (its unread count) and a link to the user's own mails (once, in the first panel
the user sees).
Its ``register()`` also caches the header's unread count at login (``context_processors``).

The profile page's section "Notifications" (the delivery preferences) is built in
``forms_preferences`` (``PROFILE_SECTION``); ``accounts`` registers it, because this app
sits below ``accounts`` and may not import its registry.
"""

from django.contrib.auth.signals import user_logged_in
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from funding import panels
from funding.panels import Action, Item

from . import context_processors


def coordinator_items(user):
    return [Action(_("Sent mails"), reverse("notifications-sent"))]


def own_items(role):
    """The user's inbox and own mails for the panel of ``role``, if it is their first one."""

    def items(user):
        first = next((name for name, _title, has_role in panels.PANELS if has_role(user)), None)
        if first != role:
            return []
        result = [Action(_("Mails sent to you"), reverse("notifications-mine"))]
        unread = context_processors.unread_or_none(user)
        if unread is not None:  # None: the cache does not answer, the card waits
            result.insert(0, Item(_("Unread in your inbox"), unread, reverse("notification-inbox")))
        return result

    items.__name__ = f"own_items_{role}"
    return items


_own = {role: own_items(role) for role, _title, _has_role in panels.PANELS}


def register():
    # The header's unread count is cached at login, so that pages need no query for it.
    user_logged_in.connect(context_processors.warm_on_login, dispatch_uid="inbox-warm-on-login")
    panels.add_items("coordinator", coordinator_items, order=90)
    for role, items in _own.items():
        panels.add_items(role, items, order=95)
