"""The message thread per application between the office and the company (being built)."""


def register():
    pass
