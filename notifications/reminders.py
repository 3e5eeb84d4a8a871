"""The reminder sweep: every registered rule, each reminder sent once.

A rule (registered by its app with ``registry.add_reminder_rule``) answers which reminders are
due at a moment, each under a unique key ``kind:object:recipient:occurrence``, and writes their
mails. The sweep claims the keys it means to send by inserting ``Reminder`` rows that carry its
own claim id (conflicts are ignored), reads back which rows are really its own and sends only
those, so two sweeps at once never send one reminder twice. Each sent reminder also enters its
recipient's inbox. Calendar days are counted in
Europe/Berlin, and mails go out only between ``settings.REMINDER_HOURS``; after downtime a
rule keys only the latest due occurrence, so no backlog is sent.
"""

import logging
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.defaultfilters import linebreaksbr, urlize
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from . import inbox, offsets, registry
from .models import Notification, Reminder

logger = logging.getLogger(__name__)

CHUNK = 500  # keys per IN list on the failure path


@dataclass(slots=True)
class Due:
    """One reminder due now: its key, the kind stored with it, whom it goes to, its data.

    A sweep makes one per open item (100,000 and more): slots, not frozen, keep that cheap.
    """

    key: str
    rule: str  # the registered rule's name
    kind: str  # stored in Reminder.rule, e.g. "review_due_soon"
    recipient_id: int
    email: str
    reference: str
    data: tuple = ()
    language: str = ""  # the recipient's (``Profile.language``); empty: the default language
    url: str = ""  # the page the reminder is about (kept with its inbox entry)


class Rule:
    """What a reminder rule provides (subclass it and register an instance).

    ``name``    the registry key; ``kinds`` the kinds its keys start with;
    ``recent_for(offsets)`` how long before now a key that is due now can have been claimed
                (default ``recent``; a rule whose keys stay due as long as an offset bounds it
                by the offsets in use, so the sweep never reads a year of keys);
    ``due(now, offsets)`` ``{key: Due}`` of the reminders due at ``now`` (a constant number of
    queries); ``offsets`` is the sweep's ``notifications.offsets.Table`` (read once per sweep);
    ``messages(dues)`` the mails for ``dues``, in their order.
    """

    name = ""
    kinds = ()
    recent = timedelta(days=8)

    def recent_for(self, offsets):
        return self.recent

    def due(self, now, offsets):
        raise NotImplementedError

    def messages(self, dues):
        raise NotImplementedError


def send_reminders(now=None, dry_run=False):
    """Send the reminders due at ``now``; return their keys (sorted).

    With ``dry_run`` nothing is claimed or sent: the keys that would be sent are returned.
    """
    keys, _due = sweep(now, dry_run)
    return keys


def sweep(now=None, dry_run=False):
    """``(keys, {key: Due})``: what was sent (or, with ``dry_run``, what would be)."""
    now = now or timezone.now()
    if not within_sending_hours(now):
        return [], {}
    rules = registry.reminder_rules()
    table = offsets.table()
    due = {}
    for rule in rules:
        due.update(rule.due(now, table))
    if not due:
        return [], {}
    pending = sorted(due.keys() - _recent_keys(now, rules, table))
    if dry_run or not pending:
        return pending, due
    claim = str(uuid.uuid4())
    keys = _claim(pending, due, claim)
    _send(keys, due, claim, now)
    logger.info("Sent %d reminders.", len(keys))
    return keys, due


def within_sending_hours(now):
    start, end = settings.REMINDER_HOURS
    return start <= timezone.localtime(now).hour < end


def _recent_keys(now, rules, table):
    """Keys claimed lately: the only ones that can clash with the keys due now.

    ``created_at`` is the real clock, hence the earlier of the two. This only spares inserting
    known keys; the unique key still decides every race.
    """
    since = min(now, timezone.now()) - max(rule.recent_for(table) for rule in rules)
    kinds = [kind for rule in rules for kind in rule.kinds]
    recent = Reminder.objects.filter(rule__in=kinds, created_at__gte=since)
    return set(recent.values_list("key", flat=True))


