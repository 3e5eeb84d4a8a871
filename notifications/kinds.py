"""Readable names of the mail kinds: the label a kind was registered with (``registry``).

Kinds without one (mandatory kinds, the digest, kinds of older rows) are named here, or
shown as their key.
"""

from django.utils.translation import gettext_lazy as _

from . import registry

LABELS = {
    "submitted": _("Application submitted"),
    "returned": _("Application returned"),
    "withdrawn": _("Application withdrawn"),
    "assigned": _("Review assigned"),
    "recused": _("Reviewer recused"),
    "declined": _("Review declined"),
    "decision_proposed": _("Decision proposed"),
    "board_recused": _("Board member recused"),
    "digest": _("Daily summary"),
}


def label(kind):
    try:
        registered = registry.kind_of(kind).label
    except LookupError:
        registered = ""
    return registered or LABELS.get(kind, kind)


def choices():
    """(kind, label) of every registered kind and the digest, for the filter."""
    return [(kind, label(kind)) for kind in [*registry.mail_kinds(), "digest"]]
