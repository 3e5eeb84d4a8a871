"""Notes the system writes into the transition log, shown in each reader's language.

A service stores ``note(key, **params)`` as the log entry's description (``rk:`` and JSON);
pages, exports and mails show ``render(description)``: the registered text of ``key``,
translated into the language active when it is read, with the parameters filled in. A
description written by a person (a return's reason) is shown as written. Later steps register
their notes with ``add_note`` (in ``AppConfig.ready()``).
"""

import json

from django.utils.translation import gettext_lazy as _

PREFIX = "rk:"

_notes = {
    "version": _("Version %(n)s"),
}


def add_note(key, text):
    """Register the (lazily translated) text of a note; ``%(name)s`` placeholders."""
    _notes[key] = text


def note(key, **params):
    """The description to store for the note ``key`` (the text is looked up when read)."""
    if key not in _notes:
        raise LookupError(f"No history note {key!r} is registered.")
    return PREFIX + json.dumps({"key": key, **params}, ensure_ascii=False, sort_keys=True)


def render(description):
    """The description as the reader should see it, in the active language."""
    if not description or not description.startswith(PREFIX):
        return description or ""
    try:
        params = json.loads(description[len(PREFIX) :])
        text = _notes[params.pop("key")]
        return str(text) % params
    except (ValueError, KeyError, TypeError):
        return description


def shown(entries):
    """The log entries with their descriptions as the reader should see them (a list)."""
    entries = list(entries)
    for entry in entries:
        entry.description = render(entry.description)
    return entries
