"""``python manage.py retention [--dry-run] [--today YYYY-MM-DD]``: records past their period.

Lists every record due (kind, reference, organisation, the date its period counts from, due
since; tab-separated) and a count; without ``--dry-run`` marks them for a coordinator to
confirm on /records/retention/ (the daily task does the same). It never deletes anything.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from records import retention, services


class Command(BaseCommand):
    help = "List the records past their retention period and mark them for confirmation."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list them; mark nothing.")
        parser.add_argument("--today", help="Select as if on this date (YYYY-MM-DD).")

    def handle(self, *args, dry_run=False, today=None, **options):
        day = _day(today) if today else None
        if dry_run:
            records = retention.expired(day)
        else:
            records, created = services.mark_candidates(day)
        for record in records:
            self.stdout.write(
                "\t".join(
                    (
                        record.kind,
                        record.label,
                        record.organization,
                        record.counts_from.isoformat(),
                        record.due_on.isoformat(),
                    )
                )
            )
        if dry_run:
            self.stdout.write(f"{len(records)} record(s) past their retention period (dry run).")
        else:
            self.stdout.write(
                f"{len(records)} record(s) past their retention period, {created} newly "
                "marked; a coordinator confirms the deletion."
            )


def _day(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--today: not a date (YYYY-MM-DD): {text!r}") from None
