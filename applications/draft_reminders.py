"""Reminders about drafts: untouched, and the programme closing (being built)."""


def register():
    pass
