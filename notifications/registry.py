"""What the apps register with ``notifications`` in their ``AppConfig.ready()``.

- Mail kinds: ``add_mail_kind(kind, recipients, label=..., optional=...)``: ``recipients(obj)``
  answers ``(recipients, context, language)`` for the mail ``templates/mail/<kind>.txt`` (and
  ``.html``) about ``obj``. ``recipients`` mixes users (each reads it in their own language,
  gets it in their inbox, and for an ``optional`` kind as their preferences say) and plain
  addresses (an organisation's contact address: in ``language``).
- Reminder rules: ``add_reminder_rule(rule)``: see ``notifications.reminders.Rule``.
- Reminder offsets: ``add_reminder_offset(offset)``: see ``notifications.offsets``.
- Users' languages: ``add_language_source(function)`` (``accounts``: the profile's language).

This app knows no domain app; it only runs what was registered.
"""

from dataclasses import dataclass

_mail_kinds = {}
_reminder_rules = {}
_reminder_offsets = {}
_language_sources = []


@dataclass(frozen=True, slots=True)
class MailKind:
    name: str
    recipients: object  # obj -> (recipients, context, language)
    label: object = ""  # what the preferences page calls it (lazy translation)
    optional: bool = False  # its readers may take it in a digest or in the inbox only


def add_mail_kind(kind, recipients, *, label="", optional=False):
    """Register a mail kind; ``optional`` ones are on the preferences page (``label``)."""
    if optional and not label:
        raise ValueError(f"The optional mail kind {kind!r} needs a label.")
    _mail_kinds[kind] = MailKind(kind, recipients, label, optional)


def mail_kind(kind):
    """The ``recipients`` function of ``kind``."""
    return kind_of(kind).recipients


def kind_of(kind):
    try:
        return _mail_kinds[kind]
    except KeyError:
        raise LookupError(f"No mail kind {kind!r} is registered.") from None


def mail_kinds():
    return sorted(_mail_kinds)


def optional_kinds():
    """The kinds a user may take as a digest or in the inbox only, in name order."""
    return [_mail_kinds[name] for name in sorted(_mail_kinds) if _mail_kinds[name].optional]


def add_reminder_rule(rule):
    _reminder_rules[rule.name] = rule


def reminder_rules():
    return [_reminder_rules[name] for name in sorted(_reminder_rules)]


def add_reminder_offset(offset):
    _reminder_offsets[offset.name] = offset


def reminder_offsets():
    return sorted(_reminder_offsets.values(), key=lambda offset: (offset.order, offset.name))


def add_language_source(function):
    """``function(users)`` answers ``{user id: language}`` for those who chose one."""
    if function not in _language_sources:
        _language_sources.append(function)


def languages_of(users):
    """``{user id: language}`` of ``users`` (each source asked once; the last one wins)."""
    languages = {}
    if users:
        for function in _language_sources:
            languages.update(function(users))
    return languages
