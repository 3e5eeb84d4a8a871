"""The notes decisions write into the transition log (``applications.history_notes``)."""

from django.utils.translation import gettext_lazy as _

from applications import history_notes


def register():
    history_notes.add_note("decided_by", _("Decided by %(user)s"))
    history_notes.add_note("confirmed_by", _("Proposed by %(proposer)s, confirmed by %(user)s"))
