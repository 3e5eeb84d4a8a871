"""``python manage.py send_reminders [--dry-run]``: the reminder sweep, now."""

from django.core.management.base import BaseCommand

from reviews import reminders


class Command(BaseCommand):
    help = "Send the reminders that are due now (reviews due soon or overdue)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only print the reminders that would be sent; claim and send nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        keys = reminders.send_reminders(dry_run=dry_run)
        verb = "Would send" if dry_run else "Sent"
        self.stdout.write(f"{verb} {len(keys)} reminder(s).")
        for key in keys:
            self.stdout.write(key)
