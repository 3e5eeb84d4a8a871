"""The unread count for the header's inbox link (``TEMPLATES`` context processor).

``inbox_unread`` is a callable: the template calls it when it uses the value (Django calls
callables while resolving a variable), so a page that does not show it costs nothing, and
the count is read once per request however often the page uses it. It comes from the cache
(``notifications.inbox``); ``warm_on_login`` counts it when the user logs in, so that pages
make no query for it (only the first page after marking entries read, or after the cached
count expired, counts once).

A cache that does not answer (Redis down) hides the count instead of failing the page or
the login.
"""

import logging

from . import inbox as inbox_counts

logger = logging.getLogger(__name__)


def unread_or_none(user):
    """The user's unread count, or None when the cache does not answer."""
    try:
        return inbox_counts.unread_count(user)
    except Exception as error:  # the cache is down: the header goes without the count
        logger.warning("Unread count of user %s not available (%s)", user.pk, error)
        return None


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    known = []

    def inbox_unread():
        if not known:
            known.append(unread_or_none(user))
        return known[0]

    return {"inbox_unread": inbox_unread}


def warm_on_login(sender, request, user, **kwargs):
    """``user_logged_in`` receiver: count the unread entries into the cache at login."""
    try:
        inbox_counts.recount(user.pk)
    except Exception as error:  # the cache is down: counted on a later page
        logger.warning("Unread count of user %s not cached at login (%s)", user.pk, error)
