"""Reminders about letters that failed or were not sent (being built)."""


def register():
    pass
