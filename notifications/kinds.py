"""Readable names of the mail kinds (the kinds the apps register in ``registry``).

A kind without a name here is shown as its key.
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
}


def label(kind):
    return LABELS.get(kind, kind)


def choices():
    """(kind, label) of every registered kind, for the filter."""
    return [(kind, label(kind)) for kind in registry.mail_kinds()]
