"""What the apps register with ``notifications`` in their ``AppConfig.ready()``.

- Mail kinds: ``add_mail_kind(kind, recipients)``: ``recipients(obj)`` answers
  ``(emails, context, language)`` for the mail ``templates/mail/<kind>.txt`` about ``obj``.
- Reminder rules: ``add_reminder_rule(rule)``: see ``notifications.reminders.Rule``.
- Reminder offsets: ``add_reminder_offset(offset)``: see ``notifications.offsets``.

This app knows no domain app; it only runs what was registered.
"""

_mail_kinds = {}
_reminder_rules = {}
_reminder_offsets = {}


def add_mail_kind(kind, recipients):
    _mail_kinds[kind] = recipients


def mail_kind(kind):
    try:
        return _mail_kinds[kind]
    except KeyError:
        raise LookupError(f"No mail kind {kind!r} is registered.") from None


def mail_kinds():
    return sorted(_mail_kinds)


def add_reminder_rule(rule):
    _reminder_rules[rule.name] = rule


def reminder_rules():
    return [_reminder_rules[name] for name in sorted(_reminder_rules)]


def add_reminder_offset(offset):
    _reminder_offsets[offset.name] = offset


def reminder_offsets():
    return sorted(_reminder_offsets.values(), key=lambda offset: (offset.order, offset.name))
