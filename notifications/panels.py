"""What ``notifications`` adds to the start page: the office's mail log, and for every role a
link to the user's own mails (once, in the first panel the user sees)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from funding import panels
from funding.panels import Action


def coordinator_items(user):
    return [Action(_("Sent mails"), reverse("notifications-sent"))]


def own_items(role):
    """The link to the user's own mails for the panel of ``role``, if it is their first one."""

    def items(user):
        first = next((name for name, _title, has_role in panels.PANELS if has_role(user)), None)
        if first != role:
            return []
        return [Action(_("Mails sent to you"), reverse("notifications-mine"))]

    items.__name__ = f"own_items_{role}"
    return items


_own = {role: own_items(role) for role, _title, _has_role in panels.PANELS}


def register():
    panels.add_items("coordinator", coordinator_items, order=90)
    for role, items in _own.items():
        panels.add_items(role, items, order=95)
