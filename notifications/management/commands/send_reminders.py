"""``python manage.py send_reminders [--dry-run] [--now ISO-TIME]``: the reminder sweep."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from notifications import reminders


class Command(BaseCommand):
    help = "Send the reminders that are due now, over every registered reminder rule."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only print the reminders that would be sent; claim and send nothing.",
        )
        parser.add_argument(
            "--now",
            help="Sweep as if at this moment (ISO 8601; local time if no offset is given).",
        )

    def handle(self, *args, dry_run=False, now=None, **options):
        moment = _moment(now) if now is not None else None
        keys, due = reminders.sweep(now=moment, dry_run=dry_run)
        if dry_run:
            for key in keys:
                item = due[key]
                self.stdout.write(f"{item.kind}\t{item.email}\t{item.reference}\t{key}")
            self.stdout.write(f"Would send {len(keys)} reminder(s).")
            return
        for key in keys:
            self.stdout.write(key)
        self.stdout.write(f"Sent {len(keys)} reminder(s).")


def _moment(text):
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(f"--now: not an ISO 8601 date and time: {text!r}")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