def _claim(keys, due, claim):
    """Insert the keys with our claim; return (sorted) the keys that are really ours."""
    Reminder.objects.bulk_create(
        [
            Reminder(key=key, rule=due[key].kind, recipient_id=due[key].recipient_id, claim=claim)
            for key in keys
        ],
        ignore_conflicts=True,
    )
    return sorted(Reminder.objects.filter(claim=claim).values_list("key", flat=True))


def _send(keys, due, claim, now):
    """Send over one connection, then mark the rows sent; on failure release the unsent."""
    entries = []
    try:
        with get_connection() as connection:
            for key, message in zip(keys, _messages(keys, due), strict=True):
                connection.send_messages([message])
                entries.append(_entry(due[key], message))
    except Exception:
        sent = len(entries)
        logger.exception("Reminders: sending failed after %d of %d.", sent, len(keys))
        _settle(claim, sent=keys[:sent], unsent=keys[sent:], now=now)
        inbox.deliver(entries)
        raise
    Reminder.objects.filter(claim=claim).update(sent_at=now)
    inbox.deliver(entries)


def _entry(item, message):
    """The inbox entry of a sent reminder: what the mail said."""
    return Notification(
        user_id=item.recipient_id,
        kind=item.kind,
        subject=message.subject,
        body=message.body,
        url=item.url,
        reference=item.reference,
    )


def _settle(claim, sent, unsent, now):
    """After a failure: mark what went out, delete the rest so that a later sweep retries."""
    for start in range(0, max(len(sent), len(unsent)), CHUNK):
        ours = Reminder.objects.filter(claim=claim)
        ours.filter(key__in=unsent[start : start + CHUNK]).delete()
        ours.filter(key__in=sent[start : start + CHUNK]).update(sent_at=now)


def _messages(keys, due):
    """The mails, in the order of ``keys``; each rule writes its own in one batch."""
    rules = {rule.name: rule for rule in registry.reminder_rules()}
    by_rule = defaultdict(list)
    for key in keys:
        by_rule[due[key].rule].append(due[key])
    built = {}
    for name, dues in by_rule.items():
        for item, message in zip(dues, rules[name].messages(dues), strict=True):
            built[item.key] = message
    return [built[key] for key in keys]


def plain_mails(dues, texts, values_of):
    """The mails of ``dues``, in their order, for a rule's ``messages``: text and HTML part.

    ``texts`` maps a kind to the function that builds its ``(subject, body)``; each is called
    once per language of the sweep, inside that language. ``values_of(item)`` gives the values
    of their placeholders, ``name`` included (the greeting). Each mail is in its recipient's
    language (``Due.language``). The text part is plain strings (nothing is HTML-escaped);
    the HTML part escapes the values and links the addresses (``mail/reminder.html``).
    """
    cache = {}
    messages = []
    for item in dues:
        language = item.language or settings.LANGUAGE_CODE
        if language not in cache:
            with translation.override(language):
                built = {kind: build() for kind, build in texts.items()}
                cache[language] = (_("Hello %(name)s,"), built)
        greeting, translated = cache[language]
        subject, body = translated[item.kind]
        values = values_of(item)
        text = "\n\n".join([greeting % values, body % values])
        message = EmailMultiAlternatives(subject % values, text, to=[item.email])
        message.attach_alternative(html_part(subject % values, text, language), "text/html")
        messages.append(message)
    return messages


def html_part(subject, text, language):
    """The HTML part of a text mail: paragraphs, escaped, addresses linked."""
    paragraphs = [paragraph_html(paragraph) for paragraph in text.split("\n\n")]
    return render_to_string(
        "mail/reminder.html",
        {"subject": subject, "paragraphs": paragraphs, "language": language},
    )


# What ``urlize`` can link: an address, a scheme, www., a bare .com/.edu/.gov/.int/.mil/.net/.org.
LINK_HINT = re.compile(r"@|://|www\.|\.(?:com|edu|gov|int|mil|net|org)\b", re.IGNORECASE)


def paragraph_html(paragraph):
    """A paragraph as ``{{ paragraph|urlize|linebreaksbr }}`` renders it; ``urlize`` (most of a
    mail's cost in a sweep of 100,000) only where a link may be."""
    linked = LINK_HINT.search(paragraph)
    html = urlize(paragraph, autoescape=True) if linked else escape(paragraph)
    return linebreaksbr(html, autoescape=True)
